// Token auth against the reference server's /ws/mission: the token travels as the subprotocol
// pair ['token', <token>], and the server answers a bad one with close 4401.
import { describe, expect, it } from 'vitest';
import { sleep, useBrowserFixture } from './support/fixture.js';
import { waitInPage } from './support/browser.js';

const f = useBrowserFixture({ serverArgs: ['--token', 'good-token', '--mission-interval-ms', '100'] });

describe('token auth', () => {
  it('a good static token connects and receives signals', async () => {
    await f.page.evaluate(async (url) => {
      await window.track('m', { url, token: 'good-token' }).t.connect();
    }, f.server.ws('/ws/mission'));
    await waitInPage(f.page, () => window.rec.m.messages.length >= 2, null, { what: 'signals' });
    const result = await f.page.evaluate(() => ({
      types: [...new Set(window.rec.m.messages.map((m) => m.type))],
      status: window.rec.m.messages[0].payload.status,
      protocol: window.socketCensus.created.at(-1).protocol,
    }));
    expect(result.types).toEqual(['signal']);
    expect(['available', 'busy', 'offline']).toContain(result.status);
    expect(result.protocol).toBe('token');
  });

  it('a bad static token ends in error after one attempt', async () => {
    await f.page.evaluate((url) => {
      window.track('bad', { url, token: 'wrong', reconnect: { initialDelayMs: 20, jitter: 0 } }).t.connect().catch(() => {});
    }, f.server.ws('/ws/mission'));
    await waitInPage(f.page, () => window.rec.bad.t.status === 'error', null, { what: 'status error' });
    await sleep(300);
    expect((await f.server.log()).mission.connections).toBe(1);
    const error = await f.page.evaluate(() => window.rec.bad.errors.at(-1));
    expect(error).toMatchObject({ kind: 'rejected', code: 4401 });
  });

  it('a token function is asked again after a rejection, and the fresh token connects', async () => {
    const result = await f.page.evaluate(async (url) => {
      const handed = [];
      const tokens = ['expired-token', 'good-token'];
      const rec = window.track('fn', {
        url,
        token: async () => { const t = tokens.shift() ?? 'good-token'; handed.push(t); return t; },
      });
      await rec.t.connect(); // the first connection opens, then is closed with 4401
      await new Promise((resolve) => { const off = rec.t.on('signal', () => { off(); resolve(); }); });
      return { handed, statuses: rec.statuses.map((s) => s.status), status: rec.t.status };
    }, f.server.ws('/ws/mission'));
    expect(result.handed).toEqual(['expired-token', 'good-token']);
    expect(result.statuses).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
    expect(result.status).toBe('connected');
  });

  it('a token function that throws is reported and retried with backoff', async () => {
    const result = await f.page.evaluate(async (url) => {
      let calls = 0;
      const rec = window.track('throws', {
        url,
        reconnect: { initialDelayMs: 30, jitter: 0 },
        token: () => { calls += 1; if (calls < 3) throw new Error('auth service down'); return 'good-token'; },
      });
      await rec.t.connect();
      return { calls, kinds: rec.errors.map((e) => e.kind), message: rec.errors[0].message };
    }, f.server.ws('/ws/mission'));
    expect(result.calls).toBe(3);
    expect(result.kinds).toEqual(['token', 'token']);
    expect(result.message).toMatch(/auth service down/);
  });
});
