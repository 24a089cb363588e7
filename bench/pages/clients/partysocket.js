// partysocket 1.3's WebSocket (its reconnecting-websocket fork, usable with any server): its
// defaults (first retry after a drop 3 s, buffered sends). No heartbeat.
import { WebSocket as PartyWebSocket } from 'partysocket';
import { reconnectingClient } from './reconnecting-family.js';

export const { name, ready, wasmBytes, open, openStore } = reconnectingClient('partysocket', PartyWebSocket);
