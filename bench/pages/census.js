// Records every WebSocket the page creates (for the per-call measurement, which feeds synthetic
// frames to the client's real socket). Imported first, before any client module captures
// `WebSocket`; installed identically on every client's page.
export const sockets = [];
const NativeWebSocket = globalThis.WebSocket;
globalThis.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    sockets.push(this);
  }
};

/** The most recently created socket that is open. */
export function openSocket() {
  for (let i = sockets.length - 1; i >= 0; i--) {
    if (sockets[i].readyState === NativeWebSocket.OPEN) return sockets[i];
  }
  return null;
}
