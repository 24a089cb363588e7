// A transport's lifetime: like a browser WebSocket, one the app keeps no reference to goes on
// working while its connection is live; free() ends it at once, and is harmless to repeat.
import { describe, expect, it } from 'vitest';
import { sleep, useBrowserFixture } from './support/fixture.js';

const f = useBrowserFixture();

/** Forces collections until the page's FinalizationRegistry saw `window.collected` set. */
async function collectUntilFinalized(page) {
  const cdp = await page.context().newCDPSession(page);
  for (let i = 0; i < 50; i++) {
    await cdp.send('HeapProfiler.collectGarbage');
    await sleep(20);
    if (await page.evaluate(() => window.collected)) return true;
  }
  return false;
}

describe('transport lifetime', () => {
  it('keeps delivering after the app dropped its last reference, until the server ends it', async () => {
    await f.page.evaluate(async (url) => {
      window.received = [];
      window.statuses = [];
      window.collected = false;
      const registry = new FinalizationRegistry(() => { window.collected = true; });
      window.registry = registry; // a collected registry would never call back
      // Everything in here becomes unreachable when this function returns, except through
      // the listeners' own closures (which do not reference the transport).
      await (async () => {
        const t = new WebSocketTransport({ url, heartbeat: false });
        t.on('note', (m) => window.received.push(m.n));
        t.onStatus((e) => window.statuses.push(e.status));
        registry.register(t, 'transport');
        await t.connect();
      })();
    }, f.server.ws('/ws/echo'));

    expect(await collectUntilFinalized(f.page), 'the JS object was garbage-collected').toBe(true);
    await f.server.control('send?endpoint=echo', JSON.stringify({ type: 'note', n: 1 }));
    await expect.poll(() => f.page.evaluate(() => window.received)).toEqual([1]);

    // A drop is repaired as usual: the transport is still whole, not just its socket.
    await f.server.control('drop');
    await expect.poll(() => f.page.evaluate(() => window.statuses.at(-1))).toBe('connected');
    await f.server.control('send?endpoint=echo', JSON.stringify({ type: 'note', n: 2 }));
    await expect.poll(() => f.page.evaluate(() => window.received)).toEqual([1, 2]);

    // Closed by the server for good: the transport settles and lets go of its socket.
    await f.server.control('close?code=1000');
    await expect.poll(() => f.page.evaluate(() => window.statuses.at(-1))).toBe('disconnected');
    const sockets = await f.page.evaluate(() => window.socketCensus.created.map((s) => ({
      state: s.readyState, wired: Boolean(s.onmessage || s.onopen || s.onclose || s.onerror),
    })));
    expect(sockets.length).toBe(2);
    expect(sockets.every((s) => s.state === 3 && !s.wired)).toBe(true);
    expect(await f.page.evaluate(() => window.statuses)).toEqual(
      ['connecting', 'connected', 'reconnecting', 'connected', 'disconnected'],
    );
  });

  it('free() ends a live connection at once; methods called afterwards do no harm', async () => {
    const result = await f.page.evaluate(async (url) => {
      const t = new WebSocketTransport({ url });
      await t.connect();
      const socket = window.socketCensus.created.at(-1);
      t.free();
      t.free();
      const afterFree = { status: t.status, snapshot: t.getSnapshot().status, send: t.send({ type: 'x' }) };
      const connectError = await t.connect().then(() => 'resolved', (e) => e.message);
      t.disconnect();
      await new Promise((r) => setTimeout(r, 50));
      return {
        ...afterFree, connectError, socketState: socket.readyState,
        socketsCreated: window.socketCensus.created.length, stats: t.stats(),
      };
    }, f.server.ws('/ws/echo'));
    expect(result.status).toBe('disconnected');
    expect(result.snapshot).toBe('disconnected');
    expect(result.send).toBe('dropped');
    expect(result.connectError).toMatch(/freed/);
    expect(result.socketState).toBeGreaterThanOrEqual(2); // closing or closed
    expect(result.socketsCreated).toBe(1);
    expect(result.stats.messagesOut).toBe(0);
  });
});
