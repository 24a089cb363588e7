#!/usr/bin/env bash
# `npm run load`: N WebSocket clients (default 2,000) receiving agent-event fan-out, spread over
# 2 server instances sharing a Redis, then the same on 1 in-memory instance (server/examples/
# load.rs). Prints events/s delivered, p50/p99 end-to-end latency, RSS per connection and CPU.
# Arguments go to the load generator, e.g.
#   npm run load -- --clients 500 --seconds 5 --sessions 2 --delay-ms 20
# Figures, not assertions; loopback only (it starts its own redis-server on a free port and its
# own server processes). Run it on a quiet machine: builds or tests on the same cores skew it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

command -v redis-server >/dev/null 2>&1 || bash scripts/setup.sh
command -v redis-server >/dev/null 2>&1 || { echo "[load] redis-server is required" >&2; exit 1; }

echo "[load] cargo build --profile server (server and load generator)"
cargo build --quiet --profile server -p agentwire-server --bin agentwire-server
cargo build --quiet --profile server -p agentwire-server --features load --example load

# Every client is a socket in the generator and one in a server: raise the descriptor limit
# (the generator's and, inherited, the servers' and Redis's).
ulimit -n 65536 2>/dev/null || ulimit -n 16384 2>/dev/null || true
exec target/server/examples/load --server target/server/agentwire-server "$@"
