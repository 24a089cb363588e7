#!/usr/bin/env bash
# `npm test`: set everything up, build, and run every suite. Each suite runs even when an
# earlier one failed; the summary at the end names the failures and sets the exit code.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh || exit 1
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

failed=()
suite() {
  local name="$1"; shift
  printf '\n=== %s ===\n' "$name"
  local started=$SECONDS
  if "$@"; then
    printf '=== %s: passed in %ss ===\n' "$name" $(( SECONDS - started ))
  else
    printf '=== %s: FAILED ===\n' "$name"
    failed+=("$name")
  fi
}

suite "build: wasm package (pkg/)" bash scripts/build.sh || true
suite "build: reference server" cargo build -p agentwire-server
if [ ${#failed[@]} -gt 0 ]; then
  printf '\nBuild failed (%s); not running the tests.\n' "${failed[*]}"
  exit 1
fi
suite "native tests (cargo test --workspace)" cargo test --workspace
suite "TypeScript types (tsc --noEmit)" npx tsc -p tests/types
suite "JS tests (vitest)" npx vitest run --config tests/js/vitest.config.js
suite "browser tests (headless Chromium)" npx vitest run --config tests/browser/vitest.config.js
suite "wasm-pack browser tests (Rust API, headless Chromium)" bash scripts/wasm-test.sh
if [ -f tests/e2e/vitest.config.js ]; then
  suite "demo end-to-end (headless Chromium)" npx vitest run --config tests/e2e/vitest.config.js
fi

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nFAILED: %s\n' "${failed[*]}"
  exit 1
fi
printf '\nAll suites passed.\n'
