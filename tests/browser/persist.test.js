// queue.persist (the full build) in a real browser: what is queued or waits for an ack is in
// IndexedDB before send returns, survives a reload, and goes out once from the next page with
// the same ids; expired messages are reported; without the option nothing is written.
import { beforeEach, describe, expect, it } from 'vitest';
import { openTestPage } from './support/browser.js';
import { useContextFixture } from './support/fixture.js';


// Defined on every load of the page (reloads too): the outbox's records, read and cleared
// through a connection of our own (created as the transport creates it, should it be first).
const OUTBOX_HELPERS = () => {
  const withOutbox = (mode, use) => new Promise((resolve, reject) => {
    const open = indexedDB.open('agentwire', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('outbox');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('outbox', mode);
      const request = use(tx.objectStore('outbox'));
      tx.oncomplete = () => { db.close(); resolve(request.result); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    };
  });
  window.outbox = () => withOutbox('readonly', (store) => store.getAll());
  window.clearOutbox = () => withOutbox('readwrite', (store) => store.clear());
};

// One profile per test: its IndexedDB starts empty and survives the test's reloads.
const f = useContextFixture({
  initScript: OUTBOX_HELPERS,
  afterEachTest: (fixture) => fixture.server.control('refuse?ms=1'),
});

beforeEach(async () => {
  f.page = await openTestPage(f.context, f.server, { build: 'full' });
  f.pages.push(f.page);
});

async function reload() {
  await f.page.reload();
  await f.page.waitForFunction(() => window.agentwireReady === true, null, { timeout: 10_000 });
}

/** Polls `read()` until `done(value)`; returns the value. */
async function until(read, done, what, timeout = 10_000) {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const outbox = () => f.page.evaluate(() => window.outbox());
const RETRY = { initialDelayMs: 100, maxDelayMs: 200, jitter: 0 };

describe('queue.persist', () => {
  it('acknowledged sends made while the server refuses survive a reload and are acted on once each, in order', async () => {
    await f.server.control('refuse?ms=600000');
    const url = f.server.ws('/ws/stream');
    const options = { url, heartbeat: false, reconnect: RETRY, queue: { persist: true } };
    const first = await f.page.evaluate((options) => {
      const rec = window.track('r', options);
      rec.t.connect().catch(() => {});
      const ids = Array.from({ length: 5 }, (_, i) => `persisted-${i}`);
      for (const id of ids) rec.t.sendWithAck({ type: 'cancel', id, payload: {} }).catch(() => {});
      return { ids, queued: rec.t.getSnapshot().queued };
    }, options);
    expect(first.queued).toBe(5);
    const stored = await until(outbox, (records) => records.length === 5, 'the 5 records');
    expect(stored.map((r) => r.id)).toEqual(first.ids);
    expect(stored.map((r) => JSON.parse(r.frame).id)).toEqual(first.ids);

    await reload();
    await f.page.evaluate((options) => {
      const rec = window.track('r', options);
      rec.t.connect().catch(() => {});
    }, options);
    await f.server.control('refuse?ms=1');
    await until(async () => (await f.server.log()).stream.processed, (p) => p.length >= 5, 'the server to act on 5 ids');
    // Anything sent twice would be acted on by now too (and then show in `processed`).
    await new Promise((r) => setTimeout(r, 300));
    expect((await f.server.log()).stream.processed).toEqual(first.ids);
    await until(outbox, (records) => records.length === 0, 'the acknowledged records to be deleted');
    const after = await f.page.evaluate(() => ({
      status: window.rec.r.t.status,
      queued: window.rec.r.t.getSnapshot().queued,
      errors: window.rec.r.errors.map((e) => e.kind).filter((k) => k !== 'connection_failed'),
    }));
    expect(after).toEqual({ status: 'connected', queued: 0, errors: [] });
  });

  it('a plain send queued while the server refuses survives a reload and is received once', async () => {
    await f.server.control('refuse?ms=600000');
    const options = { url: f.server.ws('/ws/echo'), heartbeat: false, reconnect: RETRY, queue: { persist: { name: 'notes' } } };
    const outcome = await f.page.evaluate((options) => {
      const rec = window.track('r', options);
      rec.t.connect().catch(() => {});
      return rec.t.send({ type: 'note', text: 'kept across the reload' });
    }, options);
    expect(outcome).toBe('queued');
    await until(outbox, (records) => records.length === 1, 'the record');
    await reload();
    await f.page.evaluate((options) => { window.track('r', options).t.connect().catch(() => {}); }, options);
    await f.server.control('refuse?ms=1');
    await until(async () => (await f.server.log()).echo.received, (r) => r.length >= 1, 'the echo endpoint to receive it');
    await until(outbox, (records) => records.length === 0, 'the sent record to be deleted');
    await new Promise((r) => setTimeout(r, 200));
    expect((await f.server.log()).echo.received.map((frame) => JSON.parse(frame))).toEqual([{ type: 'note', text: 'kept across the reload' }]);
  });

  it('messages older than queue.maxAgeMs after the reload are reported as queue_expired and not sent', async () => {
    const options = { url: f.server.ws('/ws/echo'), heartbeat: false, queue: { persist: true, maxAgeMs: 200 } };
    await f.page.evaluate((options) => { window.track('r', options).t.send({ type: 'stale' }); }, options);
    await until(outbox, (records) => records.length === 1, 'the record');
    await new Promise((r) => setTimeout(r, 300));
    await reload();
    const errors = await f.page.evaluate(async (options) => {
      const rec = window.track('r', options);
      await rec.t.connect();
      await new Promise((r) => setTimeout(r, 50));
      return rec.errors.map((e) => ({ kind: e.kind, count: e.count }));
    }, options);
    expect(errors).toEqual([{ kind: 'queue_expired', count: 1 }]);
    await until(outbox, (records) => records.length === 0, 'the expired record to be deleted');
    await new Promise((r) => setTimeout(r, 100));
    expect((await f.server.log()).echo.received).toEqual([]);
  });

  it('without IndexedDB a persist error is reported once and the transport works without it', async () => {
    const result = await f.page.evaluate(async (url) => {
      Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
      const rec = window.track('r', { url, heartbeat: false, queue: { persist: true } });
      const outcome = rec.t.send({ type: 'in-memory' });
      await rec.t.connect();
      await new Promise((r) => setTimeout(r, 50));
      return { outcome, errors: rec.errors.map((e) => e.kind), status: rec.t.status };
    }, f.server.ws('/ws/echo'));
    expect(result).toEqual({ outcome: 'queued', errors: ['persist'], status: 'connected' });
    await until(async () => (await f.server.log()).echo.received, (r) => r.length === 1, 'the queued message');
  });

  it('a freed persisting transport lets go of its database and callbacks, and leaves its records', async () => {
    const result = await f.page.evaluate(async (url) => {
      // The module's one-time values (the clock, ...) first, so only the transport's show.
      const warmUp = new WebSocketTransport({ url });
      warmUp.send({ type: 'warm-up' });
      warmUp.free();
      const probe = new WebSocketTransport({ url });
      const baseline = probe.debugResources();
      const t = new WebSocketTransport({ url, heartbeat: false, queue: { persist: true } });
      t.send({ type: 'kept' });
      t.sendWithAck({ type: 'cancel', id: 'kept-too', payload: {} }).catch(() => {});
      while ((await window.outbox()).length < 2) await new Promise((r) => setTimeout(r, 10));
      const holding = probe.debugResources().liveJsValues - baseline.liveJsValues;
      t.free();
      await new Promise((r) => setTimeout(r, 100));
      const after = probe.debugResources();
      const records = (await window.outbox()).map((r) => r.id ?? JSON.parse(r.frame).type);
      probe.free();
      return { holding: holding > 0, jsValues: after.liveJsValues - baseline.liveJsValues, closures: after.closures - baseline.closures, records };
    }, f.server.ws('/ws/echo'));
    expect(result).toEqual({ holding: true, jsValues: 0, closures: 0, records: ['kept', 'kept-too'] });
  });

  it('without persist nothing is written', async () => {
    const result = await f.page.evaluate(async (url) => {
      const rec = window.track('r', { url, heartbeat: false });
      const outcome = rec.t.send({ type: 'not-kept' });
      const acked = rec.t.sendWithAck({ type: 'cancel', id: 'not-kept', payload: {} }).catch((e) => e.kind);
      await new Promise((r) => setTimeout(r, 100));
      const records = await window.outbox();
      rec.t.disconnect();
      return { outcome, records, acked: await acked };
    }, f.server.ws('/ws/echo'));
    expect(result).toEqual({ outcome: 'queued', records: [], acked: 'disconnected' });
  });
});
