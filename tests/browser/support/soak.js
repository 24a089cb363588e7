// Runs the chaos soak (tests/soak/run.mjs) as its own process for the browser suite's short
// soaks, and checks what every soak must end with: its summary line, clean, and exit 0.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT } from './server.js';

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

/**
 * Runs the soak with `args` through `faults` faults and expects nothing lost, duplicated or
 * reordered, events and messages flowing, and exit 0. Resolves with the soak's output.
 */
export async function expectCleanSoak(faults, args) {
  const { code, signal, output } = await runSoak(['--faults', String(faults), ...args]);
  const lines = output.trim().split('\n');
  const last = lines.at(-1);
  // On failure, the soak's own account of what went wrong.
  const context = lines.slice(-40).join('\n');
  expect(last, context).toMatch(/^soak: \d+ faults, \d+ events in, \d+ messages out, lost \d+, duplicated \d+, reordered \d+$/);
  const [done, events, messages, lost, duplicated, reordered] = last.match(/\d+/g).map(Number);
  expect({ faults: done, lost, duplicated, reordered }, context).toEqual({ faults, lost: 0, duplicated: 0, reordered: 0 });
  expect(events, 'events flowed').toBeGreaterThan(faults * 10);
  expect(messages, 'messages went out').toBeGreaterThan(faults);
  expect({ code, signal }, context).toEqual({ code: 0, signal: null });
  return output;
}
