// reconnecting-websocket and partysocket (its fork) share an API: one adapter for both, given
// the class. Used with each library's defaults except under `fast` (reconnect after ~1 ms).
import { perMessageStore } from './per-message-store.js';

export function reconnectingClient(name, WebSocketClass) {
  function open(url, { on = {}, onOpen, onDown, fast = false } = {}) {
    const options = fast ? { minReconnectionDelay: 1, maxReconnectionDelay: 1 } : {};
    const socket = new WebSocketClass(url, [], options);
    let closed = false;
    socket.addEventListener('open', () => onOpen?.());
    socket.addEventListener('close', (event) => {
      if (!closed) onDown?.(event.code);
    });
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(event.data);
      const handler = on[message.type];
      if (handler) handler(message);
    });
    return {
      send: (message) => socket.send(JSON.stringify(message)),
      close() {
        closed = true;
        socket.close();
      },
    };
  }
  return {
    name,
    ready: async () => {},
    wasmBytes: () => 0,
    open,
    /** One setState per message_delta. */
    openStore: perMessageStore(open),
  };
}
