// socket.io-client 4.8 against a socket.io 4.8 server in Node (bench/lib/sio-server.mjs), the
// websocket transport only (no long-polling upgrade). Its defaults: reconnect after 0.5-1.5 s,
// emits while disconnected are buffered; heartbeat = the server's pingInterval + pingTimeout.
import { io } from 'socket.io-client';
import { perMessageStore } from './per-message-store.js';

export const name = 'socket.io';

export async function ready() {}

export function wasmBytes() {
  return 0;
}

export function open(url, { on = {}, onOpen, onDown, fast = false } = {}) {
  const options = { transports: ['websocket'] };
  if (fast) Object.assign(options, { reconnectionDelay: 1, reconnectionDelayMax: 1, randomizationFactor: 0 });
  const socket = io(url, options);
  let closed = false;
  socket.on('connect', () => onOpen?.());
  socket.on('disconnect', (reason) => {
    if (!closed) onDown?.(reason);
  });
  for (const [type, handler] of Object.entries(on)) socket.on(type, handler);
  return {
    send: (message) => socket.emit(message.type, message),
    close() {
      closed = true;
      socket.disconnect();
    },
  };
}

/** One setState per message_delta. */
export const openStore = perMessageStore(open);
