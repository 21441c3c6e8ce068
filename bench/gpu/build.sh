#!/usr/bin/env bash
# Builds the addon and llama-bench in one CMake tree (WORK/build) from the unpacked llama.cpp (bench/gpu/unpack.sh), so
# ggml (and its CUDA kernels) compile once for both. Configured through cmake-js as scripts/build-native.mjs does,
# then both targets built in one `cmake --build`. A rerun rebuilds only what changed.
# Usage: bench/gpu/build.sh ROOT WORK cuda|cpu
# GPU-specific choices (cuda):
#   CMAKE_CUDA_ARCHITECTURES  the GPU present only: its compute capability from nvidia-smi as <major><minor>-real
#                             (no PTX; else CMake's `native`), unless the variable is set already
#   GGML_CUDA_FA=OFF          no flash-attention kernels (about 80 template instances): neither the trainer (no backward
#                             for FLASH_ATTN_EXT) nor the addon's contexts nor llama-bench here (-fa 0) use them
#   GGML_CUDA_FA_ALL_QUANTS   left off (ggml's default)
set -euo pipefail
ROOT=$1 WORK=$2 GPU=$3
NODE=$WORK/node/bin/node
JOBS=$(nproc)
# the previous outputs go first: after a failed build the later steps fail instead of measuring an old addon
rm -f "$WORK/build/Release/persian_lora.node" "$WORK/build/bin/llama-bench"
[ -x "$NODE" ] || { echo "build: $NODE is missing (the unpack step makes it)" >&2; exit 1; }
args=(--directory "$ROOT" --out "$WORK/build" --parallel "$JOBS" --log-level warn
  --CDPERSIAN_LORA_GPU="$GPU" --CDPERSIAN_LORA_LLAMA_DIR="$WORK/llama.cpp" --CDPERSIAN_LORA_LLAMA_TOOLS=ON
  --CDPERSIAN_LORA_RPC=OFF)  # RPC off: llama.cpp's tools/rpc would define a second rpc-server target
if [ "$GPU" = cuda ]; then
  if ! command -v nvcc >/dev/null && [ -z "${CUDACXX:-}" ] && [ -x /usr/local/cuda/bin/nvcc ]; then export CUDACXX=/usr/local/cuda/bin/nvcc; fi
  command -v nvcc >/dev/null || [ -n "${CUDACXX:-}" ] || { echo "build: nvcc is not on PATH, not in /usr/local/cuda/bin, and CUDACXX is not set" >&2; exit 1; }
  if [ -z "${CMAKE_CUDA_ARCHITECTURES:-}" ]; then
    cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n1 | tr -d ' .')
    if [[ $cc =~ ^[0-9]+$ ]]; then CMAKE_CUDA_ARCHITECTURES="${cc}-real"
    else CMAKE_CUDA_ARCHITECTURES=native; echo "build: nvidia-smi gave no compute capability ($cc): CMake's native detection"; fi
  fi
  args+=(--CDCMAKE_CUDA_ARCHITECTURES="$CMAKE_CUDA_ARCHITECTURES" --CDGGML_CUDA_FA=OFF --CDGGML_CUDA_FA_ALL_QUANTS=OFF)
  echo "build: CUDA for $CMAKE_CUDA_ARCHITECTURES, $JOBS jobs"
fi
# a tree configured for the other backend starts afresh
if [ -f "$WORK/build/CMakeCache.txt" ] && ! grep -q "^PERSIAN_LORA_GPU:STRING=$GPU\$" "$WORK/build/CMakeCache.txt"; then rm -rf "$WORK/build"; fi
"$NODE" "$ROOT/node_modules/cmake-js/bin/cmake-js" configure "${args[@]}"
cmake --build "$WORK/build" --config Release --target persian_lora llama-bench -j "$JOBS"
ls -l "$WORK/build/Release/persian_lora.node" "$WORK/build/bin/llama-bench"
