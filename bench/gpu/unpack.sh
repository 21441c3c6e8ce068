#!/usr/bin/env bash
# Unpacks build/gpu-pack/ (bench/gpu/pack.ts) into WORK: node/bin/node, llama.cpp/ (the slim vendored tree) and
# node_modules/, which ROOT/node_modules then points at when ROOT has none. A rerun with the same pack does nothing
# (a stamp holds the pack's manifest). Without xz on the machine, Python's lzma unpacks the Node binary.
# Usage: bench/gpu/unpack.sh ROOT WORK
set -euo pipefail
ROOT=$1 WORK=$2
PACK=$ROOT/build/gpu-pack
[ -f "$PACK/manifest.json" ] || { echo "unpack: $PACK/manifest.json is missing: make the pack with node dist/bench/gpu/pack.js where Node and the network are, and carry build/gpu-pack" >&2; exit 1; }
mkdir -p "$WORK"
if cmp -s "$PACK/manifest.json" "$WORK/unpacked.json"; then echo "unpack: $WORK is up to date"; exit 0; fi
rm -rf "$WORK/node" "$WORK/llama.cpp" "$WORK/node_modules" "$WORK/unpacked.json"
mkdir -p "$WORK/node/bin" "$WORK/llama.cpp"
if command -v xz >/dev/null; then xz -dc "$PACK/node.xz" > "$WORK/node/bin/node"
else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$PACK/node.xz" "$WORK/node/bin/node"; fi
chmod +x "$WORK/node/bin/node"
tar -xzf "$PACK/llama.cpp.tar.gz" -C "$WORK/llama.cpp"
tar -xzf "$PACK/node_modules.tar.gz" -C "$WORK"
if [ ! -e "$ROOT/node_modules" ]; then ln -s "$WORK/node_modules" "$ROOT/node_modules"; fi
cp "$PACK/manifest.json" "$WORK/unpacked.json"
echo "unpack: node $("$WORK/node/bin/node" --version), llama.cpp and $(ls "$WORK/node_modules" | wc -l) packages in $WORK"
