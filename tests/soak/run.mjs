// `npm run soak` (scripts/soak.sh builds first): a chaos soak of the resume protocol, both ways.
//
// The reference server on 127.0.0.1 (a free port) and headless Chromium with tests/soak's page:
// a chat, a run and a tracking feed stream through transports with `resume: true`, and the
// page sends acknowledged messages all along (page.js). Meanwhile this script injects a fixed
// budget of faults through /control (faults.mjs), one at a time, each followed by a wait until
// every long-lived transport has recovered and events flow again. Then it drains the traffic
// and checks: every event by `seq` per stream session (in the page), every acknowledged message
// by its payload sequence in the server's GET /control/log `processed` (here), and each
// tracking reply by the message it answers. Exit 0 only when nothing was lost, duplicated or
// reordered and everything completed; the last line is always the summary line.
//
// With --redis: two instances of the server on one redis-server started here (with an
// append-only file, so restarting it keeps the streams). The page's transports list both URLs
// (every retry moves on to the next), control faults go to both, and the cycle adds killing the
// chat's instance (restarted on its port shortly after: its clients resume on the other, which
// continues their chat and run) and restarting redis-server. The kills come at any moment, with
// acknowledged messages in flight. The `processed` check then reads the record every instance
// writes into Redis as it acts (`processed_everywhere` in /control/log), which outlives the
// instance that wrote it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { launchBrowser } from '../browser/support/browser.js';
import { startRedis } from '../browser/support/redis.js';
import { ROOT, startServer } from '../browser/support/server.js';
import { DEFAULT_TIMING, controlRequest, countKinds, planFaults } from './faults.mjs';
import { USAGE, parseSoakArgs } from './options.mjs';
import { SequenceChecker, WindowedList, summaryLine } from './sequence.mjs';

/** A fault not recovered from within this long fails the soak. */
const RECOVERY_TIMEOUT_MS = 20_000;
/** After the faults: how long the started chat, run and messages may take to finish. */
const DRAIN_TIMEOUT_MS = 30_000;
/** GET /control/log at least this often: `processed` keeps its last 10,000 ids. */
const LOG_POLL_MS = 3_000;
/** Pause between a recovery and the next fault. */
const GAP_MS = 40;
/** --redis: the instances' lease on a chat's or run's stream (the longest a stream stalls when
 *  its instance dies is about twice this). */
const LEASE_MS = 600;

/** What the page's transports and traffic use: fast reconnects, a short heartbeat. */
const PAGE_CONFIG = {
  transport: {
    resume: true,
    reconnect: { initialDelayMs: 10, maxDelayMs: 200, factor: 2, jitter: 0.5, minUptimeMs: 100 },
    heartbeat: { intervalMs: 200, timeoutMs: 300 },
    queue: { maxMessages: 200, maxAgeMs: 60_000 },
    connectTimeoutMs: 3000,
    maxMessageBytes: DEFAULT_TIMING.maxMessageBytes,
  },
  chatDelayMs: 10,
  tokensPerSec: 100,
  answerTokens: 24,
  runDelayMs: 10,
  messageIntervalMs: 30,
  window: 16,
  ackTimeoutMs: 60_000,
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line) => console.log(`[soak] ${line}`);

const options = (() => {
  try {
    return parseSoakArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
})();
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
if (options.server === 'release' && !process.env.AGENTWIRE_SERVER_BIN) {
  process.env.AGENTWIRE_SERVER_BIN = join(ROOT, 'target', 'server', 'agentwire-server');
}

const startedAt = Date.now();
const failures = [];
const done = { faults: 0 };
/** The server instances (one, or two with --redis), each `{ server }`: its current process. */
let instances = [];
/** The processed ids read so far, per endpoint: one instance's log, or with --redis the shared
 *  record of every instance's. */
const processed = { stream: new WindowedList(), tracking: new WindowedList() };
let redis = null;
let redisDir = null;
let browser = null;
let page = null;
let finishing = false;
/** Frames the page sent into a socket that was already closing (Chromium logs each). */
let sendsIntoClosing = 0;
/** Per kind: ms from injecting a fault to events flowing again on the chat and tracking feed. */
const recoveries = {};
/** The counts for the summary line, once checked. */
let result = null;

const hardTimer = setTimeout(() => {
  failures.push(`hard timeout: the soak did not finish within ${options.timeoutS} s`);
  finish();
}, options.timeoutS * 1000);

try {
  await soak();
} catch (error) {
  failures.push(error.message);
}
await finish();

async function soak() {
  const plan = planFaults(options.faults, { kinds: options.kinds });
  say(`${options.faults} faults (${Object.entries(countKinds(plan)).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')}), timeout ${options.timeoutS} s`);
  const serverArgs = ['--resume-grace-ms', '120000'];
  if (options.redis) {
    redisDir = mkdtempSync(join(tmpdir(), 'agentwire-soak-redis-'));
    redis = await startRedis({ dir: redisDir });
    serverArgs.push('--redis', redis.url, '--lease-ms', String(LEASE_MS));
    say(`redis-server on ${redis.url} (append-only file in ${redisDir})`);
  }
  const statics = [`/pkg=${process.env.AGENTWIRE_PKG ?? join(ROOT, 'pkg')}`, `/soak=${join(ROOT, 'tests', 'soak')}`];
  const launch = async (port = 0) => {
    return { server: await startServer({ port, args: serverArgs, statics }) };
  };
  instances = await Promise.all(Array.from({ length: options.redis ? 2 : 1 }, () => launch()));
  const server = instances[0].server;
  say(`server ${process.env.AGENTWIRE_SERVER_BIN ?? 'target/debug/agentwire-server'} on ${instances.map((i) => i.server.origin).join(' and ')}`);
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (options.verbose) console.log('[page]', message.text());
    if (message.type() !== 'error') return;
    // Chromium logs every refused handshake (the refuse fault causes them on purpose), and every
    // send() on a socket whose close frame has arrived but whose close event has not: the
    // transport sends until that event (src/web/socket), and the frame is discarded. Acked
    // messages are re-sent after the reconnect, which the checks below verify.
    if (/^WebSocket connection to '.*' failed/.test(message.text())) return;
    if (message.text() === 'WebSocket is already in CLOSING or CLOSED state.') {
      sendsIntoClosing += 1;
      return;
    }
    failures.push(`console.error: ${message.text()}`);
  });
  await page.goto(`${server.origin}/soak/index.html`);
  await page.waitForFunction(() => window.soakReady === true, null, { timeout: 15_000 });
  await page.evaluate((config) => window.soak.start(config), { ...PAGE_CONFIG, bases: instances.map((i) => `ws://127.0.0.1:${i.server.port}`) });

  let lastPoll = 0;
  /** Reads the processed ids; with --redis from whichever instance answers (one may be down). */
  const pollLog = async ({ final = false } = {}) => {
    const field = options.redis ? 'processed_everywhere' : 'processed';
    let lastError = null;
    for (const { server: each } of instances) {
      let log;
      try {
        log = await each.log();
      } catch (error) {
        lastError = error;
        continue;
      }
      if (Object.keys(processed).some((endpoint) => !Array.isArray(log[endpoint][field]))) {
        lastError = new Error(`GET ${each.origin}/control/log has no ${field} (Redis unreachable?)`);
        continue;
      }
      for (const endpoint of Object.keys(processed)) {
        if (!processed[endpoint].merge(log[endpoint][field])) {
          throw new Error(`GET ${each.origin}/control/log: ${endpoint}.${field} moved past ids not yet read (poll more often)`);
        }
      }
      lastPoll = Date.now();
      return;
    }
    // With --redis both instances may be down for a moment (a kill during a Redis restart):
    // the record waits in Redis, so only a final read, or a long gap, must succeed.
    if (final || !options.redis || Date.now() - lastPoll > LOG_POLL_MS * 3) throw lastError;
  };
  /** Kills a process of the --redis mode and starts it again on its port `downMs` later. */
  const killAndRestart = async ({ kind, downMs }) => {
    if (kind === 'restart-redis') {
      await redis.stop();
      await sleep(downMs);
      redis = await startRedis({ port: redis.port, dir: redisDir });
      return;
    }
    // The chat's instance, whatever it is doing: its clients must resume on the other one, and
    // an acknowledged message it had claimed and not acted on is acted on there.
    const chatUrl = (await state()).chat.url ?? '';
    const index = Math.max(0, instances.findIndex((i) => chatUrl.startsWith(`ws://127.0.0.1:${i.server.port}/`)));
    const victim = instances[index];
    await victim.server.stop({ signal: 'SIGKILL' });
    await sleep(downMs);
    instances[index] = await launch(victim.server.port);
  };

  const progressEvery = Math.max(1, Math.round(options.faults / 20));
  let previous = await waitForFlow(await state(), 'the first events');
  for (const fault of plan) {
    if (finishing) return;
    const before = previous;
    const injectedAt = Date.now();
    if (fault.stall) await page.evaluate(({ ms, forMs }) => window.soak.stallSockets(ms, forMs), fault.stall);
    if (fault.process) await killAndRestart(fault.process);
    for (const step of fault.steps) await control(step);
    if (fault.garbage?.variant === 'client-malformed') {
      const outcome = await page.evaluate(() => window.soak.sendGarbage());
      if (outcome !== 'sent') throw new Error(`fault ${fault.n}: the malformed frame was ${outcome}, not sent`);
    }
    if (fault.holdMs > 0) {
      await sleep(fault.holdMs);
      for (const step of fault.after) await control(step);
    }
    const label = `fault ${fault.n} (${fault.kind}${fault.garbage ? ` ${fault.garbage.variant}` : ''})`;
    const settled = await waitFor(() => state(), (now) => hasRecovered(fault, before, now), label);
    previous = await waitForFlow(settled, `events after ${label}`);
    done.faults = fault.n;
    (recoveries[fault.kind] ??= []).push(previous.at - injectedAt);
    if (options.verbose) say(`${label}: recovered in ${previous.at - injectedAt} ms`);
    else if (fault.n % progressEvery === 0) say(`${fault.n}/${options.faults} faults, ${previous.eventsIn} events in, ${Math.round((Date.now() - startedAt) / 1000)} s`);
    if (Date.now() - lastPoll >= LOG_POLL_MS) await pollLog();
    await sleep(GAP_MS);
  }

  await page.evaluate(() => window.soak.drain());
  await waitFor(() => page.evaluate(() => window.soak.drained()), Boolean, 'the last chat, run and acks to finish', DRAIN_TIMEOUT_MS);
  await pollLog({ final: true });
  return checkEverything();
}

/** The page's state, stamped with when it was read. */
async function state() {
  return { ...(await page.evaluate(() => window.soak.state())), at: Date.now() };
}

/** One control request, made to every instance at once (the page may be attached to any). */
async function control(step) {
  await Promise.all(instances.map(async ({ server }) => {
    const { url, init } = controlRequest(server.origin, step);
    const response = await fetch(url, init);
    const body = await response.json().catch(() => null);
    if (!response.ok || !body?.ok) throw new Error(`POST ${url}: HTTP ${response.status} ${JSON.stringify(body)}`);
  }));
}

/** The fault has had its effect and the long-lived transports are connected again. */
function hasRecovered(fault, before, now) {
  const longLived = ['chat', 'tracking'];
  if (!longLived.every((name) => now[name].status === 'connected')) return false;
  if (fault.reconnects && !longLived.every((name) => now[name].reconnects > before[name].reconnects)) return false;
  const garbage = fault.garbage;
  if (garbage?.expect) return (now.chat.errors[garbage.expect] ?? 0) > (before.chat.errors[garbage.expect] ?? 0);
  if (garbage?.variant === 'unsequenced') return now.chat.unsequenced > before.chat.unsequenced;
  if (garbage?.variant === 'client-malformed') return now.chat.serverErrors > before.chat.serverErrors;
  return true;
}

/** Waits until events arrived on the chat and the tracking feed after `mark`. */
function waitForFlow(mark, what) {
  return waitFor(() => state(), (now) => now.chat.eventsIn > mark.chat.eventsIn && now.tracking.eventsIn > mark.tracking.eventsIn, what);
}

async function waitFor(read, ready, what, timeout = RECOVERY_TIMEOUT_MS) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await read();
    if (ready(value)) return value;
    if (finishing) throw new Error(`stopped while waiting for ${what}`);
    if (Date.now() > deadline) {
      throw new Error(`no ${what} within ${timeout / 1000} s; page state: ${JSON.stringify(value)}`);
    }
    await sleep(25);
  }
}

/**
 * The processed ids of one endpoint (lists, each in the order recorded) against the `sent` the
 * page numbered: over all of them each id exactly once, and within each list in the order sent.
 */
function checkProcessed(lists, prefix, sent) {
  const checker = new SequenceChecker(`${prefix} processed`);
  const foreign = [];
  let reordered = 0;
  for (const ids of lists) {
    let highest = 0;
    for (const id of ids) {
      const match = new RegExp(`^${prefix}-(\\d+)$`).exec(id);
      if (!match) {
        foreign.push(id);
        continue;
      }
      const n = Number(match[1]);
      if (checker.add(n) === 'duplicated') continue;
      if (n < highest) {
        reordered += 1;
        checker.note(`${n} after ${highest} in one log`);
      } else highest = n;
    }
  }
  if (foreign.length) failures.push(`${prefix}: processed lists ids nobody sent: ${foreign.slice(0, 5).join(', ')}`);
  return { received: checker.received, lost: checker.lost(sent), duplicated: checker.duplicated, reordered, notes: checker.notes };
}

async function checkEverything() {
  const report = await page.evaluate(() => window.soak.report());
  const stream = checkProcessed([processed.stream.items], 'chat', report.chat.sent);
  const tracking = checkProcessed([processed.tracking.items], 'trk', report.tracking.sent);
  const parts = [report.events, report.replies, stream, tracking];
  const sum = (key) => parts.reduce((total, part) => total + part[key], 0);
  result = {
    eventsIn: report.eventsIn,
    messagesOut: report.chat.sent + report.tracking.sent,
    lost: sum('lost'), duplicated: sum('duplicated'), reordered: sum('reordered'),
  };
  say(`events in: ${report.eventsIn} over ${report.streams} streams; lost ${report.events.lost} (gaps ${report.gapLosses}, runs cut short ${report.runs.cutShort}), duplicated ${report.events.duplicated}, reordered ${report.events.reordered}`);
  say(`chats: ${report.chat.sent} sent, ${report.chat.results} results; runs: ${report.runs.started} started, ${report.runs.completed} completed, ${report.runs.events} events`);
  for (const [name, counts, server] of [['chat', report.chat, stream], ['tracking', report.tracking, tracking]]) {
    say(`messages out (${name}): ${counts.sent} sent, ${counts.acked} acked (${counts.duplicateAcks} as duplicates), ${counts.rejected} rejected; processed ${server.received}: lost ${server.lost}, duplicated ${server.duplicated}, reordered ${server.reordered}${server.notes.length ? ` (${server.notes.join('; ')})` : ''}`);
    if (counts.acked !== counts.sent) failures.push(`${name}: ${counts.sent - counts.acked} of ${counts.sent} acknowledged messages never acked`);
  }
  say(`tracking replies: ${report.replies.received} received, lost ${report.replies.lost}, duplicated ${report.replies.duplicated}, reordered ${report.replies.reordered}`);
  say(`frames sent into a closing socket (discarded by the browser): ${sendsIntoClosing}`);
  say(`client errors seen: chat ${JSON.stringify(report.errors.chat)}, tracking ${JSON.stringify(report.errors.tracking)}`);
  for (const text of report.anomalies) say(`anomaly: ${text}`);
  for (const text of report.problems) failures.push(text);
}

async function finish() {
  if (finishing) return;
  finishing = true;
  clearTimeout(hardTimer);
  if (!result && page) {
    // Cut short: count what the page saw, if it still answers.
    const report = await Promise.race([page.evaluate(() => window.soak.report()).catch(() => null), sleep(5000)]);
    if (report) {
      result = {
        eventsIn: report.eventsIn, messagesOut: report.chat.sent + report.tracking.sent,
        lost: report.events.lost, duplicated: report.events.duplicated, reordered: report.events.reordered,
      };
      for (const text of report.problems) failures.push(text);
    }
  }
  await Promise.race([(async () => {
    await page?.evaluate(() => window.soak.stop()).catch(() => {});
    await browser?.close().catch(() => {});
    await Promise.all(instances.map(({ server }) => server.stop().catch(() => {})));
    await redis?.stop().catch(() => {});
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
  })(), sleep(10_000)]);
  const counts = result ?? { eventsIn: 0, messagesOut: 0, lost: 0, duplicated: 0, reordered: 0 };
  const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  for (const [kind, times] of Object.entries(recoveries)) {
    const sorted = [...times].sort((a, b) => a - b);
    say(`recovery (fault → events flowing again), ${kind}: median ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms, max ${sorted.at(-1)} ms over ${sorted.length}`);
  }
  for (const text of failures) say(`FAILED: ${text}`);
  say(`${Math.round((Date.now() - startedAt) / 1000)} s`);
  const clean = failures.length === 0 && result && counts.lost + counts.duplicated + counts.reordered === 0 && done.faults === options.faults;
  console.log(summaryLine({ faults: done.faults, ...counts }));
  process.exit(clean ? 0 : 1);
}
