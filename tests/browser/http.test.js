// HttpAgentTransport (agentwire/http) in headless Chromium against the reference server's
// POST /agui: a whole run, a run whose stream drops every 20 events (?drop_after) and is
// continued with Last-Event-ID, and the errors a run can meet.
import { describe, expect, it } from 'vitest';
import { useBrowserFixture } from './support/fixture.js';
import { waitInPage } from './support/browser.js';

const f = useBrowserFixture();

async function loadHttp(page) {
  await page.addScriptTag({
    type: 'module',
    content: `
      import initHttp, { HttpAgentTransport } from '/pkg/http/agentwire_http.js';
      import initSession, { AgentSession } from '/pkg/session/agentwire_session.js';
      const [httpWasm] = await Promise.all([initHttp(), initSession()]);
      // JS values the module holds right now: the externref table's occupied slots.
      window.liveHttpValues = () => {
        const table = httpWasm.__wbindgen_externrefs;
        let live = 0;
        for (let i = 0; i < table.length; i++) if (table.get(i) !== undefined) live += 1;
        return live;
      };
      window.HttpAgentTransport = HttpAgentTransport;
      window.AgentSession = AgentSession;
      // Runs one AG-UI run to its end; resolves with what the app saw.
      window.runOnce = (query, runId, options) => new Promise((resolve) => {
        const t = new HttpAgentTransport('/agui' + query, options);
        const session = new AgentSession();
        const seen = { events: [], statuses: [], errors: [] };
        t.on('*', (event) => { seen.events.push(event); session.apply(event); });
        t.onError((error) => seen.errors.push(error));
        t.onStatus(({ status }) => {
          seen.statuses.push(status);
          if (status === 'finished' || status === 'closed') {
            const snapshot = t.getSnapshot();
            const state = session.getSnapshot();
            t.free();
            resolve({ ...seen, snapshot, answer: state.messages.at(-1)?.content ?? null, state: state.state, tools: state.tools.length });
          }
        });
        t.run({ threadId: 'thread-b', runId, messages: [{ id: 'u1', role: 'user', content: 'How is NVDA doing?' }], tools: [], state: {}, context: [], forwardedProps: {} });
      });
      window.httpReady = true;
    `,
  });
  await waitInPage(page, () => window.httpReady === true, null, { what: 'agentwire_http to load' });
}

const strip = (events) => events.map(({ timestamp, runId, ...rest }) => rest);

describe('HttpAgentTransport against POST /agui', () => {
  it('a stream dropped every 20 events is continued with Last-Event-ID: the same run, nothing lost or repeated', async () => {
    await loadHttp(f.page);
    const out = await f.page.evaluate(async () => {
      const whole = await runOnce('?delay_ms=0&answer_tokens=60', 'run-whole');
      const dropped = await runOnce('?delay_ms=0&answer_tokens=60&drop_after=20', 'run-dropped', {
        reconnect: { initialDelayMs: 20, maxDelayMs: 100, jitter: 0.5 },
      });
      return { whole, dropped };
    });
    const { whole, dropped } = out;
    expect(whole.statuses).toEqual(['connecting', 'connected', 'finished']);
    expect(whole.errors).toEqual([]);
    expect(whole.events[0].type).toBe('RUN_STARTED');
    expect(whole.events.at(-1).type).toBe('RUN_FINISHED');

    expect(strip(dropped.events)).toEqual(strip(whole.events));
    const drops = Math.ceil(whole.events.length / 20) - 1;
    expect(dropped.errors).toHaveLength(drops);
    expect(new Set(dropped.errors.map((e) => e.kind))).toEqual(new Set(['connection_failed']));
    expect(dropped.statuses.filter((s) => s === 'reconnecting')).toHaveLength(drops);
    expect(dropped.snapshot).toMatchObject({
      status: 'finished', attempt: drops + 1, lastEventId: String(whole.events.length), delivered: whole.events.length,
      runId: 'run-dropped', threadId: 'thread-b',
    });
    expect(dropped.answer).toBe(whole.answer);
    expect(dropped.answer.length).toBeGreaterThan(60);
    expect(dropped.state).toEqual(whole.state);
    expect(dropped.state.progress).toBe(1);
    expect(dropped.tools).toBeGreaterThan(0);
  });

  it('a 400 is final (rejected), a throwing listener is reported, a bad option is a TypeError', async () => {
    await loadHttp(f.page);
    const out = await f.page.evaluate(async () => {
      const rejected = await new Promise((resolve) => {
        const t = new HttpAgentTransport('/agui');
        const errors = [];
        t.onError((e) => errors.push(e));
        t.onStatus(({ status }) => { if (status === 'closed') { t.free(); resolve(errors); } });
        t.run({ runId: 'r', messages: [] });
      });
      const thrown = await new Promise((resolve) => {
        const t = new HttpAgentTransport('/agui?delay_ms=0&answer_tokens=3');
        const errors = [];
        t.on('RUN_STARTED', () => { throw new Error('app bug'); });
        t.onError((e) => errors.push(e.kind));
        t.onStatus(({ status }) => { if (status === 'finished') { t.free(); resolve(errors); } });
        t.run({ threadId: 't', runId: 'r2', messages: [] });
      });
      let option = 'accepted';
      try { new HttpAgentTransport('/agui', { retries: 3 }); } catch (e) { option = `${e.name}: ${e.message}`; }
      return { rejected, thrown, option };
    });
    expect(out.rejected).toEqual([{ kind: 'rejected', message: 'HTTP 400' }]);
    // Chromium's own log line for the 400 answer is expected; nothing else may be logged.
    const logged = f.page.problems.filter((p) => p.includes('status of 400 (Bad Request)'));
    expect(logged).toHaveLength(1);
    f.page.problems = f.page.problems.filter((p) => !logged.includes(p));
    expect(out.thrown).toEqual(['listener']);
    expect(out.option).toBe("TypeError: HttpAgentTransport: unknown option 'retries' (known: typeField, headers, reconnect, maxLineBytes)");
  });

  it('finished, stopped and freed-mid-stream transports give back every JS value they held', async () => {
    await loadHttp(f.page);
    const out = await f.page.evaluate(async () => {
      const reconnect = { initialDelayMs: 5, maxDelayMs: 20, jitter: 0 };
      const cycle = async (i) => {
        // Every tenth run is cut every 15 events and continued (the server's retry: hint, 500 ms).
        const query = `?delay_ms=0&tokens_per_sec=0&answer_tokens=10${i % 10 === 1 ? '&drop_after=15' : ''}`;
        const t = new HttpAgentTransport(`/agui${query}`, { reconnect, headers: { 'X-Cycle': String(i) } });
        const offs = [t.on('*', () => {}), t.on('RUN_FINISHED', () => {}), t.onError(() => {}), t.subscribe(() => t.getSnapshot())];
        const ended = new Promise((resolve) => t.onStatus(({ status }) => { if (status === 'finished' || status === 'closed') resolve(status); }));
        t.run({ threadId: 'leak', runId: `leak-${i}`, messages: [] });
        if (i % 3 === 2) {
          // Freed while its body is being read.
          await new Promise((resolve) => { const off = t.on('TEXT_MESSAGE_CONTENT', () => { off(); resolve(); }); });
          t.free();
          return;
        }
        await ended;
        offs[0]();
        t.free();
      };
      await cycle(0);
      await new Promise((r) => setTimeout(r, 50));
      const before = liveHttpValues();
      for (let i = 1; i <= 30; i++) await cycle(i);
      // Aborted fetches and timers settle after free(); give them a moment.
      await new Promise((r) => setTimeout(r, 200));
      return { before, after: liveHttpValues() };
    });
    expect(out.before).toBeGreaterThan(0);
    expect(out.after).toBe(out.before);
  });

  it("on() returns the registration's own remover, as the WebSocket transport's does (bindSession relies on it)", async () => {
    await loadHttp(f.page);
    const out = await f.page.evaluate(() => new Promise((resolve) => {
      const t = new HttpAgentTransport('/agui?delay_ms=0&answer_tokens=5');
      const counts = { kept: 0, removed: 0, removedInside: 0 };
      const count = (key) => () => { counts[key] += 1; };
      const listener = count('removed');
      t.on('*', count('kept'));
      // The same function twice: the remover takes out exactly its own registration.
      t.on('*', listener);
      const removeSecond = t.on('*', listener);
      // A remover called from inside a listener (re-entrancy) stops the next deliveries.
      const removeInside = t.on('*', () => { counts.removedInside += 1; removeInside(); });
      removeSecond();
      removeSecond(); // a second call does nothing
      t.onStatus(({ status }) => { if (status === 'finished') { t.free(); resolve({ ...counts, type: typeof removeSecond }); } });
      t.run({ threadId: 't', runId: 'r-off', messages: [] });
    }));
    expect(out.type).toBe('function');
    expect(out.kept).toBeGreaterThan(5);
    expect(out.removed).toBe(out.kept);
    expect(out.removedInside).toBe(1);
  });
});
