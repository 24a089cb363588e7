// A short run of the chaos soak in its --redis mode (tests/soak/run.mjs --redis): two instances
// of the debug server on one redis-server, the page's transports failing over between them,
// through 22 faults: every kind twice, so the chat's instance is killed twice and redis-server
// restarted twice. The soak starts its own Redis, servers and browser; this checks its exit code
// and its last line. Needs redis-server (scripts/setup.sh installs it): without it the soak fails
// saying so.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REDIS_KINDS } from '../soak/faults.mjs';
import { ROOT } from './support/server.js';

const FAULTS = REDIS_KINDS.length * 2;

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

describe('chaos soak against two instances and Redis (short)', () => {
  it(`loses, duplicates and reorders nothing through ${FAULTS} faults, instance kills and Redis restarts among them`, async () => {
    const { code, signal, output } = await runSoak(['--redis', '--faults', String(FAULTS), '--server', 'debug', '--timeout', '85']);
    const lines = output.trim().split('\n');
    const last = lines.at(-1);
    const context = lines.slice(-40).join('\n');
    expect(last, context).toMatch(/^soak: \d+ faults, \d+ events in, \d+ messages out, lost \d+, duplicated \d+, reordered \d+$/);
    const [faults, events, messages, lost, duplicated, reordered] = last.match(/\d+/g).map(Number);
    expect({ faults, lost, duplicated, reordered }, context).toEqual({ faults: FAULTS, lost: 0, duplicated: 0, reordered: 0 });
    expect(events, 'events flowed').toBeGreaterThan(FAULTS * 10);
    expect(messages, 'messages went out').toBeGreaterThan(FAULTS);
    expect(output, 'the process faults ran').toMatch(/kill-instance 2, restart-redis 2/);
    expect({ code, signal }, context).toEqual({ code: 0, signal: null });
  }, 120_000);
});
