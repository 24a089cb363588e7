// The processes a benchmark run needs, all on 127.0.0.1: the reference server (optimised build),
// the socket.io server (its own Node process), and a static server for the benchmark pages.
//
// The pages are served by Node rather than the reference server because they must be
// cross-origin isolated (COOP + COEP headers): only then does Chromium give performance.now()
// 5 µs resolution instead of 100 µs, which the latency figures need.
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

import { BENCH, GLOO_NET_VARIANT, packageRoot, ROOT } from './paths.mjs';

/** Every server this process started: killed when it exits, however it exits. */
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGTERM', 'SIGHUP']) {
  process.on(signal, () => process.exit(128 + 15));
}

/** Spawns `command`, resolves with the port it prints in `pattern` (and the child). */
function spawnListening(command, args, pattern, what) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let output = '';
  child.stderr.on('data', (chunk) => {
    output += chunk;
    if (process.env.BENCH_SERVER_LOG) process.stderr.write(`[${what}] ${chunk}`);
  });
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 15 s:\n${output}`)), 15_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePort({ child, port: Number(match[1]) });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before listening:\n${output}`));
    });
  });
}

function stopper(child) {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(killer);
  };
}

function controlClient(origin) {
  return {
    async post(route) {
      const response = await fetch(`${origin}/control/${route}`, { method: 'POST' });
      if (!response.ok) throw new Error(`control ${route}: HTTP ${response.status} ${await response.text()}`);
      return response.json();
    },
    async log() {
      return (await fetch(`${origin}/control/log`)).json();
    },
  };
}

export function referenceServerBinary() {
  const binary = process.env.AGENTWIRE_SERVER_BIN ?? join(ROOT, 'target', 'server', 'agentwire-server');
  if (!existsSync(binary)) {
    throw new Error(`${binary} not found: run 'cargo build --profile server -p agentwire-server' (npm run bench does)`);
  }
  return binary;
}

/** The reference server, optimised (`--profile server`), quiet. */
export async function startReferenceServer() {
  const { child, port } = await spawnListening(
    referenceServerBinary(),
    ['--host', '127.0.0.1', '--port', '0', '--quiet'],
    /listening on http:\/\/127\.0\.0\.1:(\d+)/,
    'agentwire-server',
  );
  const origin = `http://127.0.0.1:${port}`;
  return { port, origin, binary: referenceServerBinary(), ws: (path) => `ws://127.0.0.1:${port}${path}`, control: controlClient(origin), stop: stopper(child), pid: child.pid };
}

/** The Node `ws` blast feed (bench/lib/ws-feed.mjs) in its own Node process (issue 16). */
export async function startWsFeed() {
  const { child, port } = await spawnListening(process.execPath, [join(BENCH, 'lib', 'ws-feed.mjs'), '--port', '0'], /listening on http:\/\/127\.0\.0\.1:(\d+)/, 'ws-feed');
  return { port, ws: () => `ws://127.0.0.1:${port}/`, stop: stopper(child), pid: child.pid };
}

/** The socket.io server (bench/lib/sio-server.mjs) in its own Node process. */
export async function startSocketIoServer({ pingInterval = 25000, pingTimeout = 20000 } = {}) {
  const { child, port } = await spawnListening(
    process.execPath,
    [join(BENCH, 'lib', 'sio-server.mjs'), '--port', '0', '--ping-interval', String(pingInterval), '--ping-timeout', String(pingTimeout)],
    /listening on http:\/\/127\.0\.0\.1:(\d+)/,
    'sio-server',
  );
  const origin = `http://127.0.0.1:${port}`;
  return { port, origin, control: controlClient(origin), stop: stopper(child), pid: child.pid };
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Serves bench/dist at / and the built package's pkg/ at /pkg/ (the gloo-net socket build's at
 * /pkg-gloo-net/), cross-origin isolated. */
export async function startPageServer() {
  const mounts = [
    ['/pkg/', join(packageRoot(), 'pkg')],
    ['/pkg-gloo-net/', join(GLOO_NET_VARIANT, 'pkg')],
    ['/', join(BENCH, 'dist')],
  ];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const mount = mounts.find(([prefix]) => path.startsWith(prefix));
    const base = resolve(mount[1]);
    const file = normalize(join(base, path.slice(mount[0].length) || 'index.html'));
    if (!file.startsWith(base) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, stop: () => new Promise((done) => server.close(done)) };
}
