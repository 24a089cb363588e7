// `share: true`: the tabs of one origin share one socket (agentwire/full). Each test opens
// several pages of one browser context (one profile: its tabs share Web Locks,
// BroadcastChannel and localStorage) against the reference server, and counts the server's
// connections in /control/log.
import { describe, expect, it } from 'vitest';
import { openTestPage, waitInPage } from './support/browser.js';
import { useContextFixture } from './support/fixture.js';

const f = useContextFixture();

/** Opens `count` tabs of the context, each with a shared transport `rec.r` to `url`, connected. */
async function openTabs(count, url, { before, options = {} } = {}) {
  for (let i = 0; i < count; i++) {
    const page = await openTestPage(f.context, f.server, { build: 'full' });
    f.pages.push(page);
    if (before) await page.evaluate(before);
    await page.evaluate(([url, options]) => {
      const rec = window.track('r', { url, share: true, resume: true, heartbeat: false, reconnect: { initialDelayMs: 50, jitter: 0 }, ...options });
      window.connectedAt = [];
      rec.t.onStatus((e) => { if (e.status === 'connected') window.connectedAt.push(Date.now()); });
      rec.t.connect();
    }, [url, options]);
  }
  for (const page of f.pages) {
    await waitInPage(page, (count) => {
      const s = window.rec.r.t.getSnapshot();
      return s.status === 'connected' && (!s.shared || s.tabs === count);
    }, count, { what: `every tab connected, sharing with ${count}` });
  }
  return f.pages;
}

const snapshots = () => Promise.all(f.pages.map((page) => page.evaluate(() => window.rec.r.t.getSnapshot())));

/** What a tab's listeners got of the chat: the assembled answer against `result.content`. */
function chatSeen() {
  const messages = window.rec.r.messages;
  const result = messages.find((m) => m.type === 'result');
  const deltas = messages.filter((m) => m.type === 'message_delta');
  const seqs = messages.filter((m) => m.seq !== undefined).map((m) => m.seq);
  return {
    done: Boolean(result),
    exact: Boolean(result) && deltas.map((m) => m.delta).join('') === result.content,
    deltas: deltas.length,
    seqsOnceInOrder: seqs.every((seq, i) => seq === seqs[0] + i),
    // Up to the result: what follows it may still be on its way to some tab.
    types: messages.slice(0, messages.indexOf(result) + 1).map((m) => m.type).join(','),
  };
}

describe('share: one socket for the tabs of an origin', () => {
  it('three tabs open one connection, each tab gets every event of a chat, and a follower’s sendWithAck is processed once', async () => {
    const pages = await openTabs(3, f.server.ws('/ws/stream?delay_ms=1&tokens_per_sec=2000'));
    const snaps = await snapshots();
    expect(snaps.filter((s) => s.leader)).toHaveLength(1);
    expect(snaps.every((s) => s.shared && s.tabs === 3)).toBe(true);
    const log = await f.server.log();
    expect(log.stream.connections, 'one socket for three tabs').toBe(1);

    const follower = pages[snaps.findIndex((s) => !s.leader)];
    await follower.evaluate(() => window.rec.r.t.send({ type: 'chat', payload: { message: 'Compare NVDA and AMD', answer_tokens: 60 } }));
    for (const page of pages) await waitInPage(page, () => window.rec.r.messages.some((m) => m.type === 'result'), null, { what: 'the chat’s result' });
    // A `cancel` (of nothing, now) is an acknowledged message the server records in `processed`.
    const outcome = await follower.evaluate(() => window.rec.r.t.sendWithAck({ type: 'cancel', id: 'from-a-follower', payload: {} }));
    expect(outcome).toMatchObject({ type: 'ack', id: 'from-a-follower' });
    const seen = await Promise.all(pages.map((page) => page.evaluate(chatSeen)));
    for (const tab of seen) {
      expect(tab.exact).toBe(true);
      expect(tab.seqsOnceInOrder).toBe(true);
    }
    expect(new Set(seen.map((tab) => tab.types)).size, `every tab got the same events:\n${seen.map((tab) => tab.types).join('\n')}`).toBe(1);
    const after = await f.server.log();
    expect(after.stream.processed.filter((id) => id === 'from-a-follower')).toHaveLength(1);
    expect(after.stream.connections).toBe(1);
  });

  it('closing the leader mid-answer: another tab is connected within 1 s and every remaining tab assembles exactly result.content', async () => {
    const pages = await openTabs(3, f.server.ws('/ws/stream?delay_ms=5&tokens_per_sec=300'));
    const snaps = await snapshots();
    const leaderAt = snaps.findIndex((s) => s.leader);
    const rest = pages.filter((_, i) => i !== leaderAt);
    await rest[0].evaluate(() => window.rec.r.t.send({ type: 'chat', payload: { message: 'Compare NVDA and AMD', answer_tokens: 300 } }));
    await waitInPage(rest[0], () => window.rec.r.messages.filter((m) => m.type === 'message_delta').length >= 30, null, { what: '30 deltas' });
    const closedAt = Date.now();
    await pages[leaderAt].close();
    await Promise.all(rest.map((page) => waitInPage(page, () => window.rec.r.messages.some((m) => m.type === 'result'), null, { what: 'the chat’s result' })));
    const states = await Promise.all(rest.map((page) => page.evaluate(() => ({ snapshot: window.rec.r.t.getSnapshot(), connectedAt: window.connectedAt }))));
    const newLeader = states.find((s) => s.snapshot.leader);
    expect(newLeader, 'a remaining tab leads').toBeDefined();
    const reconnectedAt = Math.min(...states.map((s) => s.connectedAt.find((t) => t > closedAt) ?? Infinity));
    console.log(`share: leader tab closed, another tab connected ${reconnectedAt - closedAt} ms later`);
    expect(reconnectedAt - closedAt, 'connected again within 1 s').toBeLessThan(1000);
    const seen = await Promise.all(rest.map((page) => page.evaluate(chatSeen)));
    for (const tab of seen) {
      expect(tab.exact, 'the answer is exactly result.content').toBe(true);
      expect(tab.seqsOnceInOrder, 'each seq once, in order').toBe(true);
    }
    const log = await f.server.log();
    expect(log.stream.connections, 'the first leader’s socket, then the second’s').toBe(2);
    expect(log.stream.open).toBe(1);
    expect(states.every((s) => s.snapshot.tabs === 2 || s.snapshot.tabs === 3)).toBe(true);
  });

  it('a frozen (stopped) leader is replaced within 1 s, and steps down when it thaws', async () => {
    const pages = await openTabs(2, f.server.ws('/ws/stream'));
    const snaps = await snapshots();
    const leader = pages[snaps.findIndex((s) => s.leader)];
    const follower = pages[snaps.findIndex((s) => !s.leader)];
    const cdp = await f.context.newCDPSession(leader);
    // Its main thread stopped, as a frozen tab's is: it holds the lock and posts nothing.
    // (Page.setWebLifecycleState freezes only hidden pages, and headless pages are visible.)
    await cdp.send('Debugger.enable');
    await cdp.send('Debugger.pause');
    const frozenAt = Date.now();
    await waitInPage(follower, () => window.rec.r.t.getSnapshot().leader && window.rec.r.t.getSnapshot().status === 'connected', null, { what: 'the follower to take over' });
    const tookOverAt = await follower.evaluate(() => window.connectedAt.at(-1));
    console.log(`share: leader stopped, another tab connected ${tookOverAt - frozenAt} ms later`);
    expect(tookOverAt - frozenAt).toBeLessThan(1000);
    await cdp.send('Debugger.resume');
    await waitInPage(leader, () => !window.rec.r.t.getSnapshot().leader, null, { what: 'the thawed tab to step down' });
    await waitInPage(leader, () => window.rec.r.t.getSnapshot().status === 'connected', null, { what: 'the thawed tab to mirror the new leader' });
    // The thawed tab's socket is closed: one connection remains.
    for (let i = 0; i < 100 && (await f.server.log()).stream.open !== 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await f.server.log()).stream.open).toBe(1);
    const echo = await follower.evaluate(() => window.rec.r.t.getSnapshot().sessionId);
    expect(echo).toEqual(expect.any(String));
  });

  it('without Web Locks each tab keeps its own socket, and the snapshot says shared: false', async () => {
    await openTabs(2, f.server.ws('/ws/stream'), { before: () => { Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined }); } });
    const snaps = await snapshots();
    expect(snaps.map((s) => [s.shared, s.leader, s.tabs])).toEqual([[false, true, 1], [false, true, 1]]);
    expect((await f.server.log()).stream.connections).toBe(2);
  });

  it('a follower that disconnects leaves the group; the leader counts the tabs that remain', async () => {
    const pages = await openTabs(3, f.server.ws('/ws/stream'));
    const snaps = await snapshots();
    const followers = pages.filter((_, i) => !snaps[i].leader);
    const leader = pages[snaps.findIndex((s) => s.leader)];
    await followers[0].evaluate(() => window.rec.r.t.disconnect());
    await waitInPage(leader, () => window.rec.r.t.getSnapshot().tabs === 2, null, { what: 'tabs: 2' });
    // A closed tab says goodbye too (pagehide): counted out at once, not after a silence.
    await followers[1].close();
    f.pages = f.pages.filter((page) => page !== followers[1]);
    await waitInPage(leader, () => window.rec.r.t.getSnapshot().tabs === 1, null, { what: 'tabs: 1', timeout: 1000 });
    const left = await followers[0].evaluate(() => window.rec.r.t.getSnapshot());
    expect(left.status).toBe('disconnected');
    expect((await f.server.log()).stream.open).toBe(1);
  });

  it('a leader whose window timers are throttled (as a hidden tab’s are) keeps its heartbeat deadline: the Worker’s clock', async () => {
    const heartbeat = { intervalMs: 300, timeoutMs: 300 };
    const [page] = await openTabs(1, f.server.ws('/ws/stream'), { options: { heartbeat } });
    const measured = await page.evaluate(async ([url, heartbeat]) => {
      // The same settings without share, in the same page, for comparison.
      const alone = window.track('alone', { url, heartbeat, reconnect: { initialDelayMs: 50, jitter: 0 } });
      await alone.t.connect();
      // Intensive throttling, exaggerated: no window timer fires sooner than a minute.
      const native = window.setTimeout;
      window.setTimeout = (fn, ms, ...rest) => native(fn, Math.max(ms ?? 0, 60_000), ...rest);
      const silencedAt = Date.now();
      await fetch('/control/silence?ms=3000', { method: 'POST' });
      const noticed = (rec) => rec.errors.some((e) => e.kind === 'heartbeat_timeout');
      while (!noticed(window.rec.r) && Date.now() - silencedAt < 5000) await new Promise((r) => native(r, 20));
      const sharedNoticedAfter = Date.now() - silencedAt;
      return { sharedNoticedAfter, shared: noticed(window.rec.r), alone: noticed(alone) };
    }, [f.server.ws('/ws/stream'), heartbeat]);
    console.log(`share: heartbeat_timeout noticed ${measured.sharedNoticedAfter} ms after the server went silent, window timers held back a minute (heartbeat 300 + 300 ms)`);
    expect(measured.shared, 'the shared leader noticed the dead connection').toBe(true);
    expect(measured.alone, 'a transport on window timers did not, by then').toBe(false);
  });

  it('shared transports created and freed leave nothing behind: sockets, workers’ handlers, JS values', async () => {
    const [page] = await openTabs(1, f.server.ws('/ws/stream'));
    const result = await page.evaluate(async (url) => {
      const settle = () => new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 3; i++) {
        const t = new WebSocketTransport({ url, share: { name: `warm-${i}` } });
        await t.connect();
        t.free();
      }
      await settle();
      const baseline = window.rec.r.t.debugResources().liveJsValues;
      for (let i = 0; i < 20; i++) {
        const t = new WebSocketTransport({ url, share: { name: `leak-${i}` } });
        await t.connect();
        t.free();
      }
      await settle();
      return { baseline, after: window.rec.r.t.debugResources().liveJsValues, held: (await navigator.locks.query()).held.map((l) => l.name) };
    }, f.server.ws('/ws/stream'));
    expect(result.after - result.baseline).toBeLessThan(10);
    expect(result.held.filter((name) => name.includes('leak-')), 'every freed leader released its lock').toEqual([]);
    for (let i = 0; i < 100 && (await f.server.log()).stream.open !== 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await f.server.log()).stream.open, 'only the page’s own transport is still connected').toBe(1);
  });

  it('with queue.persist, what a leader that closed had not sent is sent by the next leader, each id acted on once', async () => {
    const pages = await openTabs(2, f.server.ws('/ws/stream'), { options: { queue: { persist: true } } });
    const snaps = await snapshots();
    const leader = pages[snaps.findIndex((s) => s.leader)];
    const follower = pages[snaps.findIndex((s) => !s.leader)];
    await f.server.control('refuse?ms=600000');
    await f.server.control('drop');
    await waitInPage(follower, () => window.rec.r.t.getSnapshot().status === 'reconnecting', null, { what: 'the group reconnecting' });
    const ids = ['p-1', 'p-2', 'p-3'];
    await follower.evaluate((ids) => {
      window.acks = [];
      for (const id of ids) window.rec.r.t.sendWithAck({ type: 'cancel', id, payload: {} }).then((ack) => window.acks.push(ack.id), (e) => window.acks.push(e.kind));
    }, ids);
    const stored = () => follower.evaluate(() => new Promise((resolve, reject) => {
      const open = indexedDB.open('agentwire', 1);
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const request = open.result.transaction('outbox').objectStore('outbox').getAll();
        request.onsuccess = () => { open.result.close(); resolve(request.result.map((r) => r.id)); };
      };
    }));
    for (let i = 0; i < 100 && (await stored()).length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await stored(), 'the leader stored the follower’s messages').toEqual(ids);
    await leader.close();
    f.pages = [follower];
    await waitInPage(follower, () => window.rec.r.t.getSnapshot().leader, null, { what: 'the follower to lead' });
    await f.server.control('refuse?ms=1');
    await waitInPage(follower, () => window.acks.length === 3, null, { what: 'the three acks' });
    expect(await follower.evaluate(() => window.acks)).toEqual(ids);
    for (let i = 0; i < 100 && (await f.server.log()).stream.processed.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await f.server.log()).stream.processed).toEqual(ids);
    for (let i = 0; i < 100 && (await stored()).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await stored(), 'nothing left in the store').toEqual([]);
  });
});
