// Starts the reference server (agentwire-server) on 127.0.0.1 for a test, and stops it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export function serverBinary() {
  const binary = process.env.AGENTWIRE_SERVER_BIN ?? join(ROOT, 'target', 'debug', 'agentwire-server');
  if (!existsSync(binary)) {
    throw new Error(`agentwire-server not found at ${binary}: run 'cargo build -p agentwire-server' (npm test does)`);
  }
  return binary;
}

/** What the browser tests serve: pkg/, the JS bindings, Zustand and the test pages. */
export const TEST_STATICS = [
  `/pkg=${join(ROOT, 'pkg')}`,
  `/js=${join(ROOT, 'js')}`,
  `/vendor/zustand=${join(ROOT, 'node_modules', 'zustand', 'esm')}`,
  join(ROOT, 'tests', 'browser', 'pages'),
];

/**
 * Starts a server; `port: 0` picks a free port. `statics` are `--static` mounts ([PREFIX=]DIR).
 * Resolves once it prints its address.
 */
export async function startServer({ port = 0, args = [], statics = TEST_STATICS } = {}) {
  const child = spawn(
    serverBinary(),
    ['--host', '127.0.0.1', '--port', String(port), ...statics.flatMap((mount) => ['--static', mount]), '--quiet', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stderr.on('data', (chunk) => { output += chunk; });
  const actualPort = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 15 s:\n${output}`)), 15_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  const origin = `http://127.0.0.1:${actualPort}`;
  return {
    port: actualPort,
    origin,
    ws: (path) => `ws://127.0.0.1:${actualPort}${path}`,
    /** POSTs to the control API; returns the parsed JSON answer. */
    async control(path, body) {
      const response = await fetch(`${origin}/control/${path}`, { method: 'POST', body });
      if (!response.ok) throw new Error(`control ${path}: HTTP ${response.status} ${await response.text()}`);
      return response.json();
    },
    async log() {
      const response = await fetch(`${origin}/control/log`);
      return response.json();
    },
    /** Stops the process (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
    async stop({ signal = 'SIGTERM' } = {}) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    },
  };
}
