// The benchmark page, the same for every client: esbuild bundles it once per client with
// `bench-client` resolved to that client's adapter (pages/clients/*.js). The driver
// (bench/run.mjs) opens a fresh page per measurement and calls `window.bench.<measurement>()`.
//
// Every adapter exposes the same small surface, written the way each library's docs show:
//   open(url, { on: {type: handler}, onOpen, onDown, fast, heartbeat }) → { send(obj), close() }
//   openStore(url, store, { onDone, onOpen })   (peers: pages/clients/per-message-store.js)
//   ready({ wasmUrl }), wasmBytes()
import { openSocket, sockets } from './census.js';
import * as client from 'bench-client';
import { mountStoreApp } from './store-app.jsx';

/** Epoch milliseconds on the page's clock (5 µs resolution: the page is cross-origin isolated). */
const epochNow = () => performance.timeOrigin + performance.now();

// Long tasks (> 50 ms on the main thread), from page load on.
const longTasks = [];
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // Not supported: reported as null below.
}

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${client.name}: ${what} timed out after ${ms} ms`)), ms);
    }),
  ]);
}

/** Opens a connection and resolves once it is open. */
async function openConnected(url, options = {}, timeoutMs = 10_000) {
  const opened = deferred();
  const conn = client.open(url, {
    ...options,
    onOpen: () => {
      opened.resolve();
      options.onOpen?.();
    },
  });
  await withTimeout(opened.promise, timeoutMs, 'connect');
  return conn;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * p))];
}

// ---- 1. throughput ------------------------------------------------------------------------------

/**
 * `count` tool_progress events as fast as the server sends them; the listener reads `seq` of each.
 * Rate = events / (bench_done received − first event received). Also start sent → bench_done.
 */
async function throughput({ url, count, timeoutMs = 120_000 }) {
  const done = deferred();
  let n = 0;
  let sum = 0;
  let first = 0;
  let sent = 0;
  const conn = await openConnected(url, {
    onDown: (reason) => done.reject(new Error(`${client.name}: connection lost during the stream (${reason}) after ${n} events`)),
    on: {
      tool_progress(message) {
        if (n === 0) first = performance.now();
        n += 1;
        sum += message.seq;
      },
      bench_done() {
        done.resolve(performance.now());
      },
    },
  });
  sent = performance.now();
  conn.send({ type: 'start', count, kind: 'progress', interval_ms: 0 });
  const end = await withTimeout(done.promise, timeoutMs, 'throughput');
  conn.close();
  const expectedSum = (count * (count - 1)) / 2;
  return {
    received: n,
    complete: n === count && sum === expectedSum,
    firstToDoneMs: end - first,
    sentToDoneMs: end - sent,
    eventsPerSec: (n / (end - first)) * 1000,
    eventsPerSecFromStart: (n / (end - sent)) * 1000,
  };
}

// ---- 2. latency ----------------------------------------------------------------------------------

/** One event every `intervalMs` for `count` events; latency = page clock − server `ts`. */
async function latency({ url, count, intervalMs, timeoutMs }) {
  const done = deferred();
  const samples = new Float64Array(count);
  let n = 0;
  const conn = await openConnected(url, {
    onDown: (reason) => done.reject(new Error(`${client.name}: connection lost during the stream (${reason}) after ${n} events`)),
    on: {
      tool_progress(message) {
        if (n < count) samples[n++] = epochNow() - message.ts;
      },
      bench_done() {
        done.resolve();
      },
    },
  });
  conn.send({ type: 'start', count, kind: 'progress', interval_ms: intervalMs });
  await withTimeout(done.promise, timeoutMs ?? count * intervalMs + 30_000, 'latency');
  conn.close();
  const sorted = Array.from(samples.subarray(0, n)).sort((a, b) => a - b);
  return {
    received: n,
    complete: n === count,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1],
    min: sorted[0],
    resolutionUs: timerResolutionUs(),
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
  };
}

/** The smallest step performance.now() takes here, in µs. */
function timerResolutionUs() {
  let smallest = Infinity;
  for (let i = 0; i < 200; i++) {
    const a = performance.now();
    let b = performance.now();
    while (b === a) b = performance.now();
    smallest = Math.min(smallest, b - a);
  }
  return smallest * 1000;
}

// ---- 3. token stream into a Zustand store rendered by React -------------------------------------

/**
 * `count` message_delta events into a store; React renders the text. Measures store updates,
 * React commits (Profiler onRender), animation frames and long tasks from start sent until the
 * final text is committed, and checks the text equals the concatenation of every delta.
 */
async function store({ url, count, timeoutMs = 120_000 }) {
  const app = await mountStoreApp();
  const expected = Array.from({ length: count }, (_, i) => `w${i} `).join('');
  let updates = 0;
  app.store.subscribe(() => {
    updates += 1;
  });
  let frames = 0;
  let counting = true;
  const countFrames = () => {
    if (!counting) return;
    frames += 1;
    requestAnimationFrame(countFrames);
  };
  const finished = deferred();
  app.onCommit(() => {
    if (app.store.getState().text.length >= expected.length) finished.resolve(performance.now());
  });
  const opened = deferred();
  const conn = client.openStore(url, app.store, { onDone: () => {}, onOpen: () => opened.resolve() });
  await withTimeout(opened.promise, 10_000, 'connect');
  // Let the page settle (the first frames after load), then reset the counters.
  await new Promise((resolve) => setTimeout(resolve, 200));
  updates = 0;
  app.resetCommits();
  const longTasksBefore = longTasks.length;
  requestAnimationFrame(countFrames);
  const start = performance.now();
  conn.send({ type: 'start', count, kind: 'delta', interval_ms: 0 });
  const end = await withTimeout(finished.promise, timeoutMs, 'store');
  counting = false;
  // Long tasks are reported after they end: give the observer a moment.
  await new Promise((resolve) => setTimeout(resolve, 100));
  conn.close();
  const seconds = (end - start) / 1000;
  const text = app.store.getState().text;
  const tasks = longTasks.slice(longTasksBefore).filter((t) => t.start < end + 1);
  return {
    durationMs: end - start,
    storeUpdates: updates,
    commits: app.commits(),
    frames,
    storeUpdatesPerSec: updates / seconds,
    commitsPerSec: app.commits() / seconds,
    updatesPerFrame: frames > 0 ? updates / frames : null,
    longTasks: tasks.length,
    longestTaskMs: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
    textCorrect: text === expected,
    domCorrect: app.domText() === expected,
    textLength: text.length,
    expectedLength: expected.length,
  };
}

// ---- 4. dead connection detection ----------------------------------------------------------------

/** Opens a connection and records (epoch ms) every open and every noticed loss. */
async function deadOpen({ url, heartbeat }) {
  const record = { opens: [], downs: [], reasons: [] };
  window.deadRecord = record;
  window.deadConn = await openConnected(url, {
    heartbeat,
    onOpen: () => record.opens.push(epochNow()),
    onDown: (reason) => {
      record.downs.push(epochNow());
      record.reasons.push(String(reason));
    },
  });
  return true;
}

function deadState() {
  return window.deadRecord;
}

// ---- 5. recovery ---------------------------------------------------------------------------------

/**
 * Drops every connection (the server's /control/drop), sends a probe as soon as the client
 * notices (so it waits in the client's queue), and measures until the probe's echo is back:
 * reconnected AND the queued message delivered.
 */
async function recovery({ url, controlOrigin, timeoutMs = 60_000 }) {
  const id = `${client.name}-${Math.random().toString(36).slice(2)}`;
  const echoed = deferred();
  const noticed = deferred();
  let downAt = null;
  let reopenAt = null;
  let sendResult = null;
  let opens = 0;
  let conn = null;
  conn = await openConnected(url, {
    on: {
      probe(message) {
        if (message.id === id) echoed.resolve(performance.now());
      },
    },
    onOpen: () => {
      opens += 1;
      if (opens > 1 && reopenAt === null) reopenAt = performance.now();
    },
    onDown: () => {
      if (downAt !== null) return;
      downAt = performance.now();
      sendResult = conn.send({ type: 'probe', id });
      noticed.resolve();
    },
  });
  // Settle: the connection has been open a moment, as in an app.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const start = performance.now();
  await fetch(`${controlOrigin}/control/drop`, { method: 'POST' });
  await withTimeout(noticed.promise, 10_000, 'notice the drop');
  const end = await withTimeout(echoed.promise, timeoutMs, 'recovery');
  conn.close();
  return {
    recoveryMs: end - start,
    noticedMs: downAt - start,
    reconnectedMs: reopenAt === null ? null : reopenAt - start,
    // What send() answered while offline: AgentWire 'queued', partysocket false (buffered),
    // the others nothing useful (socket.io's emit returns the socket).
    sendResult: typeof sendResult === 'string' || typeof sendResult === 'boolean' ? sendResult : null,
    probeId: id,
  };
}

// ---- 7. memory -------------------------------------------------------------------------------------

const memory = { conn: null, opens: 0, waiters: [], done: null };

function onMemoryOpen() {
  memory.opens += 1;
  for (const waiter of memory.waiters.splice(0)) waiter();
}

async function memoryOpen({ url }) {
  memory.conn = await openConnected(url, {
    fast: true,
    onOpen: onMemoryOpen,
    on: {
      tool_progress() {},
      bench_done() {
        memory.done?.resolve();
      },
    },
  });
  return true;
}

/** `cycles` times: drop every connection at the server and wait until the client is open again. */
async function memoryReconnects({ controlOrigin, cycles }) {
  const started = performance.now();
  for (let i = 0; i < cycles; i++) {
    const target = memory.opens + 1;
    const reopened = new Promise((resolve) => {
      const check = () => (memory.opens >= target ? resolve() : memory.waiters.push(check));
      memory.waiters.push(check);
    });
    await fetch(`${controlOrigin}/control/drop`, { method: 'POST' });
    await withTimeout(reopened, 15_000, `reconnect cycle ${i}`);
  }
  return { ms: performance.now() - started };
}

async function memoryEvents({ count }) {
  memory.done = deferred();
  const started = performance.now();
  memory.conn.send({ type: 'start', count, kind: 'progress', interval_ms: 0 });
  await withTimeout(memory.done.promise, 300_000, 'events');
  return { ms: performance.now() - started };
}

function memoryReading() {
  return {
    wasmBytes: client.wasmBytes(),
    jsHeapUsed: performance.memory?.usedJSHeapSize ?? null,
  };
}

// ---- per-call cost (diagnosis) ----------------------------------------------------------------------

/** Resolves in a new task (after every pending microtask), without setTimeout's clamping. */
function nextTask() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** The reference server's tool_progress frame (server/src/endpoints/bench.rs), built here. */
function progressFrame(seq, ts) {
  const page = (seq % 10) + 1;
  const progress = ((seq % 100) / 100).toFixed(2);
  let s = `{"type":"tool_progress","seq":${seq},"ts":${ts.toFixed(3)},"tool":"web_search","message":"fetching page ${page} of 10","progress":${progress}`;
  const fixed = s.length + 10;
  if (fixed < 150) s += `,"pad":"${'.'.repeat(150 - fixed)}"`;
  return `${s}}`;
}

/**
 * Feeds synthetic frames to the client's own open socket (dispatchEvent of real MessageEvents,
 * so the browser's event dispatch is included), with no network: the client's CPU cost per
 * message, in µs. `count` frames in repetitions of `chunk`; each repetition is timed alone and
 * the figure is the fastest (the least disturbed by anything else on the machine), with the
 * median beside it. The shared parts (JSON.parse of the same frames, dispatch to a bare
 * listener) are measured the same way.
 */
async function perCall({ url, count, warmup, socketIo = false, chunk = 10_000 }) {
  let n = 0;
  let sum = 0;
  const conn = await openConnected(url, {
    on: {
      tool_progress(message) {
        n += 1;
        sum += message.seq;
      },
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const socket = openSocket();
  const ts = epochNow();
  const frames = Array.from({ length: chunk }, (_, i) => {
    const json = progressFrame(i, ts);
    return socketIo ? `42["tool_progress",${json}]` : json;
  });
  const events = () => frames.map((data) => new MessageEvent('message', { data }));
  // Warm-up (JIT).
  for (let done = 0; done < warmup; done += chunk) {
    for (const event of events()) socket.dispatchEvent(event);
    await nextTask();
  }
  n = 0;
  sum = 0;
  const reps = Math.max(1, Math.round(count / chunk));
  const perRep = [];
  for (let rep = 0; rep < reps; rep++) {
    const batch = events();
    await nextTask();
    const t0 = performance.now();
    for (const event of batch) socket.dispatchEvent(event);
    // Work a client defers to microtasks (socket.io emits from one) is part of its cost.
    await nextTask();
    perRep.push(((performance.now() - t0) / chunk) * 1000);
  }
  conn.close();
  // Shared parts: JSON.parse of the same frames, and dispatching to a bare listener.
  const plain = socketIo ? frames.map((f) => f.slice(19, -1)) : frames;
  const parseReps = [];
  const dispatchReps = [];
  let check = 0;
  const target = new EventTarget();
  target.addEventListener('message', () => {});
  for (let rep = 0; rep < 5; rep++) {
    let t0 = performance.now();
    for (const frame of plain) check += JSON.parse(frame).seq;
    parseReps.push(((performance.now() - t0) / chunk) * 1000);
    const bare = events();
    t0 = performance.now();
    for (const event of bare) target.dispatchEvent(event);
    dispatchReps.push(((performance.now() - t0) / chunk) * 1000);
  }
  const sorted = (list) => [...list].sort((a, b) => a - b);
  return {
    usPerMessage: Math.min(...perRep),
    usPerMessageMedian: sorted(perRep)[Math.floor(perRep.length / 2)],
    reps,
    handled: n,
    complete: n === reps * chunk && sum === (reps * chunk * (chunk - 1)) / 2 && check > 0,
    jsonParseUs: Math.min(...parseReps),
    bareDispatchUs: Math.min(...dispatchReps),
  };
}

window.bench = {
  name: client.name,
  throughput,
  latency,
  store,
  deadOpen,
  deadState,
  recovery,
  memoryOpen,
  memoryReconnects,
  memoryEvents,
  memoryReading,
  perCall,
  visibility: () => document.visibilityState,
};
// For debugging a page by hand (devtools / page.evaluate).
window.benchDebug = { client, sockets, openSocket };

client.ready({ wasmUrl: '/pkg/agentwire_bg.wasm' }).then(
  () => {
    window.benchReady = true;
  },
  (error) => {
    window.benchError = String(error?.stack ?? error);
  },
);
