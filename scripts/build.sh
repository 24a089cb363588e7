#!/usr/bin/env bash
# Builds the npm package's wasm half into pkg/:
#   pkg/agentwire.js           ES module: WebSocketTransport (src/web/transport.js, the JS shell);
#                              default export = the async wasm initialiser
#   pkg/agentwire_bindings.js  wasm-bindgen's bindings of the engine (src/web/engine.rs)
#   pkg/agentwire_bg.wasm      release build, wasm-opt'd
#   pkg/agentwire.d.ts         the hand-written declarations (src/web/agentwire.d.ts)
#   pkg/session/...            the same for agentwire-session (AgentSession), its own module so
#                              apps that only need the transport do not download it
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# npm's wasm-opt first: without one on PATH wasm-pack tries to download binaryen.
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# Panics compile to a trap: with `-Cpanic=immediate-abort` and core/alloc rebuilt from source,
# none of core's panic formatting is linked in (a few KB of a budgeted module). It needs the
# standard library's source (Debian's rust-web-src, or `rustup component add rust-src`); without
# it the modules build the ordinary way, slightly larger.
if [ -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library/core" ]; then
  export RUSTC_BOOTSTRAP=1
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none"
  CARGO_EXTRA=(-Z build-std=core,alloc)
  echo "[build] panics: immediate abort (core and alloc built from source)"
else
  CARGO_EXTRA=()
  echo "[build] panics: abort (no standard library source found; the modules will be a few KB larger)"
fi

# build_module CRATE_DIR OUT_DIR OUT_NAME DECLARATIONS
build_module() {
  local crate="$1" out="$2" name="$3" declarations="$4"
  # wasm-pack resolves --out-dir against the crate; it never deletes stale snippets itself.
  rm -rf "$out/snippets"
  wasm-pack --quiet build "$crate" --target web --out-dir "$ROOT/$out" --out-name "$name" --no-pack --release -- "${CARGO_EXTRA[@]}"
  # wasm-pack writes a catch-all .gitignore, which npm would also read as "publish nothing".
  rm -f "$out/.gitignore"
  node scripts/tidy-bindings.mjs "$out/$name.js"
  # The classes are declared by hand (wasm-bindgen cannot express generics such as the event
  # map). Assembled in a temporary file and moved, so a concurrent build never sees half of it.
  local types
  types=$(mktemp "$out/.types.XXXXXX")
  cat "$out/$name.d.ts" "$declarations" >"$types"
  mv "$types" "$out/$name.d.ts"
  echo "[build] $out/$name: $(wc -c <"$out/${name}_bg.wasm") bytes wasm ($(gzip -9 -c "$out/${name}_bg.wasm" | wc -c) gzip), $(wc -c <"$out/$name.js") bytes JS"
}

# The transport's public module is the JS shell around the engine's bindings. It and the
# engine share glue.js, which wasm-bindgen copies under a content-hashed snippets/ path: the
# shell's `./glue.js` import is pointed there, so both load the same module instance.
place_shell() {
  mv pkg/agentwire.js pkg/agentwire_bindings.js
  mv pkg/agentwire.d.ts pkg/agentwire_bindings.d.ts
  local glue
  glue=$(cd pkg && ls snippets/agentwire-*/src/web/glue.js)
  if [ "$(echo "$glue" | wc -l)" != 1 ] || ! grep -q "from './glue.js';" src/web/transport.js; then
    echo "[build] expected one glue.js snippet and the shell's ./glue.js import, found: $glue" >&2
    exit 1
  fi
  local shell
  shell=$(mktemp pkg/.shell.XXXXXX)
  sed "s#from './glue.js';#from './$glue';#" src/web/transport.js >"$shell"
  chmod 644 "$shell"
  mv "$shell" pkg/agentwire.js
  local types
  types=$(mktemp pkg/.types.XXXXXX)
  cat src/web/agentwire.d.ts >"$types"
  chmod 644 "$types"
  mv "$types" pkg/agentwire.d.ts
  echo "[build] pkg/agentwire.js: the shell, $(wc -c <pkg/agentwire.js) bytes"
}

echo "[build] wasm: cargo (release) + wasm-bindgen + wasm-opt, via wasm-pack"
build_module . pkg agentwire /dev/null
place_shell
build_module session pkg/session agentwire_session session/src/web/agentwire_session.d.ts
