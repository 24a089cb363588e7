// The demo page as `npm start` serves it (www/dist behind the reference server), in headless
// Chromium: a chat streams, and each outage button's failure is seen and recovered from, on
// the page and in what the server received. The tests share one page and run in order, like
// a visitor clicking through. Page errors and console errors fail the test they happen in.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../browser/support/browser.js';
import { ROOT, startDemoServer } from './support/demo-server.js';

// Faster than the demo's default pace (it is meant to be watched), still slow enough that the
// answer is seen streaming.
const PAGE_QUERY = '?delay_ms=120&tokens_per_sec=40';

let server;
let browser;
let page;
const problems = [];
const responses = [];
/**
 * Console errors a test expects. Chromium itself logs every refused WebSocket handshake as a
 * console error (no page code can prevent it); only the test that refuses connections allows
 * exactly those, and checks they happened.
 */
let expectedConsoleErrors = null;
const REFUSED_HANDSHAKE =
  /^console\.error: WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws\/(stream\?[^']*|agent-tracking\/client_\d+_[a-z0-9]+)' failed: Error during WebSocket handshake: Unexpected response code: 503$/;

beforeAll(async () => {
  server = await startDemoServer();
  browser = await launchBrowser();
  // A context of its own, so the share test can open a second tab of the same profile.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (process.env.AGENTWIRE_PAGE_LOG) console.log('[page]', message.text());
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  page.on('response', (response) => responses.push({ url: response.url(), status: response.status(), type: response.headers()['content-type'] }));
  // Every value each connection badge takes, so a short-lived 'reconnecting' is not missed.
  await page.addInitScript(() => {
    window.statusHistory = { stream: [], tracking: [] };
    new MutationObserver((records) => {
      for (const record of records) {
        const id = record.target.dataset?.testid?.replace(/^badge-/, '');
        const history = window.statusHistory[id];
        const status = record.target.dataset.status;
        if (history && history[history.length - 1] !== status) history.push(status);
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
  });
  await page.goto(`${server.origin}/${PAGE_QUERY}`);
});

afterEach(() => {
  const allowed = expectedConsoleErrors;
  expectedConsoleErrors = null;
  const unexpected = problems.splice(0).filter((problem) => !allowed?.test(problem));
  expect(unexpected, 'no page errors or console errors').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

// ---- helpers -------------------------------------------------------------------------------------

const badge = (id) => `[data-testid=badge-${id}]`;

async function waitForStatus(id, status, timeout = 10_000) {
  await page.waitForSelector(`${badge(id)}[data-status=${status}]`, { timeout });
}

async function resetStatusHistory() {
  await page.evaluate(() => {
    window.statusHistory.stream = [];
    window.statusHistory.tracking = [];
  });
}

/** Waits until the badge went through `statuses` in this order (other values may sit between). */
async function waitForStatusSequence(id, statuses, timeout = 10_000) {
  await page.waitForFunction(
    ([key, expected]) => {
      let next = 0;
      for (const status of window.statusHistory[key]) if (status === expected[next]) next += 1;
      return next === expected.length;
    },
    [id, statuses],
    { timeout, polling: 50 },
  );
}

async function sendChat(text) {
  await page.fill('[data-testid=chat-input]', text);
  await page.click('[data-testid=send]');
}

/** The scripted agent's answer starts by quoting the request (server/src/agent_script.rs). */
const answerPrefix = (request) => `Here is what I found about "${request}"`;

/** Waits for the finished answer to `request`; returns its text. */
async function waitForAnswer(request, timeout = 15_000) {
  const handle = await page.waitForFunction(
    (prefix) => {
      for (const answer of document.querySelectorAll('[data-testid=answer][data-status=done]')) {
        const text = answer.querySelector('[data-testid=answer-text]').textContent;
        if (text.startsWith(prefix)) return text;
      }
      return null;
    },
    answerPrefix(request),
    { timeout, polling: 50 },
  );
  return handle.jsonValue();
}

/** The log panel's lines: level, source and text. */
async function logLines() {
  return page.$$eval('[data-testid=log-line]', (lines) =>
    lines.map((line) => ({
      level: line.dataset.level,
      source: line.dataset.source,
      text: line.querySelector('[data-testid=log-text]').textContent,
    })),
  );
}

/** Waits for a log line from `source` at `level` whose text starts with `prefix`. */
async function waitForLogLine({ source, level, prefix }, timeout = 10_000) {
  await page.waitForFunction(
    ([wanted]) =>
      [...document.querySelectorAll('[data-testid=log-line]')].some(
        (line) =>
          line.dataset.source === wanted.source &&
          line.dataset.level === wanted.level &&
          line.querySelector('[data-testid=log-text]').textContent.startsWith(wanted.prefix),
      ),
    [{ source, level, prefix }],
    { timeout, polling: 50 },
  );
}

/** The chat messages the server's /ws/stream received, in order (GET /control/log). */
async function chatsReceivedByServer() {
  const log = await server.log();
  return log.stream.received
    .map((frame) => {
      try {
        return JSON.parse(frame);
      } catch {
        return null;
      }
    })
    .filter((message) => message?.type === 'chat')
    .map((message) => message.payload.message);
}

// ---- the visit -----------------------------------------------------------------------------------

describe('the demo page', () => {
  it('loads the bundled wasm from www/dist and connects both streams', async () => {
    await waitForStatus('stream', 'connected');
    await waitForStatus('tracking', 'connected');
    // The suggestions are enabled once the transport and the AgentSession both exist.
    await page.waitForSelector('button.suggestion:enabled');
    expect(await page.title()).toContain('AgentWire');

    // The wasm modules, emitted by vite build and served from dist/: the transport (tracking),
    // the full build (the chat's, shared by the tabs: `share`) and the session.
    const wasm = responses.filter((r) => r.url.endsWith('.wasm'));
    expect(wasm.map((r) => new URL(r.url).pathname).sort()).toEqual([
      expect.stringMatching(/^\/assets\/agentwire_bg-[\w-]+\.wasm$/),
      expect.stringMatching(/^\/assets\/agentwire_bg-[\w-]+\.wasm$/),
      expect.stringMatching(/^\/assets\/agentwire_session_bg-[\w-]+\.wasm$/),
    ]);
    expect(new Set(wasm.map((r) => r.url).filter((url) => /agentwire_bg-/.test(url))).size, 'two different transport modules').toBe(2);
    for (const module of wasm) expect(module).toMatchObject({ status: 200, type: 'application/wasm' });
    expect(responses.filter((r) => r.url.includes('/pkg/')), 'the page uses its own bundle, not /pkg').toEqual([]);

    const settings = await page.textContent('[data-testid=settings]');
    expect(settings).toContain('500 ms ×2 up to 5 s');
    expect(settings).toContain('ping after 5 s idle, dead 3 s later');
    expect(settings).toContain('120 ms per event, 40 tokens/s');
  });

  it('streams an answer token by token, with agent cards and timed tool calls', async () => {
    const request = 'How is NVDA doing?';
    await sendChat(request);

    // Part of the answer while it still streams...
    const partial = await (
      await page.waitForFunction(
        () => {
          const text = document.querySelector('[data-testid=answer][data-status=streaming] [data-testid=answer-text]')?.textContent ?? '';
          return text.startsWith('Here') ? text : null;
        },
        null,
        { timeout: 10_000, polling: 'raf' },
      )
    ).jsonValue();
    // ...then all of it.
    const answer = await waitForAnswer(request);
    expect(answer.startsWith(partial)).toBe(true);
    expect(answer.length).toBeGreaterThan(partial.length);
    expect(answer).toMatch(/I attached a chart of NVDA\.$/);

    const chart = await page.waitForSelector('[data-testid=answer] img[alt="NVDA price chart"]');
    expect(await chart.getAttribute('src')).toBe('/charts/NVDA.svg');
    await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, chart);

    const agents = await page.$$eval('[data-testid=agent-card]', (cards) =>
      cards.map((card) => ({ name: card.dataset.agent, activity: card.dataset.activity })),
    );
    expect(agents.length).toBeGreaterThan(0);
    expect(agents.every((agent) => agent.activity === 'done')).toBe(true);
    const usedBy = await page.textContent('[data-testid=answer][data-status=done] .answer__meta');
    for (const agent of agents) expect(usedBy).toContain(agent.name);

    const tools = await page.$$eval('[data-testid=tool-call]', (rows) =>
      rows.map((row) => ({
        tool: row.dataset.tool,
        status: row.dataset.status,
        duration: row.querySelector('[data-testid=tool-duration]').textContent,
      })),
    );
    expect(tools.length).toBeGreaterThan(0);
    expect(tools.map((t) => t.tool)).toContain('stock_quote'); // a ticker makes the agent look up a quote
    for (const tool of tools) {
      expect(tool.status).toBe('done');
      expect(tool.duration).toMatch(/^\d+\.\d\d s$/);
      // Tool calls take one event delay (120 ms) on the server's clock.
      expect(Number.parseFloat(tool.duration)).toBeGreaterThanOrEqual(0.1);
    }

    // The tracking stream saw this page's session complete.
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid=tracked-session]')].some(
        (row) => row.textContent.includes('your chat') && row.dataset.status === 'completed',
      ),
    );
    expect(await chatsReceivedByServer()).toEqual([request]);
  });

  it('drop: the badges go reconnecting then connected, and a chat sent meanwhile is answered', async () => {
    await resetStatusHistory();
    await page.click('[data-testid=outage-drop]');
    await waitForStatusSequence('stream', ['reconnecting']);
    const request = 'Status after the drop';
    await sendChat(request); // queued if still reconnecting, sent if already back

    await waitForStatusSequence('stream', ['reconnecting', 'connected']);
    await waitForStatusSequence('tracking', ['reconnecting', 'connected']);
    await waitForAnswer(request);
    expect(await chatsReceivedByServer()).toEqual(['How is NVDA doing?', request]);
    const lines = await logLines();
    expect(lines.some((l) => l.source === 'stream' && l.level === 'status' && /connected → reconnecting · close 1006/.test(l.text))).toBe(true);
    expect(lines.some((l) => l.source === 'control' && /dropped 2 connections/.test(l.text))).toBe(true);
  });

  it('refuse for 5 s: a chat sent while refused waits in the queue and goes out on reconnect', async () => {
    await resetStatusHistory();
    expectedConsoleErrors = REFUSED_HANDSHAKE;
    await page.click('[data-testid=outage-refuse]');
    await waitForStatus('stream', 'reconnecting');
    const request = 'Queued while the server refuses';
    await sendChat(request);

    // On the page: queued, counted, and waiting for the connection.
    await page.waitForSelector('[data-testid=user-message][data-delivery=queued]', { timeout: 2_000 });
    await page.waitForSelector('[data-testid=queued-count][data-queued="1"]', { timeout: 2_000 });
    expect(await page.textContent(badge('stream'))).toContain('1 queued');
    expect(await chatsReceivedByServer()).not.toContain(request);

    // Attempts fail with 503 until the refusal ends; then it connects and the queue drains.
    await waitForLogLine({ source: 'stream', level: 'error', prefix: 'connection_failed' });
    await waitForStatus('stream', 'connected', 15_000);
    await waitForAnswer(request);
    await page.waitForSelector('[data-testid=queued-count][data-queued="0"]');
    expect(await page.$$eval('[data-testid=user-message]', (m) => m.map((x) => x.dataset.delivery))).toEqual(['sent', 'sent', 'sent']);
    expect(await chatsReceivedByServer()).toEqual(['How is NVDA doing?', 'Status after the drop', request]);
    expect(problems.some((problem) => REFUSED_HANDSHAKE.test(problem)), "Chromium's refused-handshake messages").toBe(true);
  });

  it('go silent: the heartbeat notices the dead connection and the badge recovers', async () => {
    // Both must be connected before the silence (tracking may still be backing off after the
    // refusal): a connection opened afterwards is not silenced.
    await waitForStatus('stream', 'connected');
    await waitForStatus('tracking', 'connected', 15_000);
    await resetStatusHistory();
    const started = Date.now();
    await page.click('[data-testid=outage-silence]');
    // Nothing arrives: ping after 5 s of silence, declared dead 3 s later.
    await waitForStatusSequence('stream', ['reconnecting', 'connected'], 15_000);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThan(2_500); // not noticed before a ping went unanswered
    await waitForLogLine({ source: 'stream', level: 'error', prefix: 'heartbeat_timeout' });
    await waitForStatusSequence('tracking', ['reconnecting', 'connected'], 15_000);

    const request = 'Are we back after the silence?';
    await sendChat(request);
    await waitForAnswer(request);
  });

  it('drop mid-answer: the answer is marked interrupted and tracking shows the session cancelled', async () => {
    await waitForStatus('stream', 'connected');
    await waitForStatus('tracking', 'connected');
    const request = 'Tell me about AMD';
    await sendChat(request);
    const answer = await page.waitForSelector('[data-testid=answer][data-status=streaming]', { timeout: 10_000 });
    const sessionId = await answer.getAttribute('data-session');
    await page.click('[data-testid=outage-drop]');

    // The server stops a chat whose client left: the page says so instead of waiting forever.
    await page.waitForSelector(`[data-testid=answer][data-session="${sessionId}"][data-status=interrupted]`);
    expect(await page.textContent('[data-testid=chat-state]')).toBe('Interrupted');
    expect(await page.isDisabled('[data-testid=cancel]')).toBe(true);
    // The tracking stream was dropped too; after reconnecting it asks how the session ended.
    await page.waitForSelector(`[data-testid=tracked-session][data-session="${sessionId}"][data-status=cancelled]`, { timeout: 10_000 });
    await waitForStatus('stream', 'connected');
  });

  it('send garbage: the error shows in the log and the stream keeps working', async () => {
    await resetStatusHistory();
    await page.click('[data-testid=outage-garbage]');
    await waitForLogLine({ source: 'stream', level: 'error', prefix: 'parse:' });
    expect(await page.evaluate(() => window.statusHistory.stream), 'no reconnect for a bad frame').toEqual([]);

    const request = 'How is NVDA doing after the garbage?';
    await sendChat(request);
    await waitForAnswer(request);
    expect(await page.getAttribute(badge('stream'), 'data-status')).toBe('connected');
    expect((await chatsReceivedByServer()).at(-1)).toBe(request);

  });

  it('AG-UI: the agent watched over /ws/agui, then over POST /agui, shows the same answer, steps, tools and shared state', async () => {
    const watch = async (mode, finalStatus) => {
      await page.check(`[data-testid=agui-mode-${mode}]`);
      await page.click('[data-testid=agui-run]');
      await page.waitForSelector('[data-testid=agui-run-status]:text-is("done")', { timeout: 30_000 });
      await page.waitForSelector(`[data-testid=agui-connection]:text-is("${finalStatus}")`, { timeout: 10_000 });
      return page.evaluate(() => ({
        answer: document.querySelector('[data-testid=agui-answer]').textContent,
        steps: [...document.querySelectorAll('[data-testid=agui-steps] li')].map((li) => [li.firstChild.textContent.trim(), li.dataset.status]),
        tools: [...document.querySelectorAll('[data-testid=agui-tools] li')].map((li) => [li.querySelector('code').textContent, li.dataset.status]),
        state: JSON.parse(document.querySelector('[data-testid=agui-state]').textContent),
      }));
    };
    // /ws/agui closes with 1000 after RUN_FINISHED (no reconnect); the HTTP run ends 'finished'.
    const overWebSocket = await watch('ws', 'disconnected');
    const overHttp = await watch('http', 'finished');

    expect(overWebSocket.answer.length).toBeGreaterThan(40);
    expect(overWebSocket.steps.length).toBeGreaterThan(0);
    expect(overWebSocket.steps.every(([, status]) => status === 'done')).toBe(true);
    expect(overWebSocket.tools.length).toBeGreaterThan(0);
    expect(overWebSocket.tools.every(([, status]) => status === 'done')).toBe(true);
    expect(overWebSocket.state.progress).toBe(1);
    // Same agent, same question: the same run whichever transport carried it.
    expect(overHttp).toEqual(overWebSocket);
    // The HTTP transport's wasm is fetched only when it is first used, from the bundle.
    const httpWasm = responses.filter((r) => /\/assets\/agentwire_http_bg-[\w-]+\.wasm$/.test(r.url));
    expect(httpWasm).toHaveLength(1);
    expect(httpWasm[0]).toMatchObject({ status: 200, type: 'application/wasm' });

    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-results', 'demo.png') });
  });

  it('share: the hint counts the tabs on the chat connection, and a second tab adds no socket', async () => {
    const hint = '[data-testid=share-hint]';
    await page.waitForSelector(`${hint}[data-tabs="1"]`);
    expect(await page.textContent(hint)).toContain('Open another tab');
    const connectionsBefore = (await server.log()).stream.connections;
    const second = await page.context().newPage();
    second.on('pageerror', (error) => problems.push(`pageerror (second tab): ${error.message}`));
    await second.goto(`${server.origin}/${PAGE_QUERY}`);
    await second.waitForSelector(`${hint}[data-tabs="2"]`, { timeout: 10_000 });
    await page.waitForSelector(`${hint}[data-tabs="2"]`, { timeout: 10_000 });
    expect(await page.textContent(hint)).toContain('2 tabs on one connection (this tab holds the socket)');
    expect(await second.textContent(hint)).toContain('(another tab holds the socket)');
    expect((await server.log()).stream.connections, 'the second tab opened no chat socket').toBe(connectionsBefore);
    await second.close();
    await page.waitForSelector(`${hint}[data-tabs="1"]`, { timeout: 10_000 });
  });
});
