#!/usr/bin/env bash
# llama-bench's pp and tg tokens/s on one model, as one JSON line (an array of its records), flash attention off as in
# the addon's contexts. Usage: bench/gpu/llama-bench.sh LLAMA_BENCH MODEL N_PROMPT N_GEN REPS NGL
set -euo pipefail
BIN=$1 MODEL=$2 NP=$3 NG=$4 REPS=$5 NGL=$6
[ -x "$BIN" ] || { echo "llama-bench: $BIN is missing (the build step makes it)" >&2; exit 1; }
[ -f "$MODEL" ] || { echo "llama-bench: the model '$MODEL' is missing (the models step makes it)" >&2; exit 1; }
"$BIN" -m "$MODEL" -p "$NP" -n "$NG" -r "$REPS" -ngl "$NGL" -t "$(nproc)" -fa 0 -o jsonl > "$MODEL.llama-bench.jsonl"
cat "$MODEL.llama-bench.jsonl"
echo "[$(paste -sd, "$MODEL.llama-bench.jsonl")]"
