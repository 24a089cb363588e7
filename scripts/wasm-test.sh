#!/usr/bin/env bash
# The wasm-pack browser suites (tests/wasm, http/tests/wasm.rs): the Rust API of
# WebSocketTransport and of HttpAgentTransport in headless Chromium, against the reference server
# on 127.0.0.1. `npm test` runs it after the JS browser suite; on its own:
# `bash scripts/wasm-test.sh` (after scripts/setup.sh).
#
# 1. Starts target/debug/agentwire-server on a free port (built first if it is out of date) and
#    stops it on exit, whatever happens.
# 2. Builds and runs only the `wasm` test target for wasm32, with the server's address in
#    AGENTWIRE_TEST_SERVER (read at compile time: the page has no environment). The test crate
#    is rebuilt per run because the port differs; the rest of the build is cached.
#
# The run is `wasm-pack test --headless --chrome -- --test wasm`. wasm-pack first builds with
# `cargo build --tests` (to which `--test wasm` only adds), so the native tests in tests/*.rs and
# the library's unit tests are compiled for wasm32 too (they compile, and are not run); that costs
# the first run about a minute, later runs nothing.
#
# No RUSTC_BOOTSTRAP or -Zbuild-std is needed: the wasm32 std that setup.sh builds includes
# `test`, and the suite builds with the ordinary (stable) flags. Offline: wasm-bindgen-test-runner
# (of Cargo.lock's wasm-bindgen version) comes from ~/.cargo/bin and chromedriver from
# $CHROMEDRIVER, so nothing is downloaded.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

# The runner must be the wasm-bindgen version in Cargo.lock (setup.sh installs it); another one
# fails with a less helpful message about the module's schema.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen-test-runner --version 2>/dev/null)" != "wasm-bindgen-test-runner $WASM_BINDGEN_VERSION" ]; then
  echo "[wasm-test] wasm-bindgen-test-runner $WASM_BINDGEN_VERSION is required (found: $(wasm-bindgen-test-runner --version 2>&1 | head -1)); run scripts/setup.sh" >&2
  exit 1
fi

cargo build --quiet -p agentwire-server
SERVER_BIN="$ROOT/target/debug/agentwire-server"

SERVER_OUT=$(mktemp)
"$SERVER_BIN" --host 127.0.0.1 --port 0 --quiet >"$SERVER_OUT" 2>&1 &
SERVER_PID=$!
stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  rm -f "$SERVER_OUT"
}
trap stop_server EXIT
# A signal ends the script through `exit`, so the EXIT trap runs for it too.
trap 'exit 130' INT
trap 'exit 143' TERM

# The server prints exactly one line on stdout once it listens (server/README.md).
ORIGIN=
for _ in $(seq 150); do
  ORIGIN=$(grep -o -m1 'http://127\.0\.0\.1:[0-9]\+' "$SERVER_OUT" || true)
  [ -n "$ORIGIN" ] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "[wasm-test] agentwire-server exited before listening:" >&2
    cat "$SERVER_OUT" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$ORIGIN" ]; then
  echo "[wasm-test] agentwire-server did not start within 15 s:" >&2
  cat "$SERVER_OUT" >&2
  exit 1
fi
echo "[wasm-test] reference server at $ORIGIN"

export AGENTWIRE_TEST_SERVER="$ORIGIN"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# wasm-bindgen-test-runner's bound on the whole run in the browser (default 20 s); each test
# bounds its own waits at 10 s.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
# The chromedriver given, so wasm-pack never tries to download one.
wasm-pack test --headless --chrome --chromedriver "$CHROMEDRIVER" -- --test wasm
# The same for agentwire/http's Rust API (http/tests/wasm.rs, against POST /agui).
# From its folder: with a path argument, wasm-pack hands `-- --test wasm` to the test binaries.
(cd http && wasm-pack test --headless --chrome --chromedriver "$CHROMEDRIVER" -- --test wasm)
