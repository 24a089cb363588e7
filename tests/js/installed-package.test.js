// @vitest-environment node
// The package as a user gets it: `npm pack`, installed into an empty project, imported by its
// name. The transport must load its wasm and work from there, not only from this repository.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const project = mkdtempSync(join(tmpdir(), 'agentwire-installed-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the installed package', () => {
  it('loads its wasm and runs a transport when imported by name', () => {
    const [{ filename }] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', project], ROOT));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // No dependencies to fetch (react and zustand are optional peers): this works offline.
    npm(['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(project, filename)], project);
    writeFileSync(join(project, 'main.js'), `
      import { readFileSync } from 'node:fs';
      import { initSync, WebSocketTransport } from 'agentwire';
      // Node has no fetch for file URLs: hand the module its wasm bytes.
      const wasm = readFileSync(new URL('agentwire_bg.wasm', new URL(import.meta.resolve('agentwire'))));
      initSync({ module: wasm });
      const t = new WebSocketTransport({ url: 'ws://127.0.0.1:1/x', reconnect: { maxAttempts: 0 } });
      const outcome = t.send({ type: 'chat' });
      const snapshot = t.getSnapshot();
      let rangeError = '';
      try { new WebSocketTransport({ url: 'ws://127.0.0.1:1/x', reconnect: { factor: 0.5 } }); } catch (e) { rangeError = e.message; }
      t.free();
      console.log(JSON.stringify({ outcome, status: snapshot.status, queued: snapshot.queued, after: t.status, rangeError }));
    `);
    const result = JSON.parse(execFileSync('node', ['main.js'], { cwd: project, encoding: 'utf8' }).trim());
    expect(result).toMatchObject({
      outcome: 'queued',
      status: 'idle',
      queued: 1,
      after: 'disconnected',
      rangeError: "AgentWire: option 'reconnect.factor' must be a finite number >= 1",
    });
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', 'agentwire', 'package.json'), 'utf8'));
    expect(installed.name).toBe('agentwire');
  });
});
