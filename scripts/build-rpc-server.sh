#!/usr/bin/env bash
# Builds llama.cpp's rpc-server from the vendored tree with the same ggml as the addon: the `rpc-server` target of the
# addon's CMake build folder (build/cmake, where `npm install` and `persian-lora build` build; BUILD_DIR overrides it),
# which CMakeLists.txt defines when ggml's RPC backend is on (PERSIAN_LORA_RPC, the default). A folder without it is
# configured and built first. Prints the binary's path on stdout. Then, on each machine that lends its device:
#   rpc-server -H 0.0.0.0 -p 50052        (docs/rpc.md; the server has no authentication: trusted networks only)
# ggml's backends in the server are the build's (CPU; with PERSIAN_LORA_GPU=cuda … the GPU's too).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${BUILD_DIR:-$root/build/cmake}"
jobs="${JOBS:-2}"
say() { echo "[build-rpc-server] $*" >&2; }

if ! grep -qs '^GGML_RPC:BOOL=ON' "$out/CMakeCache.txt"; then
  say "$out is not a build with ggml's RPC backend: building the addon there first"
  if [[ -n "${BUILD_DIR:-}" ]]; then node "$root/scripts/build-native.mjs" --out "$out" >&2; else node "$root/scripts/build-native.mjs" >&2; fi
fi
cmake --build "$out" --target rpc-server --parallel "$jobs" >&2
bin="$(find "$out" -maxdepth 3 -name rpc-server -type f -perm -u+x | head -n 1)"
[[ -n "$bin" ]] || { say "the build finished but no rpc-server binary is in $out"; exit 1; }
say "built $bin"
echo "$bin"
