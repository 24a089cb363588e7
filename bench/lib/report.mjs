// Turns samples into result rows, the printed table and BENCHMARKS.md.
import { summary } from './stats.mjs';

const PEERS = ['reconnecting-websocket', 'partysocket', 'socket.io'];
const KIB = 1024;
const MIB = 1024 * 1024;

/** The rows of results.json: metric, source samples, direction, budget. */
export const SPECS = [
  { metric: 'throughput', unit: 'events/s', better: 'higher', from: 'throughput', pick: (s) => (s.complete ? s.eventsPerSec : null) },
  { metric: 'throughput_ws', unit: 'events/s', better: 'higher', from: 'throughput-ws', pick: (s) => (s.complete ? s.eventsPerSec : null) },
  { metric: 'per_message_cpu_us', unit: 'µs', better: 'lower', from: 'percall', pick: (s) => (s.complete ? s.usPerMessage : null) },
  { metric: 'latency_p50', unit: 'ms', better: 'lower', from: 'latency', pick: (s) => (s.complete ? s.p50 : null) },
  { metric: 'latency_p99', unit: 'ms', better: 'lower', from: 'latency', pick: (s) => (s.complete ? s.p99 : null) },
  { metric: 'store_updates_per_s', unit: 'updates/s', better: 'lower', from: 'store', pick: (s) => s.storeUpdatesPerSec },
  { metric: 'long_tasks', unit: 'count', better: 'lower', from: 'store', pick: (s) => s.longTasks },
  { metric: 'dead_detect_ms', unit: 'ms', better: 'lower', from: 'dead', pick: (s) => (s.noticed ? s.detectMs : null), censored: true },
  { metric: 'recovery_ms', unit: 'ms', better: 'lower', from: 'recovery', pick: (s) => s.recoveryMs },
  { metric: 'size_gzip_bytes', unit: 'bytes', better: 'lower', from: 'size', pick: (s) => s.gzip },
  { metric: 'size_raw_bytes', unit: 'bytes', better: 'lower', from: 'size', pick: (s) => s.raw },
  { metric: 'mem_growth_reconnects_bytes', unit: 'bytes', better: 'lower', from: 'memory', pick: (s) => s.growthReconnects },
  { metric: 'mem_growth_events_bytes', unit: 'bytes', better: 'lower', from: 'memory', pick: (s) => s.growthEvents },
];

/** Figures shown for diagnosis only (results-detail.json has them all). */
const EXTRAS = [
  { label: 'latency max', unit: 'ms', from: 'latency', pick: (s) => s.max },
  { label: 'throughput: page main thread busy', unit: '%', from: 'throughput', pick: (s) => s.mainThreadBusy * 100 },
  { label: 'throughput: main-thread time per event', unit: 'µs', from: 'throughput', pick: (s) => s.taskUsPerEvent },
  { label: 'throughput: main-thread CPU time per event', unit: 'µs', from: 'throughput', pick: (s) => s.mainThreadCpuUsPerEvent },
  { label: 'throughput: script time per event', unit: 'µs', from: 'throughput', pick: (s) => s.scriptUsPerEvent },
  { label: 'throughput if main-thread-bound (1 / main-thread time)', unit: 'events/s', from: 'throughput', pick: (s) => s.mainThreadCapacity },
  { label: 'throughput-ws: page main thread busy', unit: '%', from: 'throughput-ws', pick: (s) => s.mainThreadBusy * 100 },
  { label: 'throughput-ws: main-thread time per event', unit: 'µs', from: 'throughput-ws', pick: (s) => s.taskUsPerEvent },
  { label: 'throughput-ws: main-thread CPU time per event', unit: 'µs', from: 'throughput-ws', pick: (s) => s.mainThreadCpuUsPerEvent },
  { label: 'per-message: JSON.parse alone, same page', unit: 'µs', from: 'percall', pick: (s) => s.jsonParseUs },
  { label: 'store: React commits per second', unit: 'commits/s', from: 'store', pick: (s) => s.commitsPerSec },
  { label: 'store: store updates per frame', unit: 'updates', from: 'store', pick: (s) => s.updatesPerFrame },
  { label: 'store: start → final text committed', unit: 'ms', from: 'store', pick: (s) => s.durationMs },
  { label: 'store: longest long task', unit: 'ms', from: 'store', pick: (s) => s.longestTaskMs },
  { label: 'dead: noticed → reconnected (from silence)', unit: 'ms', from: 'dead', pick: (s) => s.reconnectedMs },
  { label: 'recovery: drop → client reconnected', unit: 'ms', from: 'recovery', pick: (s) => s.reconnectedMs },
  { label: 'size: files as published, unminified (gzip)', unit: 'bytes', from: 'size', pick: (s) => s.published?.gzip ?? s.gzip },
];

function samplesOf(detail, from, client) {
  return detail.samples[from]?.[client] ?? [];
}

function ratio(a, b) {
  if (a === null || b === null || a === undefined || b === undefined) return null;
  if (b <= 0 || a < 0) return null;
  return a / b;
}

/** Budget verdict for AgentWire on `metric`: { pass, text } or null when the issue sets none. */
function budget(metric, cells, detail) {
  const aw = cells.agentwire;
  if (!aw || aw.median === null && !aw.never) return aw ? { pass: false, text: 'no data' } : null;
  const raw = cells.raw;
  const peers = PEERS.map((p) => cells[p]).filter((c) => c && c.median !== null);
  switch (metric) {
    case 'throughput':
    case 'throughput_ws': {
      if (!raw || raw.median === null) return { pass: null, text: '≥ 0.95× raw (no raw figure)' };
      const vsRaw = aw.median / raw.median;
      const from = metric === 'throughput' ? 'throughput' : 'throughput-ws';
      const perEvent = (client) => summary(samplesOf(detail, from, client).map((s) => s.taskUsPerEvent)).median;
      const awUs = perEvent('agentwire');
      const rawUs = perEvent('raw');
      let text = `≥ 0.95× raw: ${vsRaw.toFixed(2)}× raw`;
      if (awUs !== null && rawUs !== null) text += `; main-thread time per event ${awUs.toFixed(1)} µs against raw's ${rawUs.toFixed(1)} µs`;
      if (metric === 'throughput' && feedBound(detail)) text += ' (FEED-BOUND: see notes)';
      return { pass: vsRaw >= 0.95, text };
    }
    case 'per_message_cpu_us': {
      if (!raw || raw.median === null) return { pass: null, text: '≤ raw (no raw figure)' };
      return { pass: aw.median <= raw.median, text: `≤ raw: ${(aw.median / raw.median).toFixed(2)}× raw (${aw.median.toFixed(2)} µs against ${raw.median.toFixed(2)})` };
    }
    case 'latency_p99': {
      if (!raw || raw.median === null) return { pass: null, text: '≤ raw + 0.2 ms (no raw figure)' };
      const diff = aw.median - raw.median;
      const text = `≤ raw + 0.2 ms: ${diff >= 0 ? '+' : ''}${diff.toFixed(3)} ms`;
      if (latencyServerBound(detail)) return { pass: null, text: `${text}, NOT MEASURABLE: server-bound (see notes)` };
      return { pass: diff <= 0.2, text };
    }
    case 'store_updates_per_s': {
      const store = samplesOf(detail, 'store', 'agentwire');
      if (store.length === 0) return null;
      const worst = Math.max(...store.map((s) => s.updatesPerFrame ?? Infinity));
      const correct = store.length > 0 && store.every((s) => s.textCorrect && s.domCorrect);
      return { pass: worst <= 1 && correct, text: `≤ 1 update/frame, no lost delta: worst ${worst.toFixed(2)}/frame, text ${correct ? 'always correct' : 'WRONG'}` };
    }
    case 'long_tasks':
      return { pass: aw.max === 0, text: `none: ${aw.max} at worst` };
    case 'dead_detect_ms': {
      if (aw.never) return { pass: false, text: 'never noticed' };
      const limit = detail.config.agentwireHeartbeat.intervalMs + detail.config.agentwireHeartbeat.timeoutMs;
      return { pass: aw.max <= limit, text: `≤ interval + timeout (${limit} ms): worst ${Math.round(aw.max)} ms` };
    }
    case 'size_gzip_bytes':
      return { pass: aw.median <= 32 * KIB, text: `≤ 32 KiB gzip: ${(aw.median / KIB).toFixed(1)} KiB` };
    case 'mem_growth_reconnects_bytes':
    case 'mem_growth_events_bytes':
      return { pass: aw.max < MIB, text: `< 1 MiB: ${(aw.max / KIB).toFixed(0)} KiB at worst` };
    default:
      return null;
  }
}

/**
 * rows: results.json (metric, client, median, min, max, unit, n[, note]); rows of metrics not
 * measured this run are kept from `previous`. table: what the printers need.
 */
export function buildRows(detail, { clients, metrics, previous = [] }) {
  const measured = new Set(metrics);
  const rows = [];
  const table = [];
  for (const spec of SPECS) {
    const cells = {};
    if (measured.has(spec.from)) {
      for (const client of clients) {
        const samples = samplesOf(detail, spec.from, client);
        if (samples.length === 0) continue;
        const values = samples.map(spec.pick);
        const stats = summary(values);
        const cell = { client, ...stats, samples: values };
        if (spec.censored && stats.n === 0) {
          const waited = Math.max(...samples.map((s) => s.waitedMs ?? 0));
          cell.never = true;
          cell.note = `never within ${Math.round(waited / 1000)} s (${samples.length} round${samples.length > 1 ? 's' : ''})`;
        } else if (spec.censored && stats.n < samples.length) {
          cell.note = `not noticed in ${samples.length - stats.n} of ${samples.length} rounds`;
        }
        cells[client] = cell;
        const row = { metric: spec.metric, client, median: stats.median, min: stats.min, max: stats.max, unit: spec.unit, n: stats.n };
        if (cell.note) row.note = cell.note;
        rows.push(row);
      }
    } else {
      for (const row of previous.filter((r) => r.metric === spec.metric)) {
        rows.push(row);
        cells[row.client] = { ...row, never: row.median === null && !!row.note, previous: true };
      }
    }
    if (Object.keys(cells).length === 0) continue;
    const aw = cells.agentwire;
    const peerCells = PEERS.map((p) => cells[p]).filter((c) => c && c.median !== null);
    const best = peerCells.length
      ? peerCells.reduce((a, b) => ((spec.better === 'higher' ? b.median > a.median : b.median < a.median) ? b : a))
      : null;
    table.push({
      ...spec,
      cells,
      vsRaw: aw && cells.raw ? ratio(aw.median, cells.raw.median) : null,
      vsBest: aw && best ? ratio(aw.median, best.median) : null,
      bestPeer: best?.client ?? null,
      // Rows kept from an earlier run: their verdict needs samples this run does not have.
      budget: measured.has(spec.from) ? budget(spec.metric, cells, detail) : null,
      fromPrevious: !measured.has(spec.from),
    });
  }
  const extras = [];
  for (const extra of EXTRAS) {
    if (!measured.has(extra.from)) continue;
    const cells = {};
    for (const client of clients) {
      const samples = samplesOf(detail, extra.from, client);
      if (samples.length) cells[client] = { client, ...summary(samples.map(extra.pick)) };
    }
    if (Object.keys(cells).length) extras.push({ ...extra, cells });
  }
  table.extras = extras;
  table.clients = clients;
  return { rows, table };
}

// ---- formatting ----------------------------------------------------------------------------------

function fmt(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return '-';
  const abs = Math.abs(value);
  if (unit === 'bytes') {
    if (abs >= MIB) return `${(value / MIB).toFixed(2)}M`;
    if (abs >= 10 * KIB) return `${(value / KIB).toFixed(1)}K`;
    return `${Math.round(value)}`;
  }
  if (abs >= 10_000) return Math.round(value).toLocaleString('en');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  if (abs === 0) return '0';
  return value.toFixed(3);
}

function cellText(cell, unit) {
  if (!cell) return '';
  if (cell.never) return 'never';
  if (cell.median === null) return '-';
  if (cell.n > 1 && cell.min !== cell.max) return `${fmt(cell.median, unit)} (${fmt(cell.min, unit)}–${fmt(cell.max, unit)})`;
  return fmt(cell.median, unit);
}

const ratioText = (r) => (r === null || r === undefined ? '-' : `${r < 0.1 ? r.toPrecision(2) : r.toFixed(2)}×`);
const SHORT = { raw: 'raw', 'reconnecting-websocket': 'reconnecting-ws', partysocket: 'partysocket', 'socket.io': 'socket.io', agentwire: 'agentwire', 'agentwire-gloo-net': 'aw-gloo-net' };

function verdict(b) {
  if (!b) return '';
  return `${b.pass === true ? 'PASS' : b.pass === false ? 'MISS' : '?'} ${b.text}`;
}

/** The table printed at the end of a run. */
export function renderTable(table, detail) {
  const clients = table.clients;
  const header = ['metric', 'unit', ...clients.map((c) => SHORT[c]), 'AW/raw', 'AW/best peer', 'budget'];
  const lines = table.map((t) => [
    t.metric + (t.fromPrevious ? ' *' : ''),
    t.unit,
    ...clients.map((c) => cellText(t.cells[c], t.unit)),
    ratioText(t.vsRaw),
    t.bestPeer ? `${ratioText(t.vsBest)} (${SHORT[t.bestPeer]})` : '-',
    verdict(t.budget),
  ]);
  const extraLines = table.extras.map((e) => [e.label, e.unit, ...clients.map((c) => cellText(e.cells[c], e.unit)), '', '', '']);
  const all = [header, ...lines, ...extraLines];
  const widths = header.map((_, i) => Math.max(...all.map((row) => String(row[i]).length)));
  const render = (row) => row.map((v, i) => String(v).padEnd(widths[i])).join('  ').trimEnd();
  const out = [
    `Median (min–max) over ${detail.config.rounds} rounds after a warm-up round; higher is better for throughput, lower for everything else.`,
    render(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...lines.map(render),
  ];
  if (extraLines.length) out.push('', 'Diagnostics (not budgets):', ...extraLines.map(render));
  if (table.some((t) => t.fromPrevious)) out.push('', '* from an earlier run (bench/results.json), not measured now');
  for (const note of notes(detail)) out.push(`- ${note}`);
  return out.join('\n');
}

/** The page's main thread had idle time during throughput runs: the feed, not the client, set the pace. */
function feedBound(detail) {
  const raw = detail.samples.throughput?.raw ?? [];
  const busy = summary(raw.map((s) => s.mainThreadBusy)).median;
  return busy !== null && busy < 0.85;
}

/** A native client already sees a p99 far above the budget's 0.2 ms: the server is the limit. */
function latencyServerBound(detail) {
  return !!detail.nativeLatency && detail.nativeLatency.p99 > 2;
}

/** Caveats that follow from the samples themselves. */
export function notes(detail) {
  const out = [...(detail.notes ?? [])];
  if (latencyServerBound(detail)) {
    const n = detail.nativeLatency;
    out.push(`latency is SERVER-BOUND: the reference server gives a native client p99 ${n.p99} ms, max ${n.max} ms at this pacing (stalls of ~40 ms: Nagle's algorithm + delayed ACK, the server does not set TCP_NODELAY); the p99 figures measure the server, not the clients.`);
  }
  const native = detail.nativeServerRate;
  const raw = detail.samples.throughput?.raw ?? [];
  if (raw.length) {
    const rawRate = summary(raw.map((s) => s.eventsPerSec)).median;
    const busy = summary(raw.map((s) => s.mainThreadBusy)).median;
    if (busy !== null && busy < 0.85) {
      const cpu = summary(raw.map((s) => (s.cpu?.renderer ?? 0) + (s.cpu?.network ?? 0) + (s.cpu?.browser ?? 0))).median;
      const server = summary(raw.map((s) => s.cpu?.server ?? 0)).median;
      out.push(`throughput is FEED-BOUND, not client-bound: raw's page main thread was only ${(busy * 100).toFixed(0)}% busy at ${Math.round(rawRate).toLocaleString('en')} events/s, while Chromium's processes used ${(cpu * 100).toFixed(0)}% of the machine's ${detail.machine.nproc * 100}% and the server ${(server * 100).toFixed(0)}%${native ? ` (the server gives a native client ${Math.round(native.eventsPerSec).toLocaleString('en')} events/s)` : ''}: the browser's own WebSocket pipeline (network service → renderer IO thread → main thread) sets the pace. Compare the clients by main-thread time per event and by per-message CPU cost.`);
    } else if (native && rawRate > 0.9 * native.eventsPerSec) {
      out.push(`throughput: raw reaches ${(rawRate / native.eventsPerSec * 100).toFixed(0)}% of the server's native maximum: the server may be the limit.`);
    }
  }
  const sio = detail.samples.throughput?.['socket.io'] ?? [];
  if (sio.length) {
    const busy = summary(sio.map((s) => s.mainThreadBusy)).median;
    const server = summary(sio.map((s) => s.cpu?.['sio-server'] ?? 0)).median;
    if (busy !== null && busy < 0.85) out.push(`socket.io throughput is limited by its Node server (page main thread ${(busy * 100).toFixed(0)}% busy, sio-server ${(server * 100).toFixed(0)}% of a core).`);
  }
  return out;
}

/** What AgentWire's shipped bytes are made of, from this run's size measurement. */
function sizeSection(detail) {
  const size = detail.samples.size?.agentwire?.[0];
  if (!size) return '';
  const [wasm, bundle] = size.parts;
  const kib = (bytes) => `${(bytes / KIB).toFixed(1)} KiB`;
  const gloo = detail.samples.size?.['agentwire-gloo-net']?.[0];
  const b = size.breakdown;
  const table = b && !b.error
    ? `| module | bytes |\n| --- | --- |\n${b.modules.map((m) => `| ${m.module} | ${m.bytes} |`).join('\n')}\n\nLargest functions: ${b.largest.map((f) => `\`${f.name.replace(/\|/g, '\\|')}\` ${f.bytes}`).join('; ')}.`
    : `(no breakdown: ${b?.error ?? 'not measured'})`;
  return `## What AgentWire ships

${kib(size.gzip)} gzipped: the wasm module (${kib(wasm.raw)}, ${kib(wasm.gzip)} gzipped) and the JS a
bundler makes of the package (${kib(bundle.raw)} minified, ${kib(bundle.gzip)} gzipped), measured as the peers are.
Without a bundler an app fetches the files as published, unminified: ${kib(size.published.gzip)} gzipped.${gloo ? `
With gloo-net's socket instead of web-sys's: ${kib(gloo.gzip)} gzipped (wasm ${kib(gloo.parts[0].gzip)}).` : ''}

The wasm module is the whole transport: \`WebSocketTransport\` is a Rust type exported by
wasm-bindgen (src/web/transport.rs) over the sans-IO core (src/core), with the socket, the timer,
the browser's signals, the listener lists and dispatch in Rust; the JS is wasm-bindgen's generated
module. Its code by module (bytes of function bodies after wasm-opt, from the release build with
its names kept; inlined code counts where it was inlined, so much of the core shows under the
driver and the exported methods):

${table}`;
}

/** BENCHMARKS.md at the repository root. */
export function renderMarkdown(table, detail, rows) {
  const m = detail.machine;
  const clients = table.clients;
  const head = `| metric | unit | ${clients.join(' | ')} | AgentWire / raw | AgentWire / best peer | budget |`;
  const sep = `|${' --- |'.repeat(clients.length + 5)}`;
  const body = table.map((t) => `| ${t.metric} | ${t.unit} | ${clients.map((c) => cellText(t.cells[c], t.unit)).join(' | ')} | ${ratioText(t.vsRaw)} | ${t.bestPeer ? `${ratioText(t.vsBest)} (${t.bestPeer})` : '-'} | ${verdict(t.budget)} |`);
  const extras = table.extras.map((e) => `| ${e.label} | ${e.unit} | ${clients.map((c) => cellText(e.cells[c], e.unit)).join(' | ')} |`);
  const loads = detail.loadSamples.map((s) => s.load[0]);
  return `# Benchmarks

AgentWire against raw \`WebSocket\` + \`JSON.parse\`, reconnecting-websocket, partysocket and
socket.io-client, measured in one run by \`npm run bench\` (bench/run.mjs). Figures, not assertions:
rerun them on your machine.

## Latest run

${detail.finishedAt} on ${m.nproc} cores (${m.cpuModel}, ${m.memoryGiB} GiB), ${m.os}, ${m.chromium}
(headless), Node ${m.node}, commit ${m.commit}${m.dirty ? ' with uncommitted changes' : ''}. Load average at the start
${m.loadAverage.join(' / ')}, during the run ${Math.min(...loads)}–${Math.max(...loads)}, at the end ${detail.loadAtEnd.join(' / ')}.
${detail.config.rounds} measured rounds after a warm-up round; median (min–max). ${detail.totalSeconds} s in all.

${head}
${sep}
${body.join('\n')}

Diagnostics (not budgets):

| figure | unit | ${clients.join(' | ')} |
|${' --- |'.repeat(clients.length + 2)}
${extras.join('\n')}

${notes(detail).map((n) => `- ${n}`).join('\n')}

${sizeSection(detail)}

## How it is measured

- Reference server built with \`--profile server\`, on 127.0.0.1; socket.io-client talks to a
  socket.io 4.8 server in its own Node process (bench/lib/sio-server.mjs) sending objects equal
  to the reference server's frames (plus socket.io's \`42["type",…]\` framing, ~20 bytes).
- Every measurement in a fresh page (own browser context, renderer and V8 heap), pages
  cross-origin isolated (5 µs timer resolution). Round-robin order, rotated every round.
- throughput: ${detail.config.throughputCount.toLocaleString('en')} \`tool_progress\` events (150 B), listener reads \`seq\`;
  rate = events / (first event received → \`bench_done\` received).
- latency: one event every ${detail.config.latencyIntervalMs} ms, ${detail.config.latencyCount.toLocaleString('en')} events; page clock
  (\`performance.timeOrigin + performance.now()\`) − server \`ts\`.
- store: ${detail.config.storeCount.toLocaleString('en')} \`message_delta\` events into a Zustand store rendered by React 19
  (profiling build, for \`<Profiler>\`); AgentWire via \`bindTransport\` (agentwire/zustand), the
  others with one \`setState\` per message. Long tasks: PerformanceObserver 'longtask'.
- dead: \`POST /control/silence\`; AgentWire \`heartbeat: { intervalMs: ${detail.config.agentwireHeartbeat.intervalMs}, timeoutMs: ${detail.config.agentwireHeartbeat.timeoutMs} }\`,
  socket.io server \`pingInterval ${detail.config.socketIoPing.pingInterval}, pingTimeout ${detail.config.socketIoPing.pingTimeout}\` (the same budget; its defaults
  25000/20000 would take up to 45 s); raw, reconnecting-websocket and partysocket have no
  heartbeat. All clients side by side in one silence window; clients that never notice run one
  round (${Math.round(detail.config.deadCapMs / 1000)} s).
- recovery: \`POST /control/drop\`; a probe sent as soon as the client notices waits in its
  queue; time until its echo (\`/ws/echo\`) is back. Each client's default reconnect delays
  (raw: hand-written, fixed 1 s; reconnecting-websocket 1–5 s; partysocket 3 s; socket.io
  0.5–1.5 s; AgentWire 0–1 s).
- memory: JS heap (CDP \`Runtime.getHeapUsage\` after \`HeapProfiler.collectGarbage\`) + wasm
  memory, before and after ${detail.config.memCycles.toLocaleString('en')} drop/reconnect cycles (every client set to reconnect
  after ~1 ms) and after ${detail.config.memEvents.toLocaleString('en')} events, after a small warm-up.
- size: \`esbuild --bundle --minify --format=esm\` of an entry that imports and uses the client,
  gzip -9; for AgentWire plus pkg/agentwire_bg.wasm, gzipped on its own (pkg/session, the
  optional AgentSession module, is not counted).
- per-message CPU cost (diagnostic): synthetic frames dispatched on the client's own open socket,
  no network; fastest of ${Math.round(detail.config.percallCount / 10_000)} repetitions of 10,000 per page, ${detail.config.percallRounds} pages per client.
- Pages are CDP targets that Playwright does not instrument (its Network domain would relay every
  WebSocket frame to the driver), cross-origin isolated (5 µs timers).
- This machine is a shared 2-vCPU VM: other work on it shows as up to 2× slower pages. Rounds are
  interleaved and the load is recorded; compare figures taken in the same run.

## Rerun

\`\`\`sh
npm run bench                                   # everything (~19 min on 2 cores, + ~1.5 min with --profile)
node bench/run.mjs --quick                      # a quick look
node bench/run.mjs --rounds 5 --only throughput,latency --clients raw,agentwire
node bench/run.mjs --only throughput --profile  # + CPU profiles in bench/profiles/
\`\`\`

Results: bench/results.json (rows), bench/results-detail.json (every sample).
`;
}
