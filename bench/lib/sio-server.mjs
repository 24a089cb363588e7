// A socket.io server that plays the reference server's part for socket.io-client: the same
// payloads as /ws/bench (tool_progress ~150 B, message_delta "w{i} "), an echo, and the chaos
// controls the benchmark uses (drop, silence, reset), on 127.0.0.1 only.
//
//   node bench/lib/sio-server.mjs [--port 0] [--ping-interval 25000] [--ping-timeout 20000]
//
// Prints `sio-server listening on http://127.0.0.1:<port>` once ready. Run in its own process:
// the benchmark's driver must not steal its CPU.
//
// Events (client → server): 'start' {count, kind: 'progress'|'delta', interval_ms}, 'probe' (echoed
// back as 'probe'), 'ping' (answered 'pong'). Server → client: 'tool_progress' / 'message_delta'
// objects equal to the reference server's frames, then 'bench_done' {count}.
// HTTP: POST /control/drop | /control/silence | /control/reset, GET /control/log (CORS open).
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const PORT = arg('port', 0);
const PING_INTERVAL = arg('ping-interval', 25000);
const PING_TIMEOUT = arg('ping-timeout', 20000);

/** Epoch ms with µs precision, rounded like the reference server's `{ts:.3}`. */
const nowMs = () => Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000;

const PROGRESS_FRAME_BYTES = 150;

/** The reference server's tool_progress frame (server/src/endpoints/bench.rs), as an object. */
function progressEvent(seq) {
  const event = {
    type: 'tool_progress',
    seq,
    ts: nowMs(),
    tool: 'web_search',
    message: `fetching page ${(seq % 10) + 1} of 10`,
    progress: (seq % 100) / 100,
  };
  // Same padding rule as the Rust server: `,"pad":"…"` brings the JSON to ~150 bytes.
  const fixed = JSON.stringify(event).length - 1 + 10;
  if (fixed < PROGRESS_FRAME_BYTES) event.pad = '.'.repeat(PROGRESS_FRAME_BYTES - fixed);
  return event;
}

function deltaEvent(seq) {
  return { type: 'message_delta', seq, ts: nowMs(), message_id: 'bench', delta: `w${seq} ` };
}

const log = { connections: 0, received: [] };
const silenced = new WeakSet();

const http = createServer((req, res) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  const url = new URL(req.url, 'http://127.0.0.1');
  const reply = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'OPTIONS') return reply(204, {});
  if (url.pathname === '/healthz') return reply(200, 'ok');
  if (url.pathname === '/control/log' && req.method === 'GET') return reply(200, log);
  if (req.method !== 'POST') return reply(404, { ok: false, error: 'not found' });
  const sockets = [...io.of('/').sockets.values()];
  switch (url.pathname) {
    case '/control/drop': {
      // Abrupt: no close frame, the TCP connection just ends (the client sees 1006).
      for (const socket of sockets) rawSocket(socket)?.destroy();
      return reply(200, { ok: true, affected: sockets.length });
    }
    case '/control/silence': {
      // The socket stays open; nothing is read or written any more (a half-open peer).
      let affected = 0;
      for (const socket of sockets) {
        const raw = rawSocket(socket);
        if (!raw || silenced.has(raw)) continue;
        silenced.add(raw);
        raw.pause();
        raw.write = (_chunk, encoding, callback) => {
          // Swallowed like a dead link; the callback is never called, so nothing more is sent.
          void encoding;
          void callback;
          return false;
        };
        // Keep the socket open even when engine.io gives up on it (the peer must find out itself).
        raw.end = () => raw;
        raw.destroy = () => raw;
        affected += 1;
      }
      return reply(200, { ok: true, affected });
    }
    case '/control/reset': {
      log.received = [];
      return reply(200, { ok: true, affected: 0 });
    }
    default:
      return reply(404, { ok: false, error: 'unknown control route' });
  }
});

/** The TCP socket under a socket.io connection (websocket transport only). */
function rawSocket(socket) {
  return socket.conn?.transport?.socket?._socket;
}

const io = new Server(http, {
  transports: ['websocket'],
  pingInterval: PING_INTERVAL,
  pingTimeout: PING_TIMEOUT,
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: 1e6,
  cors: { origin: '*' },
});

io.on('connection', (socket) => {
  log.connections += 1;
  socket.on('start', (start) => stream(socket, start));
  socket.on('probe', (message) => {
    log.received.push(message);
    if (log.received.length > 10_000) log.received.shift();
    socket.emit('probe', message);
  });
  socket.on('ping', () => socket.emit('pong', { type: 'pong' }));
});

/**
 * Sends `count` events like /ws/bench: paced on a fixed schedule when interval_ms > 0,
 * otherwise as fast as the connection takes them (at most 64 packets wait in engine.io's write
 * buffer; `ts` is stamped when the event is handed to socket.io).
 */
function stream(socket, { count = 0, kind = 'progress', interval_ms: interval = 0 } = {}) {
  const make = kind === 'delta' ? deltaEvent : progressEvent;
  const type = kind === 'delta' ? 'message_delta' : 'tool_progress';
  const conn = socket.conn;
  let seq = 0;
  const finish = () => socket.emit('bench_done', { type: 'bench_done', count });
  if (interval > 0) {
    const start = performance.now();
    const tick = () => {
      if (!socket.connected) return;
      // Everything due by now goes out (a fixed schedule: timers firing late do not drift it).
      while (seq < count && performance.now() >= start + seq * interval) socket.emit(type, make(seq++));
      if (seq >= count) return finish();
      setTimeout(tick, Math.max(0, start + seq * interval - performance.now()));
    };
    return tick();
  }
  const pump = () => {
    if (!socket.connected) return;
    while (seq < count) {
      if (conn.writeBuffer.length >= 64) {
        conn.once('drain', () => setImmediate(pump));
        return;
      }
      socket.emit(type, make(seq++));
    }
    finish();
  };
  pump();
}

http.listen(PORT, '127.0.0.1', () => {
  console.log(`sio-server listening on http://127.0.0.1:${http.address().port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    io.close();
    http.close();
    process.exit(0);
  });
}
