#!/usr/bin/env bash
# Builds the npm package's wasm half into pkg/: agentwire.js (ES module, default export = async
# init), agentwire_bg.wasm (release, wasm-opt'd) and agentwire.d.ts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# npm's wasm-opt first: without one on PATH wasm-pack tries to download binaryen.
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

echo "[build] wasm: cargo (release) + wasm-bindgen + wasm-opt, via wasm-pack"
wasm-pack --quiet build --target web --out-dir pkg --out-name agentwire --no-pack --release
# wasm-pack writes a catch-all .gitignore, which npm would also read as "publish nothing".
rm -f pkg/.gitignore
# The class is declared by hand: wasm-bindgen cannot express the generic event map.
cat src/web/agentwire.d.ts >> pkg/agentwire.d.ts
echo "[build] pkg/: $(wc -c < pkg/agentwire_bg.wasm) bytes wasm ($(gzip -9 -c pkg/agentwire_bg.wasm | wc -c) gzip), $(wc -c < pkg/agentwire.js) bytes JS"
