// The `url` option's list and function in headless Chromium, and failover between two server
// instances that share a real redis-server: the instance a client is attached to is killed
// with SIGKILL mid-run, and the client resumes the run on the other with nothing lost or
// repeated.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openTestPage, waitInPage } from './support/browser.js';
import { freePort, startRedis } from './support/redis.js';
import { startServer } from './support/server.js';

let redis;
let a;
let b;
let browser;
let page;

beforeAll(async () => {
  redis = await startRedis();
  [a, b] = await Promise.all([startServer({ args: ['--redis', redis.url] }), startServer({ args: ['--redis', redis.url] })]);
  browser = await launchBrowser();
});
afterEach(async () => {
  const problems = page?.problems ?? [];
  await page?.close();
  page = null;
  expect(problems, 'no page errors or console errors').toEqual([]);
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
});

const FAST = { initialDelayMs: 50, maxDelayMs: 200, jitter: 0 };

describe('the url option', () => {
  it('a list is tried in turn: a dead URL first, then the live one, which the snapshot shows', async () => {
    page = await openTestPage(browser, b);
    const dead = `ws://127.0.0.1:${await freePort()}/ws/echo`;
    const live = b.ws('/ws/echo');
    const out = await page.evaluate(async ([urls, reconnect]) => {
      const rec = window.track('list', { url: urls, reconnect, heartbeat: false });
      const before = rec.t.getSnapshot().url;
      await rec.t.connect();
      rec.t.send({ type: 'hello' });
      await new Promise((resolve) => { const off = rec.t.on('hello', () => { off(); resolve(); }); });
      const snapshot = rec.t.getSnapshot();
      rec.t.free();
      return { before, url: snapshot.url, errors: rec.errors.map((e) => e.kind), statuses: rec.statuses.map((s) => s.status) };
    }, [[dead, live], FAST]);
    expect(out.before).toBe(dead);
    expect(out.url).toBe(live);
    expect(out.errors).toEqual(['connection_failed']);
    expect(out.statuses).toEqual(['connecting', 'reconnecting', 'connected']);
  });

  it('a function is asked before every attempt, may answer with a Promise, and its failures are url errors', async () => {
    page = await openTestPage(browser, b);
    const out = await page.evaluate(async ([live, reconnect]) => {
      let calls = 0;
      const url = () => {
        calls += 1;
        if (calls === 1) throw new Error('no instance known yet');
        if (calls === 2) return 'https://not-a-websocket.test/';
        return new Promise((resolve) => setTimeout(() => resolve(live), 10));
      };
      const rec = window.track('fn', { url, reconnect, heartbeat: false });
      const before = rec.t.getSnapshot().url;
      await rec.t.connect();
      const snapshot = rec.t.getSnapshot();
      rec.t.free();
      return { before, calls, url: snapshot.url, errors: rec.errors.map((e) => [e.kind, e.message]) };
    }, [b.ws('/ws/echo'), FAST]);
    expect(out.before).toBeNull();
    expect(out.calls).toBe(3);
    expect(out.url).toBe(b.ws('/ws/echo'));
    expect(out.errors).toEqual([
      ['url', 'the url function failed: no instance known yet'],
      ['url', "the url function returned 'https://not-a-websocket.test/', expected a ws:// or wss:// URL"],
    ]);
  });

  it('a list that is empty, holds something other than a string, or a non-ws URL is a TypeError', async () => {
    page = await openTestPage(browser, b);
    const out = await page.evaluate(() => ['empty', 'number', 'http'].map((name) => {
      const url = { empty: [], number: ['ws://127.0.0.1:1/', 5], http: ['ws://127.0.0.1:1/', 'http://127.0.0.1:1/'] }[name];
      try {
        new WebSocketTransport({ url });
        return 'accepted';
      } catch (error) {
        return `${error.name}: ${error.message}`;
      }
    }));
    expect(out[0]).toBe("TypeError: AgentWire: option 'url' must not be an empty array");
    expect(out[1]).toBe(
      "TypeError: AgentWire: option 'url[]' must be a ws:// or wss:// URL, an array of them, or a function returning one (or a Promise of one), got number",
    );
    expect(out[2]).toBe("TypeError: AgentWire: option 'url' must start with ws:// or wss://, got 'http://127.0.0.1:1/'");
  });
});

describe('failover between instances sharing Redis', () => {
  it('the instance a client is attached to is killed mid-run: the client resumes on the other, 0 lost, 0 duplicated', async () => {
    page = await openTestPage(browser, b);
    // Started on B, so the run outlives A. About 60 events, 40 ms apart.
    const started = await fetch(`${b.origin}/control/runs/failover-1?delay_ms=40&progress_events=10`, { method: 'POST' });
    expect(started.status).toBe(200);
    await page.evaluate(([urls, reconnect]) => {
      const rec = window.track('run', { url: urls, resume: true, reconnect, heartbeat: false });
      rec.t.connect();
    }, [[a.ws('/ws/runs/failover-1'), b.ws('/ws/runs/failover-1')], FAST]);
    await waitInPage(page, () => window.rec.run.messages.length >= 8, null, { what: '8 events from instance A' });
    const beforeKill = await page.evaluate(() => window.rec.run.t.getSnapshot().url);
    expect(beforeKill).toBe(a.ws('/ws/runs/failover-1'));
    await a.stop({ signal: 'SIGKILL' });

    await waitInPage(page, () => window.rec.run.statuses.at(-1)?.status === 'disconnected', null, { what: 'the run to end', timeout: 20_000 });
    const out = await page.evaluate(() => {
      const rec = window.rec.run;
      return {
        seqs: rec.messages.map((m) => m.seq),
        types: rec.messages.map((m) => m.type),
        snapshot: rec.t.getSnapshot(),
        resumed: rec.statuses.filter((s) => s.status === 'connected').map((s) => s.resumed),
        errors: rec.errors.map((e) => e.kind),
        last: rec.statuses.at(-1),
      };
    });
    const n = out.seqs.length;
    expect(out.seqs).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(n).toBeGreaterThan(20);
    expect(out.types[0]).toBe('boot');
    expect(out.types.at(-1)).toBe('done');
    expect(out.resumed).toEqual([false, true]);
    expect(out.snapshot.url).toBe(b.ws('/ws/runs/failover-1'));
    expect(out.errors.filter((kind) => kind === 'gap')).toEqual([]);
    expect(out.last).toMatchObject({ status: 'disconnected', code: 1000 });
  });
});
