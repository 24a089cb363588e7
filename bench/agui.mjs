// AgentSession (agentwire/session) and @ag-ui/client applying the same 20,000-event AG-UI
// stream in Node: a chat of 50 messages, a state snapshot, then one answer streamed as token
// deltas with a STATE_DELTA every 500 of them. Each side runs in its own process (`node
// --expose-gc`), so the memory figures are its own.
//
// The stream arrives as a transport delivers it: CHUNK events per macrotask (setImmediate). A
// UI reads the state once per chunk: AgentSession's getSnapshot() (bindSession's batching),
// @ag-ui/client's onMessagesChanged/onStateChanged subscriber (it calls them per event).
// @ag-ui/client runs its whole pipeline (zod parse in HttpAgent is not involved: events come
// from an AbstractAgent's run(), then verifyEvents and the default apply), with NODE_ENV unset
// (its per-event clone is on in development and test only).
//
// Figures: ms per event (wall time of the run / events), the longest task (the event loop's
// longest block, perf_hooks.monitorEventLoopDelay), and memory (heap + external + wasm, after
// a full GC, with the final state still held, minus the same before the run).
//
//   node bench/agui.mjs            # both, prints a table and writes bench/agui-results.json
//   node bench/agui.mjs --rounds 3 # median of 3 runs per side
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const EVENTS = 20_000;
const CHUNK = 100;

export function stream() {
  const events = [{ type: 'RUN_STARTED', threadId: 'bench', runId: 'run-1', timestamp: 0 }];
  for (let i = 0; i < 50; i++) {
    const messageId = `m${i}`;
    events.push({ type: 'TEXT_MESSAGE_START', messageId, role: i % 2 ? 'assistant' : 'user' });
    events.push({ type: 'TEXT_MESSAGE_CONTENT', messageId, delta: `message ${i}: ${'lorem ipsum '.repeat(8)}` });
    events.push({ type: 'TEXT_MESSAGE_END', messageId });
  }
  events.push({ type: 'STATE_SNAPSHOT', snapshot: { progress: 0, plan: { steps: ['search', 'read', 'write'] }, tokens: 0 } });
  events.push({ type: 'TEXT_MESSAGE_START', messageId: 'answer', role: 'assistant' });
  let token = 0;
  while (events.length < EVENTS - 2) {
    token++;
    if (token % 500 === 0) {
      events.push({ type: 'STATE_DELTA', delta: [{ op: 'replace', path: '/tokens', value: token }] });
    } else {
      events.push({ type: 'TEXT_MESSAGE_CONTENT', messageId: 'answer', delta: `w${token} ` });
    }
  }
  events.push({ type: 'TEXT_MESSAGE_END', messageId: 'answer' });
  events.push({ type: 'RUN_FINISHED', threadId: 'bench', runId: 'run-1' });
  return events;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function memory() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

async function agentSession(events, delay) {
  const { readFileSync: read } = await import('node:fs');
  const session = await import(join(ROOT, 'pkg', 'session', 'agentwire_session.js'));
  await session.default({ module_or_path: read(join(ROOT, 'pkg', 'session', 'agentwire_session_bg.wasm')) });
  const before = memory();
  const s = new session.AgentSession();
  let reads = 0;
  delay.enable();
  const started = performance.now();
  for (let i = 0; i < events.length; i += CHUNK) {
    s.applyMany(events.slice(i, i + CHUNK));
    if (s.getSnapshot().messages.length > 0) reads++;
    await tick();
  }
  const ms = performance.now() - started;
  delay.disable();
  const final = s.getSnapshot();
  const after = memory();
  return { ms, reads, bytes: after - before, check: [final.messages.length, final.messages.at(-1).content.length, final.state.tokens], keep: s };
}

async function agUiClient(events, delay) {
  const { AbstractAgent } = await import('@ag-ui/client');
  const { Observable } = await import('rxjs');
  class Replay extends AbstractAgent {
    run() {
      return new Observable((subscriber) => {
        (async () => {
          for (let i = 0; i < events.length; i += CHUNK) {
            for (const event of events.slice(i, i + CHUNK)) subscriber.next(event);
            await tick();
          }
          subscriber.complete();
        })();
      });
    }
  }
  const before = memory();
  const agent = new Replay({ threadId: 'bench' });
  let reads = 0;
  agent.subscribe({ onMessagesChanged: () => { reads++; }, onStateChanged: () => { reads++; } });
  delay.enable();
  const started = performance.now();
  await agent.runAgent({ runId: 'run-1' });
  const ms = performance.now() - started;
  delay.disable();
  const after = memory();
  return { ms, reads, bytes: after - before, check: [agent.messages.length, agent.messages.at(-1).content.length, agent.state.tokens], keep: agent };
}

async function one(side) {
  const events = stream();
  // Enabled around the run only (not the module loading and wasm compilation).
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const run = side === 'agentsession' ? await agentSession(events, delay) : await agUiClient(events, delay);
  const { keep, ...figures } = run;
  void keep;
  process.stdout.write(JSON.stringify({ side, events: events.length, ...figures, longestTaskMs: delay.max / 1e6 }));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
  const roundsAt = process.argv.indexOf('--rounds');
  const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 3;
  const rows = [];
  for (const side of ['agentsession', 'ag-ui-client']) {
    const runs = [];
    for (let r = 0; r < rounds; r++) {
      const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--one', side], {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: '' },
      });
      runs.push(JSON.parse(out.toString()));
    }
    rows.push({
      side,
      events: runs[0].events,
      msPerEvent: median(runs.map((r) => r.ms / r.events)),
      totalMs: median(runs.map((r) => r.ms)),
      longestTaskMs: median(runs.map((r) => r.longestTaskMs)),
      memoryKiB: median(runs.map((r) => r.bytes / 1024)),
      stateReads: runs[0].reads,
      check: runs[0].check,
    });
  }
  const same = JSON.stringify(rows[0].check) === JSON.stringify(rows[1].check);
  console.log(`AG-UI stream of ${EVENTS} events (${CHUNK} per macrotask), median of ${rounds} runs, Node ${process.version}`);
  console.log('| | ms/event | total ms | longest task ms | memory KiB | state reads |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.side} | ${r.msPerEvent.toFixed(4)} | ${r.totalMs.toFixed(1)} | ${r.longestTaskMs.toFixed(1)} | ${r.memoryKiB.toFixed(0)} | ${r.stateReads} |`);
  }
  console.log(`final state identical (messages, answer length, state.tokens): ${same} ${JSON.stringify(rows[0].check)}`);
  writeFileSync(join(ROOT, 'bench', 'agui-results.json'), `${JSON.stringify({ rounds, chunk: CHUNK, node: process.version, rows }, null, 2)}\n`);
  if (!same) process.exitCode = 1;
}

if (process.argv.includes('--one')) {
  await one(process.argv[process.argv.indexOf('--one') + 1]);
} else {
  await main();
}
