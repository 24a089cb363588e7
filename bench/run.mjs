#!/usr/bin/env node
// AgentWire against the transports users already know, in one run (issue 6).
//
//   node bench/run.mjs                      # everything, the default counts (~19 min on 2 cores)
//   node bench/run.mjs --quick              # fewer events and rounds, for development
//   node bench/run.mjs --rounds 5 --only throughput,latency --clients raw,agentwire
//   node bench/run.mjs --profile            # also CPU profiles (bench/profiles/) of AgentWire and raw
//   node bench/run.mjs --server-bin PATH    # another build of the reference server
//   node bench/run.mjs --package-root DIR   # another checkout's agentwire package (package.json, pkg/, js/)
//
// Metrics (--only): size, percall, throughput, throughput-ws, latency, store, recovery, memory, dead.
// throughput-ws is throughput from a Node `ws` blast feed (bench/lib/ws-feed.mjs) instead of the
// reference server, every client but socket.io (which speaks its own protocol).
// Every measurement runs in a fresh page (own browser context and V8 heap); within a round the
// clients go round-robin, each round starting with the next client; round 0 is a warm-up and is
// discarded. Results: the table on stdout, bench/results.json (rows), bench/results-detail.json
// (every sample and diagnostic), and BENCHMARKS.md at the repository root (full runs only, or
// with --markdown).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';

import { buildPages, CLIENTS } from './lib/build.mjs';
import { launchBrowser, openBenchPage, threadTimes } from './lib/browser.mjs';
import { cpuShares, cpuSnapshot, rendererMainThreadCpu } from './lib/cpu.mjs';
import { loadNow, machineInfo } from './lib/machine.mjs';
import { BENCH, isAgentWire, ROOT } from './lib/paths.mjs';
import { summarizeCpuProfile } from './lib/profile.mjs';
import { buildRows, renderMarkdown, renderTable } from './lib/report.mjs';
import { startPageServer, startReferenceServer, startSocketIoServer, startWsFeed } from './lib/servers.mjs';
import { measureSizes } from './lib/size.mjs';
import { rotate, summary } from './lib/stats.mjs';
import { nativeLatency, nativeServerRate } from './lib/native.mjs';

/** BENCHMARKS.md: what follows this line is written by hand, and a full run keeps it. */
const HAND_WRITTEN_MARKER = '<!-- The sections below are written by hand; npm run bench keeps them as they are. -->';
const ALL_METRICS = ['size', 'percall', 'throughput', 'throughput-ws', 'latency', 'store', 'recovery', 'memory', 'dead'];

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string' },
    only: { type: 'string' },
    clients: { type: 'string' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    'memory-rounds': { type: 'string' },
    'server-bin': { type: 'string' },
    'package-root': { type: 'string' },
    serial: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (opts.help) {
  console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1, 15).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}

const QUICK = opts.quick;
// Another build of the reference server (e.g. one with a fix under evaluation).
if (opts['server-bin']) process.env.AGENTWIRE_SERVER_BIN = opts['server-bin'];
// Another checkout's agentwire package (package.json, pkg/, js/), e.g. a candidate fix.
if (opts['package-root']) process.env.AGENTWIRE_PACKAGE_ROOT = resolvePath(opts['package-root']);
const ROUNDS = Number(opts.rounds ?? (QUICK ? 2 : 5));
const metrics = opts.only ? opts.only.split(',').map((s) => s.trim()) : ALL_METRICS;
for (const m of metrics) if (!ALL_METRICS.includes(m)) throw new Error(`unknown metric '${m}' (known: ${ALL_METRICS.join(', ')})`);
const clients = opts.clients ? opts.clients.split(',').map((s) => s.trim()) : CLIENTS;
for (const c of clients) if (!CLIENTS.includes(c)) throw new Error(`unknown client '${c}' (known: ${CLIENTS.join(', ')})`);

/** Counts: the issue's, or smaller ones for --quick. */
const CONFIG = QUICK
  ? { throughputCount: 20_000, latencyCount: 500, latencyWarmupCount: 250, latencyIntervalMs: 2, storeCount: 2_000, memCycles: 50, memEvents: 50_000, memWarmCycles: 5, memWarmEvents: 5_000, deadCapMs: 20_000, percallCount: 20_000, percallRounds: 1, memoryRounds: 1 }
  : { throughputCount: 200_000, latencyCount: 5_000, latencyWarmupCount: 1_000, latencyIntervalMs: 2, storeCount: 20_000, memCycles: 1_000, memEvents: 1_000_000, memWarmCycles: 10, memWarmEvents: 10_000, deadCapMs: 120_000, percallCount: 100_000, percallRounds: 3, memoryRounds: 1 };
if (opts['memory-rounds']) CONFIG.memoryRounds = Number(opts['memory-rounds']);

/**
 * AgentWire's heartbeat for dead-connection detection (issue 6), and the same budget for the
 * socket.io server that test uses. Every other test runs socket.io with its defaults
 * (25000/20000): with a 3 s pingTimeout, a client still working through a 200,000-event backlog
 * answers the server's ping too late and is disconnected mid-stream.
 */
const AGENTWIRE_HEARTBEAT = { intervalMs: 5000, timeoutMs: 3000 };
const SOCKET_IO_PING = { pingInterval: 5000, pingTimeout: 3000 };
const SOCKET_IO_DEFAULT_PING = { pingInterval: 25000, pingTimeout: 20000 };

const log = (...args) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- setup -----------------------------------------------------------------------------------------

const started = Date.now();
const machine = machineInfo();
log(`machine: ${machine.nproc} cores, ${machine.cpuModel}; ${machine.chromium}; node ${machine.node}; load ${machine.loadAverage.join(' ')}`);
if (machine.loadAverage[0] > machine.nproc * 0.5) {
  log(`WARNING: load average ${machine.loadAverage[0]} on ${machine.nproc} cores: something else is running; figures will be noisy`);
}
if (!opts['no-build']) {
  log('bundling the pages (esbuild) into bench/dist');
  await buildPages(clients);
}

const detail = {
  startedAt: new Date(started).toISOString(),
  machine,
  config: { ...CONFIG, rounds: ROUNDS, metrics, clients, quick: QUICK, agentwireHeartbeat: AGENTWIRE_HEARTBEAT, socketIoPing: SOCKET_IO_PING, socketIoDefaultPing: SOCKET_IO_DEFAULT_PING },
  loadSamples: [],
  samples: {},
  errors: [],
  notes: [],
};
const record = (metric, client, round, value) => {
  ((detail.samples[metric] ??= {})[client] ??= []).push({ round, ...value });
};
const failure = (metric, client, round, error) => {
  const message = String(error?.message ?? error).split('\n')[0];
  detail.errors.push({ metric, client, round, message });
  log(`  ${client}: ERROR ${message}`);
};

let ref;
let sio;
let feed;
let pages;
let browser;
async function startAll() {
  ref = await startReferenceServer();
  sio = await startSocketIoServer(SOCKET_IO_DEFAULT_PING);
  feed = await startWsFeed();
  pages = await startPageServer();
  browser = await launchBrowser();
}
async function stopAll() {
  await browser?.close().catch(() => {});
  await Promise.all([ref?.stop(), sio?.stop(), feed?.stop(), pages?.stop()]);
}
process.on('SIGINT', async () => {
  await stopAll();
  process.exit(130);
});

/** Endpoint URL of `client` for a reference-server path (socket.io: its own server). */
const urlFor = (client, path) => (client === 'socket.io' ? sio.origin : ref.ws(path));
const controlFor = (client) => (client === 'socket.io' ? sio.origin : ref.origin);
// Everything this process started: the servers and Chromium's processes.
const cpuRoots = () => [process.pid];

/**
 * Runs `fn(page)` in a fresh page of `client`, then closes the page. A measurement that takes
 * longer than `timeoutMs` fails (and the run goes on).
 */
async function inFreshPage(client, fn, timeoutMs = 300_000) {
  const page = await openBenchPage(browser, pages.origin, client);
  let timer;
  try {
    const watchdog = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no result within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    const result = await Promise.race([fn(page), watchdog]);
    if (page.problems.length) result.pageProblems = page.problems.slice(0, 5);
    return result;
  } finally {
    clearTimeout(timer);
    await page.dispose();
  }
}

/** Round 0 (warm-up, discarded) then rounds 1..n, each visiting every client in rotated order. */
async function roundRobin(metric, { rounds = ROUNDS, warmup = true, participants = clients }, measure) {
  for (let round = warmup ? 0 : 1; round <= rounds; round++) {
    const order = rotate(participants, round);
    log(`${metric}: round ${round}${round === 0 ? ' (warm-up, discarded)' : `/${rounds}`}: ${order.join(', ')}; load ${loadNow()[0]}`);
    detail.loadSamples.push({ metric, round, load: loadNow() });
    for (const client of order) {
      try {
        const value = await measure(client, round);
        if (round > 0) record(metric, client, round, value);
      } catch (error) {
        failure(metric, client, round, error);
      }
    }
  }
}

// ---- 6. size ------------------------------------------------------------------------------------------

async function runSize() {
  log('size: esbuild --bundle --minify --format=esm per peer; AgentWire: pkg/ files');
  const sizes = await measureSizes(clients);
  for (const client of clients) record('size', client, 1, sizes[client]);
}

// ---- per-call cost (diagnosis) -------------------------------------------------------------------------

async function runPerCall() {
  await roundRobin('percall', { rounds: CONFIG.percallRounds, warmup: false }, (client) =>
    inFreshPage(client, async (page) => {
      const result = await page.evaluate((a) => window.bench.perCall(a), {
        url: urlFor(client, '/ws/bench'),
        count: CONFIG.percallCount,
        warmup: Math.min(20_000, CONFIG.percallCount),
        socketIo: client === 'socket.io',
      });
      log(`  ${client}: ${result.usPerMessage.toFixed(2)} µs/message, fastest of ${result.reps} (median ${result.usPerMessageMedian.toFixed(2)}; in this page JSON.parse alone ${result.jsonParseUs.toFixed(2)}, bare dispatch ${result.bareDispatchUs.toFixed(2)})${result.complete ? '' : ' INCOMPLETE'}`);
      return result;
    }),
  );
}

// ---- 1. throughput ---------------------------------------------------------------------------------------

async function runThroughput() {
  const native = await nativeServerRate(ref, CONFIG.throughputCount);
  detail.nativeServerRate = native;
  if (native) log(`throughput: the server to a native client (bench_client): ${Math.round(native.eventsPerSec).toLocaleString('en')} events/s`);
  await measureThroughput('throughput', clients, (client) => urlFor(client, '/ws/bench'));
}

/** The same measurement fed by the Node `ws` blast feed (issue 16). */
async function runThroughputWs() {
  await measureThroughput('throughput-ws', clients.filter((c) => c !== 'socket.io'), () => feed.ws());
}

async function measureThroughput(metric, participants, urlOf) {
  await roundRobin(metric, { participants }, (client, round) =>
    inFreshPage(client, async (page) => {
      // The warm-up round only needs the JIT warm: a tenth of the events.
      const count = round === 0 ? Math.ceil(CONFIG.throughputCount / 10) : CONFIG.throughputCount;
      await page.cdp.send('Performance.enable');
      const roots = cpuRoots();
      const cpu0 = cpuSnapshot(roots);
      const main0 = rendererMainThreadCpu(roots);
      const t0 = await threadTimes(page);
      const wall0 = performance.now();
      const result = await page.evaluate((a) => window.bench.throughput(a), { url: urlOf(client), count });
      const wall = (performance.now() - wall0) / 1000;
      const t1 = await threadTimes(page);
      const main1 = rendererMainThreadCpu(roots);
      const cpu = cpuShares(cpu0, cpuSnapshot(roots), wall);
      // CPU time of the renderer's main thread per event: unlike the task durations above, it
      // leaves out time spent waiting for a core, so it holds on a busy machine.
      result.mainThreadCpuUsPerEvent = ((main1 - main0) / count) * 1e6;
      result.mainThreadBusy = (t1.task - t0.task) / (t1.timestamp - t0.timestamp);
      result.scriptUsPerEvent = ((t1.script - t0.script) / count) * 1e6;
      // All the page's main-thread time per event (the browser's delivery included): what the
      // rate would be if the main thread, not the feed, were the bottleneck.
      result.taskUsPerEvent = ((t1.task - t0.task) / count) * 1e6;
      result.mainThreadCapacity = 1e6 / result.taskUsPerEvent;
      result.cpu = cpu;
      log(`  ${client}: ${Math.round(result.eventsPerSec).toLocaleString('en')} events/s${result.complete ? '' : ' INCOMPLETE'}; page main thread ${(result.mainThreadBusy * 100).toFixed(0)}% busy, ${result.taskUsPerEvent.toFixed(1)} µs/event (script ${result.scriptUsPerEvent.toFixed(2)}, main-thread CPU ${result.mainThreadCpuUsPerEvent.toFixed(1)}); cpu ${fmtCpu(cpu)}`);
      return result;
    }),
  );
}

function fmtCpu(cpu) {
  return Object.entries(cpu)
    .filter(([, v]) => v > 0.02)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`)
    .join(', ');
}

// ---- 2. latency ---------------------------------------------------------------------------------------------

async function runLatency() {
  // The same pacing to a native client: what the server and the kernel alone add.
  const native = await nativeLatency(ref, Math.min(CONFIG.latencyCount, 2_500), CONFIG.latencyIntervalMs);
  detail.nativeLatency = native;
  if (native) log(`latency: the server to a native client (bench_client): p50 ${native.p50} ms, p99 ${native.p99} ms, max ${native.max} ms`);
  await roundRobin('latency', {}, (client, round) =>
    inFreshPage(client, async (page) => {
      const count = round === 0 ? CONFIG.latencyWarmupCount : CONFIG.latencyCount;
      const result = await page.evaluate((a) => window.bench.latency(a), { url: urlFor(client, '/ws/bench'), count, intervalMs: CONFIG.latencyIntervalMs });
      log(`  ${client}: p50 ${result.p50.toFixed(3)} ms, p99 ${result.p99.toFixed(3)} ms, max ${result.max.toFixed(3)} ms (${result.received}/${count}; timer ${result.resolutionUs.toFixed(0)} µs)`);
      return result;
    }),
  );
}

// ---- 3. token stream into a store ------------------------------------------------------------------------------

async function runStore() {
  await roundRobin('store', {}, (client, round) =>
    inFreshPage(client, async (page) => {
      // The warm-up round only needs the JIT warm: a tenth of the deltas.
      const count = round === 0 ? Math.ceil(CONFIG.storeCount / 10) : CONFIG.storeCount;
      const result = await page.evaluate((a) => window.bench.store(a), { url: urlFor(client, '/ws/bench'), count });
      log(`  ${client}: ${result.storeUpdates} store updates, ${result.commits} commits, ${result.frames} frames in ${result.durationMs.toFixed(0)} ms (${result.updatesPerFrame?.toFixed(2)} updates/frame), ${result.longTasks} long tasks (longest ${result.longestTaskMs.toFixed(0)} ms), text ${result.textCorrect && result.domCorrect ? 'correct' : 'WRONG'}`);
      return result;
    }),
  );
}

// ---- 5. recovery --------------------------------------------------------------------------------------------------

async function runRecovery() {
  await roundRobin('recovery', {}, (client) =>
    inFreshPage(client, async (page) => {
      await ref.control.post('reset');
      const result = await page.evaluate((a) => window.bench.recovery(a), { url: urlFor(client, '/ws/echo'), controlOrigin: controlFor(client) });
      // The probe reached the server: it is in the server's log (the echo already proved it).
      const serverLog = await (client === 'socket.io' ? sio : ref).control.log();
      const received = client === 'socket.io' ? serverLog.received : serverLog.echo?.received ?? [];
      result.probeLogged = received.some((frame) => JSON.stringify(frame).includes(result.probeId));
      log(`  ${client}: ${result.recoveryMs.toFixed(0)} ms (noticed ${result.noticedMs.toFixed(0)}, reconnected ${result.reconnectedMs?.toFixed(0)}; send() → ${result.sendResult}; probe in server log: ${result.probeLogged})`);
      return result;
    }),
  );
}

// ---- 7. memory -------------------------------------------------------------------------------------------------------

/** JS heap (CDP Runtime.getHeapUsage, after HeapProfiler.collectGarbage) + wasm memory, bytes. */
async function memoryReading(page) {
  for (let i = 0; i < 3; i++) await page.cdp.send('HeapProfiler.collectGarbage');
  const heap = await page.cdp.send('Runtime.getHeapUsage');
  const inPage = await page.evaluate(() => window.bench.memoryReading());
  return { jsHeapUsed: heap.usedSize, jsHeapTotal: heap.totalSize, wasmBytes: inPage.wasmBytes, total: heap.usedSize + inPage.wasmBytes };
}

async function runMemory() {
  await roundRobin('memory', { rounds: CONFIG.memoryRounds, warmup: false }, (client) =>
    inFreshPage(client, async (page) => {
      await page.cdp.send('HeapProfiler.enable');
      const url = urlFor(client, '/ws/bench');
      const controlOrigin = controlFor(client);
      await page.evaluate((a) => window.bench.memoryOpen(a), { url });
      // Warm-up (first-use allocations and JIT code are not growth): a few cycles and events.
      await page.evaluate((a) => window.bench.memoryReconnects(a), { controlOrigin, cycles: CONFIG.memWarmCycles });
      await page.evaluate((a) => window.bench.memoryEvents(a), { count: CONFIG.memWarmEvents });
      const before = await memoryReading(page);
      const cycles = await page.evaluate((a) => window.bench.memoryReconnects(a), { controlOrigin, cycles: CONFIG.memCycles });
      const afterReconnects = await memoryReading(page);
      const events = await page.evaluate((a) => window.bench.memoryEvents(a), { count: CONFIG.memEvents });
      const afterEvents = await memoryReading(page);
      const result = {
        before,
        afterReconnects,
        afterEvents,
        reconnectsMs: cycles.ms,
        eventsMs: events.ms,
        growthReconnects: afterReconnects.total - before.total,
        growthEvents: afterEvents.total - afterReconnects.total,
      };
      log(`  ${client}: ${CONFIG.memCycles} reconnects in ${(cycles.ms / 1000).toFixed(1)} s: ${fmtBytes(result.growthReconnects)}; ${CONFIG.memEvents.toLocaleString('en')} events in ${(events.ms / 1000).toFixed(1)} s: ${fmtBytes(result.growthEvents)} (JS heap ${fmtSize(before.jsHeapUsed)} → ${fmtSize(afterReconnects.jsHeapUsed)} → ${fmtSize(afterEvents.jsHeapUsed)}, wasm ${fmtSize(before.wasmBytes)} → ${fmtSize(afterEvents.wasmBytes)})`);
      return result;
    }),
  );
}

function fmtSize(n) {
  return fmtBytes(n).slice(1);
}

function fmtBytes(n) {
  if (n === null || n === undefined) return '-';
  const sign = n < 0 ? '-' : '+';
  const a = Math.abs(n);
  if (a >= 2 ** 20) return `${sign}${(a / 2 ** 20).toFixed(2)} MiB`;
  if (a >= 1024) return `${sign}${(a / 1024).toFixed(1)} KiB`;
  return `${sign}${a} B`;
}

// ---- 4. dead connection detection ------------------------------------------------------------------------------------

/**
 * All participating clients at once, each in its own page, in one silence window (both servers
 * silenced at the same moment). Round 1 waits up to the cap (120 s) for every client; later rounds
 * only for the clients that noticed in round 1. No warm-up round: this times heartbeats and
 * timers over seconds, which the JIT's state does not change.
 */
async function runDead({ ref, sio }) {
  const urlFor = (client, path) => (client === 'socket.io' ? sio.origin : ref.ws(path));
  let participants = clients;
  for (let round = 1; round <= ROUNDS; round++) {
    const cap = round === 1 ? CONFIG.deadCapMs : 2 * (AGENTWIRE_HEARTBEAT.intervalMs + AGENTWIRE_HEARTBEAT.timeoutMs) + 10_000;
    log(`dead: round ${round}/${ROUNDS}: ${participants.join(', ')} side by side; waiting up to ${cap / 1000} s; load ${loadNow()[0]}`);
    detail.loadSamples.push({ metric: 'dead', round, load: loadNow() });
    await ref.control.post('reset');
    const open = [];
    for (const client of participants) {
      try {
        const page = await openBenchPage(browser, pages.origin, client);
        await page.evaluate((a) => window.bench.deadOpen(a), {
          url: urlFor(client, '/ws/stream'),
          heartbeat: isAgentWire(client) ? AGENTWIRE_HEARTBEAT : undefined,
        });
        open.push({ client, page });
      } catch (error) {
        failure('dead', client, round, error);
      }
    }
    // Let heartbeats reach a steady state, and silence at a random phase of them.
    await sleep(6000 + Math.random() * AGENTWIRE_HEARTBEAT.intervalMs);
    const silencedAt = Date.now();
    await Promise.all([ref.control.post('silence'), sio.control.post('silence')]);
    const states = new Map();
    while (Date.now() - silencedAt < cap) {
      await sleep(250);
      let pending = 0;
      for (const { client, page } of open) {
        const state = await page.evaluate(() => window.bench.deadState());
        states.set(client, state);
        const reopened = state.opens.some((t) => t > silencedAt);
        if (!(state.downs.length > 0 && reopened)) pending += 1;
      }
      if (pending === 0) break;
    }
    const waited = Date.now() - silencedAt;
    const detected = [];
    for (const { client, page } of open) {
      const state = states.get(client) ?? { opens: [], downs: [] };
      const down = state.downs.find((t) => t > silencedAt - 50);
      const reopen = state.opens.find((t) => t > silencedAt);
      const value = {
        noticed: down !== undefined,
        detectMs: down !== undefined ? down - silencedAt : null,
        reconnectedMs: reopen !== undefined ? reopen - silencedAt : null,
        waitedMs: waited,
        reason: state.reasons?.[0] ?? null,
      };
      record('dead', client, round, value);
      if (value.noticed) detected.push(client);
      log(`  ${client}: ${value.noticed ? `noticed after ${value.detectMs.toFixed(0)} ms (${value.reason}), reconnected after ${value.reconnectedMs?.toFixed(0) ?? '-'} ms` : `never within ${(waited / 1000).toFixed(0)} s`}`);
      await page.dispose();
    }
    await ref.control.post('reset');
    if (round === 1) participants = participants.filter((c) => detected.includes(c));
    if (participants.length === 0) break;
  }
}

// ---- profiles (diagnosis) ---------------------------------------------------------------------------------------------

/**
 * CPU profiles (CDP Profiler, 50 µs sampling) of AgentWire and raw: the throughput run (real
 * network), the per-call run (synthetic frames) and the token stream into the store. Saved to
 * bench/profiles/*.cpuprofile (open in Chrome DevTools → Performance); summarized per function and
 * per category, with µs per message for the message paths.
 */
async function runProfiles() {
  const dir = join(BENCH, 'profiles');
  mkdirSync(dir, { recursive: true });
  detail.profiles = {};
  const kinds = [
    ['throughput', 'throughput', (client) => ({ url: urlFor(client, '/ws/bench'), count: CONFIG.throughputCount }), CONFIG.throughputCount],
    ['percall', 'perCall', (client) => ({ url: urlFor(client, '/ws/bench'), count: CONFIG.percallCount, warmup: Math.min(20_000, CONFIG.percallCount) }), null],
    ['store', 'store', (client) => ({ url: urlFor(client, '/ws/bench'), count: CONFIG.storeCount }), CONFIG.storeCount],
  ];
  for (const client of clients.filter((c) => c === 'agentwire' || c === 'raw')) {
    for (const [kind, call, argsFor, messages] of kinds) {
      await inFreshPage(client, async (page) => {
        const args = argsFor(client);
        // One unprofiled run first: the profile shows optimized code, as the measurements do.
        await page.evaluate(({ call, args }) => window.bench[call](args), { call, args });
        await page.cdp.send('Profiler.enable');
        await page.cdp.send('Profiler.setSamplingInterval', { interval: 50 });
        await page.cdp.send('Profiler.start');
        const result = await page.evaluate(({ call, args }) => window.bench[call](args), { call, args });
        const { profile } = await page.cdp.send('Profiler.stop');
        const file = join(dir, `${client}-${kind}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
        const summary = summarizeCpuProfile(profile, { limit: 25, sourceMapFile: join(BENCH, 'dist', `${client}.js.map`) });
        const perMessage = messages ? (ms) => (ms * 1000) / messages : null;
        detail.profiles[`${client}-${kind}`] = { file: file.slice(ROOT.length + 1), result, ...summary };
        log(`profile ${client} ${kind} → ${file.slice(ROOT.length + 1)} (${summary.totalMs.toFixed(0)} ms sampled)`);
        for (const row of summary.categories) {
          log(`    ${row.selfPct.toFixed(1).padStart(5)}%  ${row.selfMs.toFixed(0).padStart(6)} ms${perMessage ? `  ${perMessage(row.selfMs).toFixed(2).padStart(6)} µs/msg` : ''}  ${row.category}`);
        }
        for (const row of summary.top.slice(0, 12)) log(`      ${row.selfPct.toFixed(1).padStart(5)}%  ${row.name}`);
        return {};
      });
    }
  }
}

// ---- main ------------------------------------------------------------------------------------------------------------------

let exitCode = 0;
try {
  await startAll();
  log(`servers: reference ${ref.origin} (${ref.binary}), socket.io ${sio.origin} (ping ${SOCKET_IO_DEFAULT_PING.pingInterval}/${SOCKET_IO_DEFAULT_PING.pingTimeout} ms), pages ${pages.origin}`);
  const timed = (metric, run) => async () => {
    const phaseStart = Date.now();
    await run();
    detail.phaseSeconds = { ...detail.phaseSeconds, [metric]: Math.round((Date.now() - phaseStart) / 1000) };
  };
  const phases = { size: runSize, percall: runPerCall, throughput: runThroughput, 'throughput-ws': runThroughputWs, latency: runLatency, store: runStore, recovery: runRecovery, memory: runMemory };
  // Dead-connection detection has servers of its own (socket.io with the 5000/3000 heartbeat),
  // so its silence never reaches another test's connections, nor their drops its own.
  const dead = async () => {
    const deadRef = await startReferenceServer();
    const deadSio = await startSocketIoServer(SOCKET_IO_PING);
    try {
      await runDead({ ref: deadRef, sio: deadSio });
    } finally {
      await Promise.all([deadRef.stop(), deadSio.stop()]);
    }
  };
  const overlapDead = metrics.includes('dead') && metrics.includes('memory') && !opts.serial;
  for (const metric of ALL_METRICS) {
    if (!metrics.includes(metric) || metric === 'dead') continue;
    if (metric === 'memory' && overlapDead) {
      // Dead-connection detection mostly waits (up to 120 s for clients without a heartbeat):
      // it runs alongside the memory phase. --serial runs them one after the other.
      detail.notes.push('dead-connection detection ran alongside the memory phase, on its own server instances');
      await Promise.all([timed('memory', runMemory)(), timed('dead', dead)()]);
      continue;
    }
    await timed(metric, phases[metric])();
  }
  if (metrics.includes('dead') && !overlapDead) await timed('dead', dead)();
  if (opts.profile) await runProfiles();
} catch (error) {
  exitCode = 1;
  console.error(error);
} finally {
  await stopAll();
}

detail.finishedAt = new Date().toISOString();
detail.totalSeconds = Math.round((Date.now() - started) / 1000);
detail.loadAtEnd = loadNow();

// A candidate package (--package-root) never overwrites the figures of this repository's package.
const candidate = !!opts['package-root'];
const resultsPath = join(BENCH, candidate ? 'results-candidate.json' : 'results.json');
const detailPath = join(BENCH, candidate ? 'results-candidate-detail.json' : 'results-detail.json');
detail.packageRoot = process.env.AGENTWIRE_PACKAGE_ROOT ?? ROOT;
const previous = existsSync(resultsPath) && metrics.length < ALL_METRICS.length ? JSON.parse(readFileSync(resultsPath, 'utf8')) : [];
const { rows, table } = buildRows(detail, { clients, metrics, previous });
writeFileSync(resultsPath, `${JSON.stringify(rows, null, 2)}\n`);
writeFileSync(detailPath, `${JSON.stringify(detail, null, 2)}\n`);
console.log(`\n${renderTable(table, detail)}`);
const full = metrics.length === ALL_METRICS.length && clients.length === CLIENTS.length && !QUICK;
if ((full || opts.markdown) && !candidate) {
  // Hand-written sections (one-off measurements and findings) follow the marker: kept as they are.
  const benchmarksPath = join(ROOT, 'BENCHMARKS.md');
  const existing = existsSync(benchmarksPath) ? readFileSync(benchmarksPath, 'utf8') : '';
  const handWritten = existing.includes(HAND_WRITTEN_MARKER) ? existing.slice(existing.indexOf(HAND_WRITTEN_MARKER)) : `${HAND_WRITTEN_MARKER}\n`;
  writeFileSync(benchmarksPath, `${renderMarkdown(table, detail, rows).trimEnd()}\n\n${handWritten}`);
  log('wrote BENCHMARKS.md');
}
log(`wrote ${resultsPath.slice(ROOT.length + 1)} and ${detailPath.slice(ROOT.length + 1)} in ${detail.totalSeconds} s${detail.errors.length ? `; ${detail.errors.length} measurement(s) failed (see results-detail.json)` : ''}`);
process.exit(exitCode || (detail.errors.length ? 1 : 0));
