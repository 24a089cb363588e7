// How fast the reference server produces /ws/bench events for a native client (the server's own
// examples/bench_client, built by scripts/bench.sh): the ceiling any browser client can reach.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from './paths.mjs';

export function benchClientBinary() {
  return process.env.AGENTWIRE_BENCH_CLIENT_BIN ?? join(ROOT, 'target', 'server', 'examples', 'bench_client');
}

/** Best of three native runs, or null when bench_client is not built. */
export async function nativeServerRate(ref, count) {
  const binary = benchClientBinary();
  if (!existsSync(binary)) return null;
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const out = await new Promise((resolve) => {
      execFile(binary, [ref.ws('/ws/bench'), String(count), 'progress', '0'], { timeout: 60_000 }, (error, stdout) => resolve(error ? '' : stdout));
    });
    const match = /in ([\d.]+) s: (\d+) events\/s.*p50 ([\d.]+) p99 ([\d.]+) max ([\d.]+)/.exec(out);
    if (match) runs.push({ seconds: Number(match[1]), eventsPerSec: Number(match[2]), latencyP50: Number(match[3]), latencyP99: Number(match[4]), latencyMax: Number(match[5]) });
  }
  if (runs.length === 0) return null;
  return { ...runs.reduce((a, b) => (b.eventsPerSec > a.eventsPerSec ? b : a)), runs };
}

/** The native client's latency at the latency test's pacing (same clock as the server). */
export async function nativeLatency(ref, count, intervalMs) {
  const binary = benchClientBinary();
  if (!existsSync(binary)) return null;
  const out = await new Promise((resolve) => {
    execFile(binary, [ref.ws('/ws/bench'), String(count), 'progress', String(intervalMs)], { timeout: 120_000 }, (error, stdout) => resolve(error ? '' : stdout));
  });
  const match = /p50 ([\d.]+) p99 ([\d.]+) max ([\d.]+)/.exec(out);
  return match ? { p50: Number(match[1]), p99: Number(match[2]), max: Number(match[3]) } : null;
}
