// A raw browser WebSocket with JSON.parse, and the minimal reconnect + offline queue an app
// writes by hand: reconnect after a fixed 1 s (no backoff, no jitter), frames sent while not open
// wait in an array and go out on open. No heartbeat.
import { perMessageStore } from './per-message-store.js';

export const name = 'raw';

export async function ready() {}

export function wasmBytes() {
  return 0;
}

export function open(url, { on = {}, onOpen, onDown, fast = false } = {}) {
  const reconnectDelayMs = fast ? 1 : 1000;
  const queue = [];
  let ws;
  let closed = false;
  let timer;
  const connect = () => {
    ws = new WebSocket(url);
    ws.onopen = () => {
      for (const frame of queue.splice(0)) ws.send(frame);
      onOpen?.();
    };
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      const handler = on[message.type];
      if (handler) handler(message);
    };
    ws.onclose = (event) => {
      if (closed) return;
      onDown?.(event.code);
      timer = setTimeout(connect, reconnectDelayMs);
    };
  };
  connect();
  return {
    send(message) {
      const frame = JSON.stringify(message);
      if (ws.readyState === WebSocket.OPEN) ws.send(frame);
      else queue.push(frame);
    },
    close() {
      closed = true;
      clearTimeout(timer);
      ws.close();
    },
  };
}

/** One setState per message_delta. */
export const openStore = perMessageStore(open);
