// What the transport does with each kind of close from a real server.
import { describe, expect, it } from 'vitest';
import { sleep, useBrowserFixture } from './support/fixture.js';
import { waitInPage } from './support/browser.js';

const f = useBrowserFixture();
const quickRetry = { initialDelayMs: 50, maxDelayMs: 50, jitter: 0 };

async function connectTracked(name, options) {
  await f.page.evaluate(async ([name, options]) => {
    await window.track(name, options).t.connect();
  }, [name, options]);
}

describe('close codes', () => {
  it('4401 from the server ends in error with no further attempts', async () => {
    await connectTracked('c', { url: f.server.ws('/ws/echo'), reconnect: quickRetry });
    await f.server.control('close?code=4401&reason=expired');
    await waitInPage(f.page, () => window.rec.c.t.status === 'error', null, { what: 'status error' });
    await sleep(500);
    expect((await f.server.log()).echo.connections).toBe(1);
    const last = await f.page.evaluate(() => ({ status: window.rec.c.statuses.at(-1), kinds: window.rec.c.errors.map((e) => e.kind) }));
    expect(last.status).toMatchObject({ status: 'error', previous: 'connected', code: 4401, reason: 'expired' });
    expect(last.kinds).toEqual(['rejected']);
  });

  it('1000 from the server ends in disconnected with no further attempts', async () => {
    await connectTracked('c', { url: f.server.ws('/ws/echo'), reconnect: quickRetry });
    await f.server.control('close?code=1000&reason=done');
    await waitInPage(f.page, () => window.rec.c.t.status === 'disconnected', null, { what: 'status disconnected' });
    await sleep(500);
    expect((await f.server.log()).echo.connections).toBe(1);
    expect(await f.page.evaluate(() => window.rec.c.t.send({ type: 'late' }))).toBe('dropped');
  });

  it('a run that ends with a clean close leaves the transport disconnected after all its events', async () => {
    await f.page.evaluate(async ([url, reconnect]) => {
      await window.track('run', { url, reconnect }).t.connect();
    }, [f.server.ws('/ws/runs/run-42?delay_ms=0'), quickRetry]);
    await waitInPage(f.page, () => window.rec.run.t.status === 'disconnected', null, { what: 'the end of the run' });
    const types = await f.page.evaluate(() => window.rec.run.messages.map((m) => m.type));
    expect(types[0]).toBe('boot');
    expect(types.at(-1)).toBe('done');
    expect((await f.server.log()).runs.connections).toBe(1);
  });

  for (const code of [1001, 1011, 1012, 4000]) {
    it(`${code} from the server reconnects`, async () => {
      await connectTracked('c', { url: f.server.ws('/ws/echo'), reconnect: quickRetry });
      await f.server.control(`close?code=${code}`);
      await waitInPage(f.page, () => window.rec.c.t.stats().reconnects === 1 && window.rec.c.t.status === 'connected', null, { what: 'the reconnect' });
      const reconnecting = await f.page.evaluate(() => window.rec.c.statuses.find((s) => s.status === 'reconnecting'));
      expect(reconnecting.code).toBe(code);
    });
  }

  it('disconnect() closes with the given code and does not reconnect', async () => {
    await connectTracked('c', { url: f.server.ws('/ws/echo'), reconnect: quickRetry });
    await f.page.evaluate(() => window.rec.c.t.disconnect(4001, 'user left'));
    await sleep(300);
    const status = await f.page.evaluate(() => window.rec.c.t.status);
    expect(status).toBe('disconnected');
    expect((await f.server.log()).echo.connections).toBe(1);
  });

  it('rejects close codes a browser cannot send', async () => {
    const errors = await f.page.evaluate(() => {
      const t = new WebSocketTransport({ url: 'ws://127.0.0.1:9/x' });
      const errors = [];
      for (const args of [[1001], [2999], [5000], ['1000'], [1000, 'x'.repeat(124)], [1000, 7]]) {
        try { t.disconnect(...args); errors.push('no error'); } catch (e) { errors.push(e.constructor.name); }
      }
      t.free();
      return errors;
    });
    expect(errors).toEqual(['RangeError', 'RangeError', 'RangeError', 'TypeError', 'RangeError', 'TypeError']);
  });
});
