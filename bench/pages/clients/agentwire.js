// AgentWire as its README shows it: the wasm loaded once, a WebSocketTransport with default
// options (heartbeat 30 s / 10 s, reconnect from 1 s with full jitter, bounded queue), typed
// listeners, and for the store the Zustand binding (one store update per animation frame).
import init, { WebSocketTransport } from 'agentwire';
import { bindTransport } from 'agentwire/zustand';

export const name = 'agentwire';

let wasm = null;

export async function ready({ wasmUrl }) {
  wasm = await init({ module_or_path: wasmUrl });
}

export function wasmBytes() {
  return wasm.memory.buffer.byteLength;
}

export function open(url, { on = {}, onOpen, onDown, fast = false, heartbeat } = {}) {
  const options = { url };
  if (fast) options.reconnect = { initialDelayMs: 1, maxDelayMs: 1, jitter: 0 };
  if (heartbeat) options.heartbeat = heartbeat;
  const transport = new WebSocketTransport(options);
  let closed = false;
  for (const [type, handler] of Object.entries(on)) transport.on(type, handler);
  transport.onStatus((event) => {
    if (closed) return;
    if (event.status === 'connected') onOpen?.();
    else if (event.previous === 'connected') onDown?.(event.status);
  });
  transport.connect().catch(() => {});
  return {
    transport,
    send: (message) => transport.send(message),
    close() {
      closed = true;
      transport.free();
    },
  };
}

/** The token stream through agentwire/zustand: buffered, applied once per animation frame. */
export function openStore(url, store, { onDone, onOpen }) {
  const conn = open(url, { on: { bench_done: onDone }, onOpen });
  bindTransport(conn.transport, store, {
    message_delta: (state, message) => ({ text: state.text + message.delta }),
  });
  return conn;
}
