#!/usr/bin/env bash
# `npm run soak`: the chaos soak of the resume protocol (tests/soak/run.mjs). Sets up and builds
# what it needs (as `npm test` does), then runs; arguments go to run.mjs, e.g.
#   npm run soak -- --faults 50
#   npm run soak -- --server debug      # the debug server npm test builds, no optimised build
# Its last line: `soak: <F> faults, <E> events in, <M> messages out, lost <n>, duplicated <n>,
# reordered <n>`; it exits non-zero on any loss, duplicate or reordering, or if it cannot finish.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/build.sh
if [[ " $* " == *" --server debug "* || " $* " == *" --server=debug "* ]]; then
  echo "[soak] reference server: cargo build (debug)"
  cargo build --quiet -p agentwire-server
else
  echo "[soak] reference server: cargo build --profile server"
  cargo build --quiet --profile server -p agentwire-server
fi
echo "[soak] load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
exec node tests/soak/run.mjs "$@"
