#!/bin/sh
# Assemble a CUDA toolkit tree that CMake's FindCUDAToolkit and nvcc accept, from NVIDIA's Python wheels via pip (CUDA 13.0; the
# cu12 nvcc wheels ship only ptxas, no nvcc), for compiling the CUDA build on a machine without CUDA (the driver is a
# link-time stub: the addon links but cannot load there). Usage: scripts/cuda-toolkit-from-wheels.sh [ROOT=/tmp/cuda-root]
# [PIPDIR=/tmp/cuda13-pip], then: CUDACXX=ROOT/bin/nvcc CUDAToolkit_ROOT=ROOT CMAKE_CUDA_ARCHITECTURES=90 \
#   node scripts/build-native.mjs --gpu cuda
set -e
R=${1:-/tmp/cuda-root}; P=${2:-/tmp/cuda13-pip}
[ -x "$P/nvidia/cu13/bin/nvcc" ] || pip install --no-deps --target "$P" "cuda-toolkit[nvcc,cudart,cublas,cccl,crt,nvvm]==13.0.2" \
  nvidia-cuda-nvcc==13.0.88 nvidia-cuda-runtime==13.0.96 nvidia-cublas==13.1.0.3 nvidia-cuda-cccl==13.0.85 \
  nvidia-cuda-crt==13.0.88 nvidia-nvvm==13.0.88
S=$P/nvidia/cu13
rm -rf "$R"; mkdir -p "$R/lib64/stubs" "$R/nvvm"
cp -a "$S/bin" "$S/include" "$R/"; cp -a "$S/nvvm/." "$R/nvvm/"; cp -a "$S/lib/." "$R/lib64/"
for l in libcudart libcublas libcublasLt libnvblas; do ln -sf $l.so.13 "$R/lib64/$l.so"; done
mkdir -p "$R/nvvm/lib64"; ln -sf ../../lib64/libnvvm.so.4 "$R/nvvm/lib64/libnvvm.so.4"; ln -sf libnvvm.so.4 "$R/nvvm/lib64/libnvvm.so"
# the wheel's nvcc.profile points at targets/x86_64-linux/{include,lib}; point it at include/ and lib64/ instead
cat > "$R/bin/nvcc.profile" <<'PROFILE'

TOP              = $(_HERE_)/..

CICC_PATH        = $(TOP)/nvvm/bin
NVVMIR_LIBRARY_DIR = $(TOP)/nvvm/libdevice

LD_LIBRARY_PATH += $(TOP)/lib64:
PATH            += $(CICC_PATH):$(_HERE_):

INCLUDES        +=  "-I$(TOP)/include" $(_SPACE_)
SYSTEM_INCLUDES +=  "-isystem" "$(TOP)/include/cccl" $(_SPACE_)

LIBRARIES        =+ $(_SPACE_) "-L$(TOP)/lib64/stubs" "-L$(TOP)/lib64"

CUDAFE_FLAGS    +=
PTXAS_FLAGS     +=
PROFILE
# link-time-only driver stub (no wheel ships libcuda.so): every cu* function named in cuda.h, SONAME libcuda.so.1
T=$(mktemp -d)
echo '#include <cuda.h>' | gcc -E -P -I"$R/include" -x c - \
  | grep -oE '\bcu[A-Z][A-Za-z0-9_]*[[:space:]]*\(' | sed 's/[[:space:]]*($//' | sort -u \
  | awk '{print "int " $1 "(void) { return 999; }"}' > "$T/stub.c"
gcc -shared -fPIC -o "$R/lib64/stubs/libcuda.so" -Wl,-soname,libcuda.so.1 "$T/stub.c"; rm -rf "$T"
"$R/bin/nvcc" --version | tail -2
