// Round trips through the reference server's echo endpoint.
import { describe, expect, it } from 'vitest';
import { useBrowserFixture } from './support/fixture.js';
import { waitInPage } from './support/browser.js';

const f = useBrowserFixture();

describe('echo round trip', () => {
  it('connects, sends objects and strings, and receives them back as JS values', async () => {
    const url = f.server.ws('/ws/echo');
    const result = await f.page.evaluate(async (url) => {
      const rec = window.track('echo', { url });
      await rec.t.connect();
      const sent = [rec.t.send({ type: 'hello', n: 1, nested: { ok: true } }), rec.t.send('{"type":"raw","text":"é€😀"}')];
      return { sent, status: rec.t.status };
    }, url);
    expect(result).toEqual({ sent: ['sent', 'sent'], status: 'connected' });
    await waitInPage(f.page, () => window.rec.echo.messages.length === 2, null, { what: 'two echoes' });
    const messages = await f.page.evaluate(() => window.rec.echo.messages);
    expect(messages).toEqual([
      { type: 'hello', n: 1, nested: { ok: true } },
      { type: 'raw', text: 'é€😀' },
    ]);
    const log = await f.server.log();
    expect(log.echo.received).toEqual(['{"type":"hello","n":1,"nested":{"ok":true}}', '{"type":"raw","text":"é€😀"}']);
  });

  it('dispatches to listeners of the type in order, then to wildcard listeners', async () => {
    const url = f.server.ws('/ws/echo');
    const order = await f.page.evaluate(async (url) => {
      const t = new WebSocketTransport({ url });
      const order = [];
      t.on('*', (m) => order.push(`star:${m.type}`));
      t.on('a', () => order.push('a1'));
      t.on('b', () => order.push('b'));
      t.on('a', () => order.push('a2'));
      await t.connect();
      t.send({ type: 'a' });
      t.send({ type: 'b' });
      await new Promise((resolve) => t.on('b', () => setTimeout(resolve, 0)));
      t.free();
      return order;
    }, url);
    expect(order).toEqual(['a1', 'a2', 'star:a', 'b', 'star:b']);
  });

  it('reports statuses through onStatus, the status getter and the snapshot', async () => {
    const url = f.server.ws('/ws/echo');
    const seen = await f.page.evaluate(async (url) => {
      const rec = window.track('s', { url });
      const before = rec.t.getSnapshot();
      const idle = rec.t.status;
      await rec.t.connect();
      await new Promise((r) => setTimeout(r, 0));
      const connected = rec.t.getSnapshot();
      rec.t.disconnect();
      await new Promise((r) => setTimeout(r, 0));
      return {
        idle,
        before: before.status,
        connected: connected.status,
        connectedAt: typeof connected.connectedAt,
        sameObject: rec.t.getSnapshot() === rec.t.getSnapshot(),
        frozen: Object.isFrozen(connected),
        statuses: rec.statuses.map((e) => [e.previous, e.status]),
        final: rec.t.status,
        url: connected.url,
      };
    }, url);
    expect(seen).toEqual({
      idle: 'idle',
      before: 'idle',
      connected: 'connected',
      connectedAt: 'number',
      sameObject: true,
      frozen: true,
      statuses: [['idle', 'connecting'], ['connecting', 'connected'], ['connected', 'disconnected']],
      final: 'disconnected',
      url,
    });
  });

  it('keeps handing out the same snapshot object while messages stream in', async () => {
    const url = f.server.ws('/ws/echo');
    const result = await f.page.evaluate(async (url) => {
      const rec = window.track('snap', { url });
      await rec.t.connect();
      await new Promise((r) => setTimeout(r, 0));
      const first = rec.t.getSnapshot();
      const notificationsBefore = rec.notifications;
      for (let i = 0; i < 200; i++) rec.t.send({ type: 'tick', i });
      await new Promise((resolve) => { const off = rec.t.on('tick', (m) => { if (m.i === 199) { off(); resolve(); } }); });
      return { same: first === rec.t.getSnapshot(), extraNotifications: rec.notifications - notificationsBefore, stats: rec.t.stats() };
    }, url);
    expect(result.same).toBe(true);
    expect(result.extraNotifications).toBe(0);
    expect(result.stats.messagesIn).toBe(200);
    expect(result.stats.messagesOut).toBe(200);
  });

  it('lets subscribe and getSnapshot be passed around unbound, as useSyncExternalStore does', async () => {
    const url = f.server.ws('/ws/echo');
    const result = await f.page.evaluate(async (url) => {
      const t = new WebSocketTransport({ url });
      const { subscribe, getSnapshot } = t;
      let calls = 0;
      const unsubscribe = subscribe(() => { calls += 1; });
      await t.connect();
      await new Promise((r) => setTimeout(r, 0));
      const status = getSnapshot().status;
      unsubscribe();
      const before = calls;
      t.disconnect();
      await new Promise((r) => setTimeout(r, 0));
      return { calls: before, after: calls, status, stable: t.subscribe === t.subscribe && t.getSnapshot === t.getSnapshot };
    }, url);
    expect(result.calls).toBeGreaterThan(0);
    expect(result.after).toBe(result.calls);
    expect(result.status).toBe('connected');
    expect(result.stable).toBe(true);
  });
});
