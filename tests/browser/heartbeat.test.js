// Dead-connection detection against a real half-open peer: the server stops reading and writing
// but keeps the TCP connection open, so the browser never sees a close.
import { describe, expect, it } from 'vitest';
import { useBrowserFixture } from './support/fixture.js';
import { waitInPage } from './support/browser.js';

const f = useBrowserFixture();

describe('heartbeat', () => {
  it('notices a silent server within interval + timeout and reconnects', async () => {
    await f.page.evaluate(async (url) => {
      const rec = window.track('hb', {
        url,
        heartbeat: { intervalMs: 400, timeoutMs: 400 },
        reconnect: { initialDelayMs: 50, maxDelayMs: 50, jitter: 0 },
      });
      await rec.t.connect();
    }, f.server.ws('/ws/echo'));
    const silencedAt = Date.now();
    await f.server.control('silence');
    await waitInPage(f.page, () => window.rec.hb.errors.some((e) => e.kind === 'heartbeat_timeout'), null, { what: 'heartbeat timeout' });
    const detectedAfter = Date.now() - silencedAt;
    await waitInPage(f.page, () => window.rec.hb.t.status === 'connected' && window.rec.hb.t.stats().reconnects === 1, null, { what: 'reconnected' });
    // The ping goes out after 400 ms of silence, death is declared 400 ms later.
    expect(detectedAfter).toBeGreaterThanOrEqual(700);
    expect(detectedAfter).toBeLessThan(2500);
    const log = await f.server.log();
    expect(log.echo.connections).toBe(2);
    const stats = await f.page.evaluate(() => window.rec.hb.t.stats());
    expect(stats.pingsSent).toBeGreaterThanOrEqual(1);
  });

  it('measures latency from pong replies and keeps them away from listeners', async () => {
    // /ws/stream answers {"type":"ping"} with {"type":"pong"}.
    const result = await f.page.evaluate(async (url) => {
      const rec = window.track('lat', { url, heartbeat: { intervalMs: 200, timeoutMs: 1000 } });
      await rec.t.connect();
      await new Promise((resolve) => {
        const off = rec.t.subscribe(() => { if (rec.t.getSnapshot().latencyMs !== null) { off(); resolve(); } });
      });
      return { latency: rec.t.getSnapshot().latencyMs, types: rec.messages.map((m) => m.type), pongs: rec.t.stats().pongsReceived };
    }, f.server.ws('/ws/stream'));
    expect(result.latency).toBeGreaterThanOrEqual(0);
    expect(result.latency).toBeLessThan(1000);
    expect(result.types).not.toContain('pong');
    expect(result.pongs).toBeGreaterThanOrEqual(1);
  });

  it('answers a server ping with a pong at once, without dispatching it', async () => {
    await f.page.evaluate(async (url) => {
      const rec = window.track('sp', { url });
      await rec.t.connect();
    }, f.server.ws('/ws/echo'));
    await f.server.control('send?endpoint=echo', '{"type":"ping","timestamp":"now"}');
    await waitInPage(f.page, () => window.rec.sp.t.stats().messagesIn >= 1, null, { what: 'the ping' });
    // The echo endpoint logs what it receives: the pong.
    let log;
    for (let i = 0; i < 50; i++) {
      log = await f.server.log();
      if (log.echo.received.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(log.echo.received).toEqual(['{"type":"pong"}']);
    const messages = await f.page.evaluate(() => window.rec.sp.messages);
    expect(messages.filter((m) => m.type !== 'pong')).toEqual([]);
  });

  it('with heartbeat: false, ping frames reach listeners like any message', async () => {
    await f.page.evaluate(async (url) => {
      const rec = window.track('off', { url, heartbeat: false });
      await rec.t.connect();
    }, f.server.ws('/ws/echo'));
    await f.server.control('send?endpoint=echo', '{"type":"ping"}');
    await waitInPage(f.page, () => window.rec.off.messages.length === 1, null, { what: 'the ping as a message' });
    expect(await f.page.evaluate(() => window.rec.off.messages)).toEqual([{ type: 'ping' }]);
  });
});
