#!/usr/bin/env bash
# The prepared GPU check (issue 17.5): on a machine with an NVIDIA GPU, nvcc, CMake and Python with PyTorch + PEFT +
# transformers, but no Node and no network, with this repository copied to it together with dist/ and build/gpu-pack/
# (made here by `node dist/bench/gpu/pack.js`: a Node binary, the slim llama.cpp tree, node_modules; 64 MiB in all):
#   unpack   Node, llama.cpp and node_modules from build/gpu-pack               (bench/gpu/unpack.sh)
#   build    the addon with CUDA for the GPU present, and llama-bench, in one tree (bench/gpu/build.sh)
#   test     the device tests of test/vulkan/ on CUDA0 against the CPU (PERSIAN_LORA_TEST_DEVICE=CUDA)
#   models   a Llama-2-7B-shaped random model with --layers blocks, F16, Q8_0, Q4_K_M  (bench/gpu/models.ts)
#   train-*  training tokens/s and peak device memory per base, sequence 512, rank 16  (bench/gpu/train-worker.ts)
#   peft     PyTorch + PEFT in bf16 on the same GPU, same shape and tokens per step     (bench/gpu/train_peft.py)
#   infer-*  pp512 / tg128 tokens/s of the addon and of llama-bench per base            (bench/inference-worker.ts)
#   report   one table of all of it: WORK/results/table.md, and $OUT/gpu-check.md when OUT is set (bench/gpu/report.ts)
# A step that fails is reported (its command, exit status and the tail of its log) and the next one runs; the exit
# status is the number of failed steps. Safe to rerun: the unpack, the build tree and the models are reused.
#
# Usage: bash bench/gpu/run.sh [--layers N] [--steps N] [--reps N] [--quick]
#   --layers N   transformer blocks of the 7B shape (default 4: a 32-layer model and its quantizations take longer to
#                write than the 10 minutes allow; the table scales per-layer figures to 32 layers, labelled as such)
#   --quick      a tiny shape (width 256, 4 heads, FFN 688, sequence 128): what the CPU mode runs
# Environment: PL_GPU_CHECK_DEVICE=cuda (default) or cpu (every step on the CPU: tests the path without a GPU);
#   PL_GPU_CHECK_WORK (default build/gpu-check); OUT (a folder the results are copied to); PYTHON (default python3).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
MODE=${PL_GPU_CHECK_DEVICE:-cuda}
WORK=${PL_GPU_CHECK_WORK:-$ROOT/build/gpu-check}
PYTHON=${PYTHON:-$(command -v python3 || echo python)}
LAYERS=4 STEPS=5 REPS=3 QUICK=0
while [ $# -gt 0 ]; do
  case $1 in
    --layers) LAYERS=$2; shift 2 ;;
    --steps) STEPS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    *) echo "run.sh: unknown option $1 (expected --layers N, --steps N, --reps N, --quick)" >&2; exit 2 ;;
  esac
done
case $MODE in cuda|cpu) ;; *) echo "run.sh: PL_GPU_CHECK_DEVICE must be cuda or cpu (received $MODE)" >&2; exit 2 ;; esac
# GPU-specific choices: the trainer's device, the tests' device family, llama-bench's offload.
if [ "$MODE" = cuda ]; then DEVICE=CUDA0 NGL=99; else DEVICE=cpu NGL=0; fi
if [ "$QUICK" = 1 ]; then DIM=256 HEADS=4 FFN=688 SEQ=128 NPROMPT=128 NGEN=32; else DIM=4096 HEADS=32 FFN=11008 SEQ=512 NPROMPT=512 NGEN=128; fi
RANK=16
RESULTS=$WORK/results LOGS=$WORK/logs
mkdir -p "$RESULTS" "$LOGS" "$WORK/models" "$WORK/tmp"
rm -f "$RESULTS"/*.json "$RESULTS/table.md"
export TMPDIR=$WORK/tmp                      # createTinyModel's F32 scratch (27 GB for 32 layers) on the work disk
export PATH=$WORK/node/bin:$PATH             # the packed Node: cmake-js and CMake call `node` by name
export LLAMA_CPP_DIR=$WORK/llama.cpp         # vocabularies of the slim tree
export PERSIAN_LORA_ADDON=$WORK/build/Release/persian_lora.node
NODE=$WORK/node/bin/node
LLAMA_BENCH=$WORK/build/bin/llama-bench
FAILED=()
STATUS=$RESULTS/steps.tsv
: > "$STATUS"

# step NAME COMMAND...: runs COMMAND with its output in LOGS/NAME.log (and on the terminal); on failure says which step,
# which command, its exit status and the last lines of its output, records it, and returns so the next step runs.
step() {
  local name=$1; shift
  local log=$LOGS/$name.log start=$SECONDS
  echo "=== [$name] ${SHOWN:-$*}"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  printf '%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - start))" >> "$STATUS"
  if [ $rc -ne 0 ]; then
    FAILED+=("$name")
    { echo "!!! step $name FAILED (exit $rc) after $((SECONDS - start)) s"; echo "!!! command: ${SHOWN:-$*}"; echo "!!! last lines of $log:"
      tail -n 30 "$log" | sed 's/^/!!!   /'; } >&2
  else
    echo "=== [$name] ok in $((SECONDS - start)) s"
  fi
  return 0
}
# json NAME COMMAND...: a step whose last output line (one JSON object) is saved as RESULTS/NAME.json
json() {
  local name=$1; shift
  SHOWN="$*" step "$name" bash -c 'out=$1; shift; set -o pipefail; "$@" | tee "$out.out" && tail -n 1 "$out.out" > "$out"' "$name" "$RESULTS/$name.json" "$@"
  rm -f "$RESULTS/$name.json.out"
}

echo "GPU check: mode $MODE, $LAYERS layers × width $DIM, sequence $SEQ, rank $RANK, work in $WORK"
[ "$MODE" = cuda ] && nvidia-smi --query-gpu=name,memory.total,compute_cap,driver_version --format=csv,noheader
step unpack bash "$ROOT/bench/gpu/unpack.sh" "$ROOT" "$WORK"
step build bash bench/gpu/build.sh "$ROOT" "$WORK" "$MODE"
# The device tests of test/vulkan/ on CUDA0 (required there); in the CPU mode they find no CUDA device and skip, and the
# trainer's graph as rewritten for CUDA and Metal runs on the CPU instead (test/native/train/portable.test.ts).
TESTS=(dist/test/vulkan/*.test.js)
[ "$MODE" = cpu ] && TESTS+=(dist/test/native/train/portable.test.js)
step test env PERSIAN_LORA_TEST_DEVICE=CUDA PERSIAN_LORA_REQUIRE_VULKAN=$([ "$MODE" = cuda ] && echo 1 || echo 0) \
  "$NODE" node_modules/ava/entrypoints/cli.mjs "${TESTS[@]}"
json models "$NODE" "$ROOT/dist/bench/gpu/models.js" --dir "$WORK/models" --layers "$LAYERS" --dim "$DIM" --heads "$HEADS" --ffn "$FFN"
model() { "$NODE" -e 'process.stdout.write(require(process.argv[1]).files[process.argv[2]].path)' "$RESULTS/models.json" "$1" 2>/dev/null; }
for q in q4_k_m q8_0 f16; do
  json "train-$q" "$NODE" "$ROOT/dist/bench/gpu/train-worker.js" "$(model $q)" "$DEVICE" "$SEQ" "$STEPS" "$RANK"
done
json peft "$PYTHON" "$ROOT/bench/gpu/train_peft.py" --device "$MODE" --layers "$LAYERS" --dim "$DIM" --heads "$HEADS" --ffn "$FFN" \
  --seq "$SEQ" --steps "$STEPS" --rank "$RANK"
for q in q4_k_m q8_0 f16; do
  json "infer-$q" "$NODE" "$ROOT/dist/bench/inference-worker.js" "$(model $q)" "$(nproc)" "$NPROMPT" "$NGEN" "$REPS"
  json "llama-bench-$q" bash bench/gpu/llama-bench.sh "$LLAMA_BENCH" "$(model $q)" "$NPROMPT" "$NGEN" "$REPS" "$NGL"
done
step report "$NODE" "$ROOT/dist/bench/gpu/report.js" --results "$RESULTS" --mode "$MODE" --layers "$LAYERS" --seq "$SEQ" --rank "$RANK" \
  --prompt "$NPROMPT" --gen "$NGEN" $([ "$QUICK" = 0 ] && echo --full-layers 32)
if [ -n "${OUT:-}" ]; then mkdir -p "$OUT" && cp "$RESULTS"/* "$OUT"/ && cp -r "$LOGS" "$OUT/logs"; fi
awk -F'\t' '{ printf "  %-20s %s %5d s\n", $1, ($2 == 0 ? "ok    " : "FAILED"), $3 }' "$STATUS"
echo "GPU check: $SECONDS s in all"
if [ ${#FAILED[@]} -gt 0 ]; then echo "GPU check: ${#FAILED[@]} step(s) failed: ${FAILED[*]} (logs in $LOGS)" >&2; else echo "GPU check: every step passed"; fi
exit ${#FAILED[@]}
