// The resume protocol in a real browser. First the client's half alone, against the reference
// server's echo endpoint with the server's frames injected through its chaos control
// (/control/send): what the transport sends on open, the wait for welcome, dedupe and gaps.
import { describe, expect, it } from 'vitest';
import { waitInPage } from './support/browser.js';
import { useBrowserFixture } from './support/fixture.js';
import { startServer } from './support/server.js';

const f = useBrowserFixture();

/** Sends `frame` (an object) to every open /ws/echo connection, as the server would. */
async function inject(frame) {
  const result = await f.server.control('send?endpoint=echo', JSON.stringify(frame));
  expect(result.affected, `a connection to send ${frame.type} to`).toBeGreaterThan(0);
}

/** The frames the echo endpoint received whose type is `type`, parsed. */
async function received(type) {
  const log = await f.server.log();
  return log.echo.received.map((frame) => JSON.parse(frame)).filter((frame) => frame.type === type);
}

async function waitForResumeFrames(count) {
  for (let i = 0; i < 500; i++) {
    const frames = await received('resume');
    if (frames.length >= count) return frames;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the server never received resume frame ${count}`);
}

async function dropAndWaitForResume(count) {
  while ((await f.server.control('drop')).affected === 0) await new Promise((r) => setTimeout(r, 5));
  return waitForResumeFrames(count);
}

/** A resuming transport `window.rec.r` on /ws/echo, connected in session `session`. */
async function connectInSession(session) {
  await f.page.evaluate((url) => {
    window.track('r', { url, resume: true, heartbeat: false, reconnect: { initialDelayMs: 50, jitter: 0 } }).t.connect();
  }, f.server.ws('/ws/echo'));
  await waitForResumeFrames(1);
  await inject({ type: 'welcome', v: 1, session, resumed: false, after: 0 });
  await waitInPage(f.page, () => window.rec.r.t.status === 'connected', null, { what: 'connected' });
}

describe('resume: the client half', () => {
  it('sends resume first, stays connecting until welcome, and never dispatches welcome', async () => {
    await f.page.evaluate((url) => {
      const rec = window.track('r', { url, resume: true, heartbeat: false });
      rec.t.send({ type: 'queued' });
      rec.t.connect();
    }, f.server.ws('/ws/echo'));
    const [first] = await waitForResumeFrames(1);
    expect(first).toEqual({ type: 'resume', v: 1, session: null, after: 0 });
    const log = await f.server.log();
    expect(JSON.parse(log.echo.received[0]).type, 'resume is the first frame').toBe('resume');
    expect(log.echo.received.length, 'the queue waits for the welcome').toBe(1);
    expect(await f.page.evaluate(() => window.rec.r.t.status)).toBe('connecting');

    await inject({ type: 'welcome', v: 1, session: 's1', resumed: false, after: 0 });
    await waitInPage(f.page, () => window.rec.r.t.status === 'connected', null, { what: 'connected' });
    await waitForResumeFrames(1);
    const afterWelcome = await f.server.log();
    expect(afterWelcome.echo.received.map((frame) => JSON.parse(frame).type)).toEqual(['resume', 'queued']);
    const state = await f.page.evaluate(() => ({
      snapshot: window.rec.r.t.getSnapshot(),
      types: window.rec.r.messages.map((m) => m.type),
      connected: window.rec.r.statuses.find((s) => s.status === 'connected'),
      errors: window.rec.r.errors,
    }));
    expect(state.snapshot).toMatchObject({ sessionId: 's1', lastSeq: 0, resumed: false });
    expect(state.connected.resumed).toBe(false);
    expect(state.types).not.toContain('welcome');
    expect(state.errors).toEqual([]);
  });

  it('delivers each seq once and in order across a resumed drop, and reports a skipped one as a gap', async () => {
    await connectInSession('s1');
    for (const seq of [1, 2, 2, 1, 5, 6]) await inject({ type: 'message_delta', seq, delta: `d${seq}` });
    await inject({ type: 'notice', text: 'no seq' });
    await waitInPage(f.page, () => window.rec.r.messages.some((m) => m.type === 'notice'), null, { what: 'the last event' });
    const first = await f.page.evaluate(() => ({
      seqs: window.rec.r.messages.filter((m) => m.type === 'message_delta').map((m) => m.seq),
      errors: window.rec.r.errors.map(({ kind, expected, received }) => ({ kind, expected, received })),
      lastSeq: window.rec.r.t.getSnapshot().lastSeq,
    }));
    expect(first.seqs).toEqual([1, 2, 5, 6]);
    expect(first.errors).toEqual([{ kind: 'gap', expected: 3, received: 5 }]);
    expect(first.lastSeq).toBe(6);

    const frames = await dropAndWaitForResume(2);
    expect(frames[1]).toEqual({ type: 'resume', v: 1, session: 's1', after: 6 });
    expect(await f.page.evaluate(() => window.rec.r.t.status)).toBe('reconnecting');
    await inject({ type: 'welcome', v: 1, session: 's1', resumed: true, after: 6 });
    await waitInPage(f.page, () => window.rec.r.t.status === 'connected', null, { what: 'resumed' });
    for (const seq of [5, 6, 7]) await inject({ type: 'message_delta', seq, delta: `d${seq}` });
    await waitInPage(f.page, () => window.rec.r.messages.some((m) => m.seq === 7), null, { what: 'seq 7' });
    const second = await f.page.evaluate(() => ({
      seqs: window.rec.r.messages.filter((m) => m.type === 'message_delta').map((m) => m.seq),
      resumed: window.rec.r.statuses.filter((s) => s.status === 'connected').map((s) => s.resumed),
      snapshot: window.rec.r.t.getSnapshot(),
    }));
    expect(second.seqs).toEqual([1, 2, 5, 6, 7]);
    expect(second.resumed).toEqual([false, true]);
    expect(second.snapshot).toMatchObject({ sessionId: 's1', lastSeq: 7, resumed: true });
  });

  it('an unresumable session reports a gap, then continues in the fresh session', async () => {
    await connectInSession('s1');
    await inject({ type: 'message_delta', seq: 1 });
    await waitInPage(f.page, () => window.rec.r.t.getSnapshot().lastSeq === 1, null, { what: 'seq 1' });
    await dropAndWaitForResume(2);
    await inject({ type: 'welcome', v: 1, session: 's2', resumed: false, after: 0, reason: 'unknown' });
    await waitInPage(f.page, () => window.rec.r.t.status === 'connected', null, { what: 'reconnected' });
    await inject({ type: 'message_delta', seq: 1, fresh: true });
    await waitInPage(f.page, () => window.rec.r.messages.some((m) => m.fresh), null, { what: 'the fresh seq 1' });
    const result = await f.page.evaluate(() => ({
      errors: window.rec.r.errors.map(({ kind, expected, message }) => ({ kind, expected, message })),
      snapshot: window.rec.r.t.getSnapshot(),
    }));
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ kind: 'gap', expected: 2 });
    expect(result.errors[0].message).toContain('unknown');
    expect(result.snapshot).toMatchObject({ sessionId: 's2', lastSeq: 1, resumed: false });
  });

  it('without a welcome within connectTimeoutMs, connects unresumed and delivers events as they come', async () => {
    await f.page.evaluate((url) => {
      window.track('r', { url, resume: true, heartbeat: false, connectTimeoutMs: 300 }).t.connect();
    }, f.server.ws('/ws/echo'));
    await waitInPage(f.page, () => window.rec.r.t.status === 'connected', null, { what: 'connected by the timeout' });
    await inject({ type: 'message_delta', seq: 1 });
    await inject({ type: 'message_delta', seq: 1 });
    await waitInPage(f.page, () => window.rec.r.messages.filter((m) => m.type === 'message_delta').length === 2, null, { what: 'both events' });
    const state = await f.page.evaluate(() => ({ snapshot: window.rec.r.t.getSnapshot(), errors: window.rec.r.errors }));
    expect(state.snapshot).toMatchObject({ resumed: false, sessionId: null });
    expect(state.errors).toEqual([]);
  });

  it('listeners may free() the transport inside a gap or a resumed callback without a panic', async () => {
    await f.page.evaluate((url) => {
      const options = { url, resume: true, heartbeat: false, reconnect: { initialDelayMs: 50, jitter: 0 } };
      window.gapper = window.track('gap', options);
      window.gapper.t.onError((e) => { if (e.kind === 'gap') window.gapper.t.free(); });
      window.gapper.t.connect();
    }, f.server.ws('/ws/echo'));
    await waitForResumeFrames(1);
    await inject({ type: 'welcome', v: 1, session: 's1', resumed: false, after: 0 });
    await waitInPage(f.page, () => window.gapper.t.status === 'connected', null, { what: 'connected' });
    await inject({ type: 'message_delta', seq: 3 });
    await waitInPage(f.page, () => window.gapper.t.debugResources().sockets === 0, null, { what: 'freed by the gap listener' });

    await f.page.evaluate((url) => {
      const options = { url, resume: true, heartbeat: false, reconnect: { initialDelayMs: 50, jitter: 0 } };
      window.resumer = window.track('resumer', options);
      window.resumer.t.onStatus((e) => { if (e.resumed) window.resumer.t.free(); });
      window.resumer.t.connect();
    }, f.server.ws('/ws/echo'));
    await waitForResumeFrames(2);
    await inject({ type: 'welcome', v: 1, session: 's9', resumed: false, after: 0 });
    await waitInPage(f.page, () => window.resumer.t.status === 'connected', null, { what: 'connected' });
    await dropAndWaitForResume(3);
    await inject({ type: 'welcome', v: 1, session: 's9', resumed: true, after: 0 });
    await waitInPage(f.page, () => window.resumer.t.debugResources().sockets === 0, null, { what: 'freed by the resumed listener' });
    const after = await f.page.evaluate(() => [window.gapper.t, window.resumer.t].map((t) => t.debugResources()));
    for (const resources of after) {
      expect(resources).toMatchObject({ sockets: 0, timers: 0, messageListeners: 0, statusListeners: 0, pendingAcks: 0 });
    }
  });
});

describe('resume: against the reference server', () => {
  it('a chat dropped midway resumes: every delta once and in order, assembling the result', async () => {
    const result = await f.page.evaluate(async (url) => {
      const rec = window.track('r', { url, resume: true, heartbeat: false, reconnect: { initialDelayMs: 50, jitter: 0 } });
      await rec.t.connect();
      rec.t.send({ type: 'chat', payload: { message: 'Compare NVDA and AMD', answer_tokens: 400 } });
      const deltas = () => rec.messages.filter((m) => m.type === 'message_delta').length;
      while (deltas() < 40) await new Promise((r) => setTimeout(r, 5));
      const droppedAfter = deltas();
      await fetch('/control/drop', { method: 'POST' });
      while (!rec.messages.some((m) => m.type === 'result')) await new Promise((r) => setTimeout(r, 20));
      const done = rec.messages.find((m) => m.type === 'result');
      const assembled = rec.messages.filter((m) => m.type === 'message_delta' && m.message_id === done.message_id).map((m) => m.delta).join('');
      const seqs = rec.messages.filter((m) => m.seq !== undefined).map((m) => m.seq);
      return {
        droppedAfter,
        deltas: deltas(),
        exact: assembled === done.content,
        consecutive: seqs.every((seq, i) => seq === seqs[0] + i),
        connected: rec.statuses.filter((s) => s.status === 'connected').map((s) => s.resumed),
        errors: rec.errors.map((e) => e.kind),
        snapshot: rec.t.getSnapshot(),
        lastSeq: seqs.at(-1),
      };
    }, f.server.ws('/ws/stream?delay_ms=5&tokens_per_sec=400'));
    expect(result.deltas, 'the drop came before the end of the answer').toBeGreaterThan(result.droppedAfter);
    expect(result.exact).toBe(true);
    expect(result.consecutive).toBe(true);
    expect(result.connected).toEqual([false, true]);
    expect(result.errors).toEqual([]);
    expect(result.snapshot).toMatchObject({ resumed: true, lastSeq: result.lastSeq });
    expect(result.snapshot.sessionId).toEqual(expect.any(String));
  });

  it('a run dropped midway continues after its last event instead of replaying from boot', async () => {
    const result = await f.page.evaluate(async (url) => {
      const rec = window.track('r', { url, resume: true, heartbeat: false, reconnect: { initialDelayMs: 50, jitter: 0 } });
      await rec.t.connect();
      while (rec.messages.length < 5) await new Promise((r) => setTimeout(r, 5));
      await fetch('/control/drop', { method: 'POST' });
      while (!rec.messages.some((m) => m.type === 'done')) await new Promise((r) => setTimeout(r, 20));
      const seqs = rec.messages.map((m) => m.seq);
      return {
        boots: rec.messages.filter((m) => m.type === 'boot').length,
        seqs,
        unique: new Set(seqs).size === seqs.length,
        connected: rec.statuses.filter((s) => s.status === 'connected').map((s) => s.resumed),
      };
    }, f.server.ws('/ws/runs/resume-run?delay_ms=20'));
    expect(result.boots).toBe(1);
    expect(result.unique).toBe(true);
    expect(result.seqs).toEqual(result.seqs.map((_, i) => i + 1));
    expect(result.connected).toEqual([false, true]);
  });

  it('close 1013 (try again later) reconnects and resumes', async () => {
    await f.page.evaluate(async (url) => {
      const rec = window.track('r', { url, resume: true, heartbeat: false, reconnect: { initialDelayMs: 50, jitter: 0 } });
      await rec.t.connect();
    }, f.server.ws('/ws/stream'));
    await f.server.control('close?code=1013');
    await waitInPage(f.page, () => window.rec.r.statuses.filter((s) => s.status === 'connected').length === 2, null, { what: 'reconnected' });
    const statuses = await f.page.evaluate(() => window.rec.r.statuses.map(({ status, code, resumed }) => ({ status, code, resumed })));
    expect(statuses).toContainEqual({ status: 'reconnecting', code: 1013, resumed: false });
    expect(statuses.at(-1)).toEqual({ status: 'connected', code: null, resumed: true });
  });

  it('after a server restart the session is unknown: a gap, then a fresh session', async () => {
    await f.page.evaluate(async (url) => {
      const rec = window.track('r', { url, resume: true, heartbeat: false, reconnect: { initialDelayMs: 100, maxDelayMs: 200, jitter: 0 } });
      await rec.t.connect();
      rec.t.send({ type: 'chat', payload: { message: 'hello', answer_tokens: 5 } });
      while (!rec.messages.some((m) => m.type === 'result')) await new Promise((r) => setTimeout(r, 20));
      window.before = rec.t.getSnapshot();
    }, f.server.ws('/ws/stream?delay_ms=0'));
    const port = f.server.port;
    await f.server.stop({ signal: 'SIGKILL' });
    f.server = await startServer({ port });
    await waitInPage(f.page, () => window.rec.r.statuses.filter((s) => s.status === 'connected').length === 2, null, { what: 'reconnected', timeout: 15_000 });
    const result = await f.page.evaluate(() => ({
      before: window.before,
      after: window.rec.r.t.getSnapshot(),
      errors: window.rec.r.errors.filter((e) => e.kind !== 'connection_failed').map(({ kind, expected, message }) => ({ kind, expected, message })),
    }));
    expect(result.before.lastSeq).toBeGreaterThan(0);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ kind: 'gap', expected: result.before.lastSeq + 1 });
    expect(result.errors[0].message).toContain('unknown');
    expect(result.after.sessionId).not.toBe(result.before.sessionId);
    expect(result.after).toMatchObject({ lastSeq: 0, resumed: false, status: 'connected' });
  });
});
