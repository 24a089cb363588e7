#!/usr/bin/env bash
# `npm run bench`: AgentWire against raw WebSocket, reconnecting-websocket, partysocket and
# socket.io-client, in one run (bench/run.mjs). Arguments go to bench/run.mjs, e.g.
#   npm run bench -- --quick
#   npm run bench -- --rounds 5 --only throughput,latency --clients raw,agentwire
# Figures, not assertions: this prints a table and writes bench/results.json, never fails on a
# budget. Run it on a quiet machine (other builds or test runs on the same cores skew it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
# The transport on gloo-net's futures WebSocket instead of web-sys's, benchmarked beside it as
# the client `agentwire-gloo-net` (issue 11 asks for both figures): a package root of its own in
# bench/out/gloo-net, built first so pkg/ ends up the default build.
VARIANT=bench/out/gloo-net
AGENTWIRE_FEATURES=gloo-net-socket AGENTWIRE_OUT="$VARIANT/pkg" bash scripts/build.sh
cp package.json "$VARIANT/"
rm -rf "$VARIANT/js" && cp -r js "$VARIANT/js"
bash scripts/build.sh
export PATH="$HOME/.cargo/bin:$PATH"

echo "[bench] reference server: cargo build --profile server"
cargo build --quiet --profile server -p agentwire-server
# The server's own native client (examples/bench_client): the ceiling a browser client can
# reach, so the benchmark can tell a server-bound figure from a client-bound one.
cargo build --quiet --profile server -p agentwire-server --features bench-client --example bench_client

# The benchmark's own packages (peers, esbuild, React, Zustand) live in bench/, never in the
# root package.json. npm records what it installed in node_modules/.package-lock.json: newer
# than both manifests means the tree is current.
bench_npm_current() {
  local marker="bench/node_modules/.package-lock.json"
  [ -f "$marker" ] && [ "$marker" -nt bench/package.json ] && [ "$marker" -nt bench/package-lock.json ]
}
if bench_npm_current; then
  echo "[bench] bench/node_modules: current"
else
  echo "[bench] bench/node_modules: npm ci"
  npm --prefix bench ci --no-audit --no-fund
  touch bench/node_modules/.package-lock.json
fi

echo "[bench] load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "[bench] AG-UI: AgentSession and @ag-ui/client on the same 20,000-event stream (bench/agui.mjs)"
node bench/agui.mjs
exec node bench/run.mjs "$@"
