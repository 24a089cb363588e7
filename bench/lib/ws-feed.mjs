#!/usr/bin/env node
// The second throughput feed (issue 16): a Node `ws` server that blasts frames as fast as the
// socket takes them, the way the independent measurement did. The reference server paces its
// sends through a bounded per-connection queue and a Tokio task; this feed has no pacing at all
// beyond keeping `bufferedAmount` under 1 MiB, so a client that is slower than the feed shows
// it here even where the reference server's own pace hides it.
//
//   node bench/lib/ws-feed.mjs --port 0      # prints "listening on http://127.0.0.1:<port>"
//
// Protocol (a subset of /ws/bench's): the client sends {"type":"start","count":N}; the feed sends
// N `tool_progress` frames of about 150 bytes, `seq` 0..N-1, then {"type":"bench_done","count":N}.
// A {"type":"ping"} is answered with {"type":"pong"} (a client's heartbeat), anything else ignored.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import { WebSocketServer } from 'ws';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });

const HIGH_WATER = 1 << 20;
// Frames are made ahead of the blast, so the feed's own JSON work does not set the pace.
const PAD = 'x'.repeat(48);
const frame = (seq) => `{"type":"tool_progress","seq":${seq},"tool":"search","progress":${(seq % 100) / 100},"message":"step ${seq} ${PAD}"}`;

const http = createServer((_, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });

wss.on('connection', (socket) => {
  let blasting = false;
  socket.on('message', (data) => {
    let message;
    try {
      message = JSON.parse(String(data));
    } catch {
      return;
    }
    if (message?.type === 'ping') socket.send('{"type":"pong"}');
    if (message?.type === 'start' && !blasting) {
      blasting = true;
      blast(socket, Math.max(0, Math.min(Number(message.count) || 0, 5_000_000)), () => {
        blasting = false;
      });
    }
  });
});

/** Sends `count` frames, yielding whenever more than HIGH_WATER bytes wait in the socket. */
function blast(socket, count, done) {
  let seq = 0;
  const pump = () => {
    while (seq < count) {
      if (socket.readyState !== socket.OPEN) return done();
      if (socket.bufferedAmount > HIGH_WATER) {
        setImmediate(pump);
        return;
      }
      socket.send(frame(seq));
      seq += 1;
    }
    socket.send(`{"type":"bench_done","count":${count}}`);
    done();
  };
  pump();
}

http.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${http.address().port}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
