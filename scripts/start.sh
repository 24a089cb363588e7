#!/usr/bin/env bash
# `npm start`: set everything up, build the package, the demo and the server, then serve the
# demo at http://127.0.0.1:${PORT:-8000}/ until Ctrl-C.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
bash scripts/build.sh
echo "[start] demo: vite build (www/dist)"
npm --prefix www run --silent build
echo "[start] reference server: cargo build --profile server"
cargo build --quiet --profile server -p agentwire-server
PORT="${PORT:-8000}"
echo "[start] open http://127.0.0.1:${PORT}/ (Ctrl-C stops the server)"
exec target/server/agentwire-server --port "$PORT" --static www/dist --static "/pkg=$ROOT/pkg"
