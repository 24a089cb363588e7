// 1,000 reconnect cycles against a real server leave no sockets, closures, timers or
// listeners behind; free() releases the rest.
import { describe, expect, it } from 'vitest';
import { useBrowserFixture } from './support/fixture.js';

const f = useBrowserFixture();

describe('no leaks', () => {
  it('1000 reconnect cycles leave no sockets, handlers, timers or JS values behind', async () => {
    const result = await f.page.evaluate(async (url) => {
      const t = new WebSocketTransport({
        url,
        reconnect: { initialDelayMs: 0, maxDelayMs: 0, jitter: 0 },
        heartbeat: { intervalMs: 60_000, timeoutMs: 10_000 },
      });
      let received = 0;
      t.on('*', () => { received += 1; });
      t.onStatus(() => {});
      // The reconnect may complete before fetch() even resolves, so wait on the count.
      const reconnected = (count) => new Promise((resolve) => {
        const done = () => t.status === 'connected' && t.stats().reconnects >= count;
        if (done()) return resolve();
        const off = t.subscribe(() => { if (done()) { off(); resolve(); } });
      });
      await t.connect();
      await new Promise((r) => setTimeout(r, 0));
      const baseline = t.debugResources();
      const cycles = 1000;
      for (let i = 0; i < cycles; i++) {
        // The server may not have registered a connection the browser already sees open:
        // drop again until it cut one.
        while ((await (await fetch('/control/drop', { method: 'POST' })).json()).affected === 0) {
          await new Promise((r) => setTimeout(r, 1));
        }
        await reconnected(i + 1);
      }
      // Let pending notifications drain before counting.
      await new Promise((r) => setTimeout(r, 50));
      const after = t.debugResources();
      const sockets = window.socketCensus.created;
      const retired = sockets.slice(0, -1);
      const stillWired = retired.filter((s) => s.onmessage || s.onopen || s.onclose || s.onerror).length;
      const notClosed = retired.filter((s) => s.readyState !== WebSocket.CLOSED && s.readyState !== WebSocket.CLOSING).length;
      const timersBeforeFree = window.timerCensus.size;
      const stats = t.stats();
      t.free();
      await new Promise((r) => setTimeout(r, 50));
      const last = sockets.at(-1);
      return {
        baseline, after, created: sockets.length, stillWired, notClosed, timersBeforeFree,
        timersAfterFree: window.timerCensus.size, reconnects: stats.reconnects,
        lastSocketWired: Boolean(last.onmessage || last.onopen || last.onclose || last.onerror),
        lastSocketState: last.readyState,
      };
    }, f.server.ws('/ws/echo'));
    expect(result.created).toBe(1001);
    expect(result.reconnects).toBe(1000);
    expect(result.stillWired).toBe(0);
    expect(result.notClosed).toBe(0);
    // One socket, at most one timer (the heartbeat), the same listeners as before.
    expect(result.after).toMatchObject({
      sockets: 1,
      messageListeners: result.baseline.messageListeners,
      statusListeners: result.baseline.statusListeners,
      subscribers: result.baseline.subscribers,
      browserListeners: result.baseline.browserListeners,
      pendingConnects: 0,
      pendingNotifications: 0,
    });
    expect(result.after.timers).toBeLessThanOrEqual(1);
    expect(result.timersBeforeFree).toBeLessThanOrEqual(1);
    // JS values held by the wasm side do not grow with the number of reconnects.
    expect(result.after.liveJsValues - result.baseline.liveJsValues).toBeLessThan(20);
    expect(result.timersAfterFree).toBe(0);
    expect(result.lastSocketWired).toBe(false);
    expect(result.lastSocketState).toBeGreaterThanOrEqual(2);
  });

  it('free() removes the browser listeners it added', async () => {
    const result = await f.page.evaluate(() => {
      const added = [];
      const removed = [];
      const realAdd = window.addEventListener;
      const realRemove = window.removeEventListener;
      window.addEventListener = function (type, fn, opts) { added.push(type); return realAdd.call(this, type, fn, opts); };
      window.removeEventListener = function (type, fn, opts) { removed.push(type); return realRemove.call(this, type, fn, opts); };
      try {
        const t = new WebSocketTransport({ url: 'ws://127.0.0.1:1/x' });
        const during = t.debugResources().browserListeners;
        t.free();
        return { added, removed, during };
      } finally {
        window.addEventListener = realAdd;
        window.removeEventListener = realRemove;
      }
    });
    expect(result.added.sort()).toEqual(['offline', 'online']);
    expect(result.removed.sort()).toEqual(['offline', 'online']);
    expect(result.during).toBe(3);
  });

  it('freed and forgotten transports release their engines and the messages queued in them', async () => {
    const result = await f.page.evaluate(async () => {
      const queueSome = (t) => { for (let i = 0; i < 10; i++) t.send({ type: 'chat', n: i }); };
      const baseline = new WebSocketTransport({ url: 'ws://127.0.0.1:1/x' }).debugResources().liveJsValues;
      // Freed explicitly: 100 transports, each with 10 messages in its offline queue.
      for (let i = 0; i < 100; i++) {
        const t = new WebSocketTransport({ url: 'ws://127.0.0.1:1/x' });
        queueSome(t);
        t.free();
      }
      const afterFree = new WebSocketTransport({ url: 'ws://127.0.0.1:1/x' }).debugResources().liveJsValues;
      // Forgotten: never connected, so nothing keeps them; the collector's finalizer frees them.
      (() => { for (let i = 0; i < 100; i++) queueSome(new WebSocketTransport({ url: 'ws://127.0.0.1:1/x' })); })();
      const held = new WebSocketTransport({ url: 'ws://127.0.0.1:1/x' }).debugResources().liveJsValues;
      return { baseline, afterFree, held };
    });
    expect(result.afterFree - result.baseline).toBeLessThan(5);
    // The forgotten ones hold their 1,000 messages until they are collected.
    expect(result.held - result.baseline).toBeGreaterThanOrEqual(1000);
    const cdp = await f.page.context().newCDPSession(f.page);
    let live = Infinity;
    for (let i = 0; i < 50 && live - result.baseline >= 5; i++) {
      await cdp.send('HeapProfiler.collectGarbage');
      await new Promise((r) => setTimeout(r, 20));
      live = await f.page.evaluate(() => new WebSocketTransport({ url: 'ws://127.0.0.1:1/x' }).debugResources().liveJsValues);
    }
    expect(live - result.baseline).toBeLessThan(5);
  });

  it('1000 reconnect cycles leave none of the retired sockets\' closures, timers or listeners behind', async () => {
    const result = await f.page.evaluate(async (url) => {
      const t = new WebSocketTransport({
        url,
        reconnect: { initialDelayMs: 0, maxDelayMs: 0, jitter: 0 },
        heartbeat: { intervalMs: 60_000, timeoutMs: 10_000 },
      });
      t.on('*', () => {});
      t.onStatus(() => {});
      const reconnected = (count) => new Promise((resolve) => {
        const done = () => t.status === 'connected' && t.stats().reconnects >= count;
        if (done()) return resolve();
        const off = t.subscribe(() => { if (done()) { off(); resolve(); } });
      });
      await t.connect();
      await new Promise((r) => setTimeout(r, 0));
      const before = t.debugResources();
      for (let i = 0; i < 1000; i++) {
        while ((await (await fetch('/control/drop', { method: 'POST' })).json()).affected === 0) {
          await new Promise((r) => setTimeout(r, 1));
        }
        await reconnected(i + 1);
      }
      await new Promise((r) => setTimeout(r, 50));
      const after = t.debugResources();
      const timers = window.timerCensus.size;
      t.free();
      await new Promise((r) => setTimeout(r, 50));
      return { before, after, timers, freed: t.debugResources() };
    }, f.server.ws('/ws/echo'));
    // Closures the module holds (socket handlers, the timer's callback, the browser listeners):
    // the same before and after, so none of the 1,000 retired sockets' closures is left.
    expect(result.after.closures - result.before.closures).toBe(0);
    expect(result.after.drivers).toBe(result.before.drivers);
    expect(result.after.sockets).toBe(1);
    expect(result.after.timers).toBe(result.before.timers);
    expect(result.timers).toBeLessThanOrEqual(1);
    // free() gives back the socket's three handlers, the timer and the three browser listeners.
    expect(result.before.closures - result.freed.closures).toBe(7);
    expect(result.freed).toMatchObject({ sockets: 0, timers: 0, messageListeners: 0, browserListeners: 0 });
  });

  it('forgotten transports are collected with their drivers, connected ones only once they settle', async () => {
    const cdp = await f.page.context().newCDPSession(f.page);
    const drivers = () => f.page.evaluate(() => {
      const probe = new WebSocketTransport({ url: 'ws://127.0.0.1:1/x' });
      const count = probe.debugResources().drivers;
      probe.free();
      return count - 1;
    });
    const baseline = await drivers();
    await f.page.evaluate(async (url) => {
      for (let i = 0; i < 50; i++) new WebSocketTransport({ url: 'ws://127.0.0.1:1/x' });
      window.live = new WebSocketTransport({ url });
      window.liveMessages = [];
      window.live.on('*', (m) => window.liveMessages.push(m));
      await window.live.connect();
      window.live = null; // forgotten too, but its connection is live
    }, f.server.ws('/ws/echo'));
    expect(await drivers()).toBeGreaterThanOrEqual(baseline + 51);
    let count = Infinity;
    for (let i = 0; i < 50 && count > baseline + 1; i++) {
      await cdp.send('HeapProfiler.collectGarbage');
      await new Promise((r) => setTimeout(r, 20));
      count = await drivers();
    }
    // The 50 idle ones are gone; the connected one lives on, and still delivers.
    expect(count).toBe(baseline + 1);
    await f.server.control('send?endpoint=echo', JSON.stringify({ type: 'still', n: 1 }));
    await expect.poll(() => f.page.evaluate(() => window.liveMessages.length)).toBe(1);
    // Closed by the server for good: it settles, and is released.
    await f.server.control('close?code=1000');
    await expect.poll(async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return drivers();
    }).toBe(baseline);
  });
});
