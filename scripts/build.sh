#!/usr/bin/env bash
# Builds the npm package's wasm half into pkg/:
#   pkg/agentwire.js           wasm-bindgen's ES module: the WebSocketTransport class (a Rust type,
#                              src/web/transport.rs); default export = the async wasm initialiser
#   pkg/agentwire_bg.wasm      release build, wasm-opt'd
#   pkg/agentwire.d.ts         wasm-bindgen's declarations of the initialisers, then the
#                              hand-written ones of the class (src/web/agentwire.d.ts)
#   pkg/full/...               the same transport with the `share` and `queue.persist` features
#                              (`agentwire/full`): a second module, so the core one stays small
#   pkg/session/...            the same for agentwire-session (AgentSession), its own module so
#                              apps that only need the transport do not download it
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# npm's wasm-opt first: without one on PATH wasm-pack tries to download binaryen.
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# Panics compile to a trap: with `-Cpanic=immediate-abort` and the standard library rebuilt from
# source, none of its panic formatting is linked in (a few KB of a budgeted module). It needs the
# standard library's source (Debian's rust-web-src, or `rustup component add rust-src`); without
# it the modules build the ordinary way, slightly larger. The transport uses std (serde,
# gloo); the session crate is no_std and needs only core and alloc.
if [ -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library/core" ]; then
  export RUSTC_BOOTSTRAP=1
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none"
  STD_FROM_SOURCE=(-Z build-std=std,panic_abort)
  CORE_FROM_SOURCE=(-Z build-std=core,alloc)
  echo "[build] panics: immediate abort (the standard library built from source)"
else
  STD_FROM_SOURCE=()
  CORE_FROM_SOURCE=()
  echo "[build] panics: abort (no standard library source found; the modules will be a few KB larger)"
fi

# build_module CRATE_DIR OUT_DIR OUT_NAME DECLARATIONS CARGO_ARGS...
build_module() {
  local crate="$1" out="$2" name="$3" declarations="$4"
  shift 4
  # wasm-pack resolves --out-dir against the crate; it never deletes stale snippets itself.
  rm -rf "$out/snippets"
  wasm-pack --quiet build "$crate" --target web --out-dir "$ROOT/$out" --out-name "$name" --no-pack --release -- "$@"
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

# AGENTWIRE_FEATURES (cargo features of the transport) and AGENTWIRE_OUT (default pkg) build a
# variant elsewhere: the benchmark's gloo-net socket build (scripts/bench.sh).
OUT="${AGENTWIRE_OUT:-pkg}"
echo "[build] wasm: cargo (release) + wasm-bindgen + wasm-opt, via wasm-pack${AGENTWIRE_FEATURES:+ (features: $AGENTWIRE_FEATURES)}"
build_module . "$OUT" agentwire src/web/agentwire.d.ts "${STD_FROM_SOURCE[@]}" ${AGENTWIRE_FEATURES:+--features "$AGENTWIRE_FEATURES"}
if [ -z "${AGENTWIRE_FEATURES:-}" ]; then
  build_module . "$OUT/full" agentwire src/web/agentwire.d.ts "${STD_FROM_SOURCE[@]}" --features share,persist
fi
build_module session "$OUT/session" agentwire_session session/src/web/agentwire_session.d.ts "${CORE_FROM_SOURCE[@]}"
build_module http "$OUT/http" agentwire_http http/src/agentwire_http.d.ts "${STD_FROM_SOURCE[@]}"
