// sendWithAck in a real browser. First the client's half against the reference server's echo
// endpoint, with the server's acks injected through its chaos control (/control/send): ids,
// resolving, re-sending after a drop, and every way the promise rejects.
import { describe, expect, it } from 'vitest';
import { waitInPage } from './support/browser.js';
import { useBrowserFixture } from './support/fixture.js';

const f = useBrowserFixture();

/** The frames the echo endpoint received, parsed. */
async function echoed() {
  return (await f.server.log()).echo.received.map((frame) => JSON.parse(frame));
}

async function waitForEchoed(count) {
  for (let i = 0; i < 500; i++) {
    const frames = await echoed();
    if (frames.length >= count) return frames;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the server never received ${count} frames`);
}

/** Settles `promise` into `{ ok, value }` or `{ ok: false, kind, message, isError }`, in the page. */
const SETTLE = `window.settle = (promise) => promise.then(
  (value) => ({ ok: true, value }),
  (error) => ({ ok: false, kind: error.kind, message: error.message, isError: error instanceof Error }),
);`;

describe('sendWithAck: the client half', () => {
  it('adds a generated id to a copy, resolves with the ack, and keeps acks from listeners', async () => {
    await f.page.evaluate(async ([url, settle]) => {
      eval(settle);
      const rec = window.track('r', { url, heartbeat: false });
      await rec.t.connect();
      window.message = { type: 'chat', payload: { message: 'hi' } };
      window.outcome = null;
      window.settle(rec.t.sendWithAck(window.message)).then((o) => { window.outcome = o; });
    }, [f.server.ws('/ws/echo'), SETTLE]);
    const [sent] = await waitForEchoed(1);
    expect(sent.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sent.payload).toEqual({ message: 'hi' });
    await f.server.control('send?endpoint=echo', JSON.stringify({ type: 'ack', id: sent.id }));
    await waitInPage(f.page, () => window.outcome !== null, null, { what: 'the promise to settle' });
    const result = await f.page.evaluate(() => ({
      outcome: window.outcome,
      original: window.message,
      types: window.rec.r.messages.map((m) => m.type),
      pendingAcks: window.rec.r.t.debugResources().pendingAcks,
    }));
    expect(result.outcome).toEqual({ ok: true, value: { type: 'ack', id: sent.id } });
    expect(result.original, "the app's object is not changed").toEqual({ type: 'chat', payload: { message: 'hi' } });
    expect(result.types, 'the echoed chat reaches listeners, the ack does not').toEqual(['chat']);
    expect(result.pendingAcks).toBe(0);
  });

  it('re-sends an unacknowledged message after a drop, before newer ones, with the same id', async () => {
    await f.page.evaluate(async ([url, settle]) => {
      eval(settle);
      const rec = window.track('r', { url, heartbeat: false, reconnect: { initialDelayMs: 50, jitter: 0 } });
      await rec.t.connect();
      window.outcome = null;
      window.settle(rec.t.sendWithAck({ type: 'chat', id: 'c-1' })).then((o) => { window.outcome = o; });
    }, [f.server.ws('/ws/echo'), SETTLE]);
    await waitForEchoed(1);
    while ((await f.server.control('drop')).affected === 0) await new Promise((r) => setTimeout(r, 5));
    await waitInPage(f.page, () => window.rec.r.t.status === 'reconnecting', null, { what: 'reconnecting' });
    await f.page.evaluate(() => window.rec.r.t.send({ type: 'newer' }));
    await waitInPage(f.page, () => window.rec.r.t.status === 'connected', null, { what: 'reconnected' });
    const frames = await waitForEchoed(3);
    expect(frames.map((m) => m.id ?? m.type)).toEqual(['c-1', 'c-1', 'newer']);
    await f.server.control('send?endpoint=echo', JSON.stringify({ type: 'ack', id: 'c-1', duplicate: true }));
    await waitInPage(f.page, () => window.outcome !== null, null, { what: 'the promise to settle' });
    expect(await f.page.evaluate(() => window.outcome)).toEqual({ ok: true, value: { type: 'ack', id: 'c-1', duplicate: true } });
  });

  it('rejects on timeout, disconnect(), free() and queue overflow, each with its kind', async () => {
    const outcomes = await f.page.evaluate(async ([url, settle]) => {
      eval(settle);
      const t = new WebSocketTransport({ url, heartbeat: false });
      await t.connect();
      // The echo server answers with the message itself, never an ack.
      const timeout = await window.settle(t.sendWithAck({ type: 'chat' }, { timeoutMs: 100 }));
      const pendingDisconnect = window.settle(t.sendWithAck({ type: 'chat' }));
      t.disconnect();
      const disconnected = await pendingDisconnect;
      const afterStop = await window.settle(t.sendWithAck({ type: 'chat' }));
      await t.connect();
      const pendingFree = window.settle(t.sendWithAck({ type: 'chat' }));
      t.free();
      const freed = await pendingFree;
      const afterFree = await window.settle(t.sendWithAck({ type: 'chat' }));

      const offline = new WebSocketTransport({ url, queue: { maxMessages: 1 } });
      const dropped = window.settle(offline.sendWithAck({ type: 'first' }));
      const kept = window.settle(offline.sendWithAck({ type: 'second' }, { timeoutMs: 50 }));
      const overflow = await dropped;
      const keptOutcome = await kept;
      const noQueue = await window.settle(new WebSocketTransport({ url, queue: false }).sendWithAck({ type: 'x' }));
      offline.free();
      return { timeout, disconnected, afterStop, freed, afterFree, overflow, keptOutcome, noQueue };
    }, [f.server.ws('/ws/echo'), SETTLE]);
    expect(outcomes.timeout).toMatchObject({ ok: false, kind: 'ack_timeout', isError: true });
    expect(outcomes.timeout.message).toContain('100 ms');
    expect(outcomes.disconnected).toMatchObject({ ok: false, kind: 'disconnected' });
    expect(outcomes.afterStop).toMatchObject({ ok: false, kind: 'disconnected' });
    expect(outcomes.freed).toMatchObject({ ok: false, kind: 'freed' });
    expect(outcomes.afterFree).toMatchObject({ ok: false, kind: 'freed' });
    expect(outcomes.overflow).toMatchObject({ ok: false, kind: 'queue_overflow' });
    expect(outcomes.keptOutcome).toMatchObject({ ok: false, kind: 'ack_timeout' });
    expect(outcomes.noQueue).toMatchObject({ ok: false, kind: 'queue_overflow' });
  });

  it('bad arguments throw; a message JSON cannot write rejects with serialize', async () => {
    const result = await f.page.evaluate(async ([url, settle]) => {
      eval(settle);
      const t = new WebSocketTransport({ url, ackIdField: 'message_id' });
      const thrown = (call) => { try { call(); return null; } catch (e) { return `${e.name}: ${e.message}`; } };
      const cyclic = { type: 'chat' };
      cyclic.self = cyclic;
      const out = {
        notObject: thrown(() => t.sendWithAck('{"type":"chat"}')),
        badId: thrown(() => t.sendWithAck({ type: 'chat', message_id: 7 })),
        badTimeout: thrown(() => t.sendWithAck({ type: 'chat' }, { timeoutMs: -1 })),
        badOptions: thrown(() => t.sendWithAck({ type: 'chat' }, { timeoutMs: '5s' })),
        serialize: await window.settle(t.sendWithAck(cyclic)),
      };
      t.free();
      return out;
    }, [f.server.ws('/ws/echo'), SETTLE]);
    expect(result.notObject).toMatch(/^TypeError: AgentWire: sendWithAck\(message\): message must be an object/);
    expect(result.badId).toMatch(/^TypeError: .*message\.message_id .* must be a non-empty string/);
    expect(result.badTimeout).toMatch(/^RangeError: .*timeoutMs/);
    expect(result.badOptions).toMatch(/^TypeError: .*timeoutMs/);
    expect(result.serialize).toMatchObject({ ok: false, kind: 'serialize' });
  });

  it('settled acknowledged sends leave no promises, timers or JS values behind', async () => {
    const result = await f.page.evaluate(async ([url, settle]) => {
      eval(settle);
      const t = new WebSocketTransport({ url, heartbeat: false });
      await t.connect();
      await window.settle(t.sendWithAck({ type: 'warm-up' }, { timeoutMs: 20 }));
      await new Promise((r) => setTimeout(r, 20));
      const baseline = t.debugResources();
      for (let round = 0; round < 10; round++) {
        await Promise.all(Array.from({ length: 50 }, (_, i) => window.settle(t.sendWithAck({ type: 'chat', i }, { timeoutMs: 20 }))));
      }
      await new Promise((r) => setTimeout(r, 50));
      const after = t.debugResources();
      t.free();
      await new Promise((r) => setTimeout(r, 20));
      return { baseline, after, freed: t.debugResources() };
    }, [f.server.ws('/ws/echo'), SETTLE]);
    expect(result.after.pendingAcks).toBe(0);
    expect(result.after.timers).toBe(0);
    expect(result.after.liveJsValues - result.baseline.liveJsValues).toBeLessThan(20);
    expect(result.freed).toMatchObject({ sockets: 0, timers: 0, pendingAcks: 0 });
  });
});

describe('sendWithAck: against the reference server', () => {
  it('100 acknowledged sends with a drop in the middle all resolve, and the server acts on each id once, in order', async () => {
    const result = await f.page.evaluate(async ([url, settle]) => {
      eval(settle);
      const t = new WebSocketTransport({ url, resume: true, heartbeat: false, reconnect: { initialDelayMs: 50, jitter: 0 } });
      await t.connect();
      const ids = Array.from({ length: 100 }, (_, i) => `m-${i}`);
      const outcomes = ids.slice(0, 50).map((id) => window.settle(t.sendWithAck({ type: 'cancel', id, payload: {} })));
      await fetch('/control/drop', { method: 'POST' });
      outcomes.push(...ids.slice(50).map((id) => window.settle(t.sendWithAck({ type: 'cancel', id, payload: {} }))));
      const settled = await Promise.all(outcomes);
      const out = { ids, settled, reconnects: t.stats().reconnects, pendingAcks: t.debugResources().pendingAcks };
      t.free();
      return out;
    }, [f.server.ws('/ws/stream'), SETTLE]);
    expect(result.settled.filter((o) => !o.ok)).toEqual([]);
    expect(result.settled.map((o) => o.value.id)).toEqual(result.ids);
    expect(result.reconnects).toBe(1);
    expect(result.pendingAcks).toBe(0);
    const log = await f.server.log();
    expect(log.stream.processed).toEqual(result.ids);
  });

  it('an ack lost with its socket is recovered by the re-send: resolved as a duplicate, acted on once', async () => {
    await f.page.evaluate(async ([url, settle]) => {
      eval(settle);
      const rec = window.track('r', { url, resume: true, heartbeat: false, reconnect: { initialDelayMs: 50, jitter: 0 } });
      await rec.t.connect();
      window.outcome = null;
      // Every frame the server sends now leaves 2 s late: the ack is still on its way when the socket drops.
      await fetch('/control/delay?ms=2000', { method: 'POST' });
      window.settle(rec.t.sendWithAck({ type: 'cancel', id: 'lost-ack', payload: {} })).then((o) => { window.outcome = o; });
    }, [f.server.ws('/ws/stream'), SETTLE]);
    for (let i = 0; !(await f.server.log()).stream.processed.includes('lost-ack'); i++) {
      if (i > 500) throw new Error('the server never acted on the message');
      await new Promise((r) => setTimeout(r, 10));
    }
    await f.server.control('drop');
    await f.server.control('delay?ms=0');
    await waitInPage(f.page, () => window.outcome !== null, null, { what: 'the promise to settle', timeout: 15_000 });
    const outcome = await f.page.evaluate(() => window.outcome);
    expect(outcome).toEqual({ ok: true, value: { type: 'ack', id: 'lost-ack', duplicate: true } });
    const log = await f.server.log();
    expect(log.stream.processed).toEqual(['lost-ack']);
    const sent = log.stream.received.map((frame) => JSON.parse(frame)).filter((m) => m.id === 'lost-ack');
    expect(sent, 'sent twice: once, then again after the reconnect').toHaveLength(2);
  });
});
