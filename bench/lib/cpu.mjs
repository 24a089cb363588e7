// CPU time per process (Linux /proc), to tell who the bottleneck is during a measurement on a
// 2-core machine: the server, Chromium's network service, its browser process, or the page's
// renderer.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

function readProc(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return { pid: Number(pid), ppid, cpu, cmdline };
  } catch {
    return null;
  }
}

function category(cmdline) {
  // Chromium rewrites its process title: the arguments may come as one space-separated string.
  const line = cmdline.join(' ');
  const exe = line.split(' ')[0];
  const type = /--type=([\w-]+)/.exec(line)?.[1];
  if (exe.includes('agentwire-server')) return 'server';
  if (line.includes('sio-server.mjs')) return 'sio-server';
  if (!exe.includes('chrom')) return null;
  if (!type) return 'browser';
  if (type === 'renderer') return 'renderer';
  if (type === 'utility' && line.includes('network.mojom.NetworkService')) return 'network';
  if (type === 'gpu-process') return 'gpu';
  return 'chromium-other';
}

/** CPU seconds so far per category, over the processes descending from `roots` (pids). */
export function cpuSnapshot(roots) {
  const totals = {};
  for (const p of descendants(roots)) {
    const name = category(p.cmdline);
    if (name) totals[name] = (totals[name] ?? 0) + p.cpu;
  }
  return totals;
}

/** The processes descending from `roots` (pids), roots included. */
function descendants(roots) {
  const procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(readProc).filter(Boolean);
  const children = new Map();
  for (const p of procs) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(p);
  }
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const seen = new Set();
  const stack = roots.filter(Boolean).map((pid) => byPid.get(pid)).filter(Boolean);
  const out = [];
  while (stack.length) {
    const p = stack.pop();
    if (seen.has(p.pid)) continue;
    seen.add(p.pid);
    out.push(p);
    stack.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/** Per-category CPU seconds between two snapshots, as a fraction of `wallSeconds`. */
export function cpuShares(before, after, wallSeconds) {
  const out = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    out[key] = ((after[key] ?? 0) - (before[key] ?? 0)) / wallSeconds;
  }
  return out;
}

/**
 * CPU seconds used so far by the main threads of Chromium's renderers under
 * `roots`: the page's JavaScript, wasm and DOM event dispatch, with time spent waiting for a core
 * left out. Unlike the page's own task durations (wall-clock), this stays meaningful when other
 * processes compete for the cores (issue 16).
 */
export function rendererMainThreadCpu(roots) {
  return descendants(roots)
    .filter((p) => category(p.cmdline) === 'renderer')
    .reduce((total, p) => total + mainThreadCpu(p.pid), 0);
}

/** The renderer's main thread is its first thread (tid = pid); Chromium names it after the process. */
function mainThreadCpu(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}
