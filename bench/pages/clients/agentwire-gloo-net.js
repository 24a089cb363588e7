// AgentWire built with `--features gloo-net-socket`: the same adapter, the socket gloo-net's
// futures WebSocket (each text frame copied into a Rust String and back) instead of web-sys's.
// Its package is bench/out/gloo-net (scripts/bench.sh builds it), served at /pkg-gloo-net/.
import * as agentwire from './agentwire.js';

export const name = 'agentwire-gloo-net';
export const { wasmBytes, open, openStore } = agentwire;

export function ready() {
  return agentwire.ready({ wasmUrl: '/pkg-gloo-net/agentwire_bg.wasm' });
}
