// A short run of the chaos soak (`npm run soak`, tests/soak/run.mjs): 100 faults, each kind
// at least 12 times, against the debug server npm test builds. The soak starts its own server and
// browser; this checks its exit code and its last line.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/server.js';

const FAULTS = 100;

function runSoak(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'tests', 'soak', 'run.mjs'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, output }));
  });
}

describe('chaos soak (short)', () => {
  it(`loses, duplicates and reorders nothing in either direction through ${FAULTS} faults`, async () => {
    const { code, signal, output } = await runSoak(['--faults', String(FAULTS), '--server', 'debug', '--timeout', '240']);
    const lines = output.trim().split('\n');
    const last = lines.at(-1);
    // On failure, the soak's own account of what went wrong.
    const context = lines.slice(-40).join('\n');
    expect(last, context).toMatch(/^soak: \d+ faults, \d+ events in, \d+ messages out, lost \d+, duplicated \d+, reordered \d+$/);
    const [faults, events, messages, lost, duplicated, reordered] = last.match(/\d+/g).map(Number);
    expect({ faults, lost, duplicated, reordered }, context).toEqual({ faults: FAULTS, lost: 0, duplicated: 0, reordered: 0 });
    expect(events, 'events flowed').toBeGreaterThan(FAULTS * 10);
    expect(messages, 'messages went out').toBeGreaterThan(FAULTS);
    expect({ code, signal }, context).toEqual({ code: 0, signal: null });
  }, 300_000);
});
