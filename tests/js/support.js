// Loads the built wasm from disk (a test has no server to fetch it from) and starts the
// reference server on 127.0.0.1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ready } from '../../js/ready.js';
import { ROOT } from '../browser/support/server.js';

export { startServer } from '../browser/support/server.js';

export function loadWasm() {
  return ready(readFileSync(join(ROOT, 'pkg', 'agentwire_bg.wasm')));
}

/** Initialises agentwire/session from disk; hooks that load it later find it ready. */
export async function loadSessionWasm() {
  const session = await import('../../pkg/session/agentwire_session.js');
  await session.default({ module_or_path: readFileSync(join(ROOT, 'pkg', 'session', 'agentwire_session_bg.wasm')) });
  return session;
}

/** Replaces the global WebSocket with a subclass that records every socket created. */
export function countSockets() {
  const Native = globalThis.WebSocket;
  const created = [];
  globalThis.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      created.push(this);
    }
  };
  return { created, restore: () => { globalThis.WebSocket = Native; } };
}

export async function waitFor(check, { timeout = 5000, what = 'condition' } = {}) {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
