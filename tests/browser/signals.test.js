// The browser's connectivity signals: online/offline, and a hidden tab coming back.
import { describe, expect, it } from 'vitest';
import { sleep, useBrowserFixture } from './support/fixture.js';
import { waitInPage } from './support/browser.js';

const f = useBrowserFixture();

describe('browser signals', () => {
  it('going online retries at once instead of waiting out the backoff', async () => {
    await f.page.evaluate(async (url) => {
      const rec = window.track('on', { url, reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 } });
      await rec.t.connect();
    }, f.server.ws('/ws/echo'));
    await f.server.control('drop');
    await waitInPage(f.page, () => window.rec.on.t.status === 'reconnecting', null, { what: 'reconnecting' });
    await sleep(200);
    expect(await f.page.evaluate(() => window.rec.on.t.status)).toBe('reconnecting');
    await f.page.evaluate(() => window.dispatchEvent(new Event('online')));
    await waitInPage(f.page, () => window.rec.on.t.status === 'connected', null, { what: 'connected right after online', timeout: 3000 });
  });

  it('offline and online are reflected in the snapshot', async () => {
    const result = await f.page.evaluate(async () => {
      const t = new WebSocketTransport({ url: 'ws://127.0.0.1:1/x' });
      const seen = [t.getSnapshot().online];
      window.dispatchEvent(new Event('offline'));
      seen.push(t.getSnapshot().online);
      window.dispatchEvent(new Event('online'));
      seen.push(t.getSnapshot().online);
      t.free();
      return seen;
    });
    expect(result).toEqual([true, false, true]);
  });

  it('a tab becoming visible checks the heartbeat at once, even when its timers never ran', async () => {
    await f.page.evaluate(async (url) => {
      // A frozen background tab: timers that come due do not run (they are held).
      window.frozen = false;
      window.heldTimers = [];
      const nativeSetTimeout = window.setTimeout;
      window.setTimeout = (fn, ms, ...args) => nativeSetTimeout(() => {
        if (window.frozen) window.heldTimers.push(fn); else fn(...args);
      }, ms);
      const rec = window.track('vis', {
        url,
        heartbeat: { intervalMs: 200, timeoutMs: 200 },
        reconnect: { initialDelayMs: 0, maxDelayMs: 0, jitter: 0 },
      });
      await rec.t.connect();
      window.frozen = true;
    }, f.server.ws('/ws/echo'));
    await f.server.control('silence');
    await sleep(300);
    expect(await f.page.evaluate(() => window.rec.vis.t.stats().pingsSent)).toBe(0);
    await f.page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    expect(await f.page.evaluate(() => window.rec.vis.t.stats().pingsSent)).toBe(1);
    await sleep(300);
    await f.page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await waitInPage(f.page, () => window.rec.vis.errors.some((e) => e.kind === 'heartbeat_timeout'), null, { what: 'the dead connection noticed' });
  });
});
