// reconnecting-websocket 4.4: its defaults (first retry after 1-5 s, chosen once per page load;
// messages sent while closed are buffered and sent on open). No heartbeat.
import ReconnectingWebSocket from 'reconnecting-websocket';
import { reconnectingClient } from './reconnecting-family.js';

export const { name, ready, wasmBytes, open, openStore } = reconnectingClient('reconnecting-websocket', ReconnectingWebSocket);
