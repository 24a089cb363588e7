// Reconnection against a server that really goes away: killed, restarted, dropping, refusing.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openTestPage, waitInPage } from './support/browser.js';
import { startServer } from './support/server.js';

let server;
let browser;

beforeAll(async () => {
  browser = await launchBrowser();
  server = await startServer();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});



describe('reconnect', () => {
  it('reconnects by itself after a server restart and flushes what was queued meanwhile, in order', async () => {
    const port = server.port;
    const page = await openTestPage(browser, server);
    await page.evaluate(async (url) => {
      const rec = window.track('r', { url, reconnect: { initialDelayMs: 100, maxDelayMs: 400, jitter: 0 } });
      await rec.t.connect();
      rec.t.send({ type: 'before' });
    }, server.ws('/ws/echo'));
    await waitInPage(page, () => window.rec.r.messages.length === 1, null, { what: 'the first echo' });

    await server.stop({ signal: 'SIGKILL' });
    await waitInPage(page, () => window.rec.r.t.status === 'reconnecting', null, { what: 'reconnecting' });
    const outcomes = await page.evaluate(() => ['q1', 'q2', 'q3'].map((q) => window.rec.r.t.send({ type: 'queued', q })));
    expect(outcomes).toEqual(['queued', 'queued', 'queued']);
    expect(await page.evaluate(() => window.rec.r.t.getSnapshot().queued)).toBe(3);

    server = await startServer({ port });
    await waitInPage(page, () => window.rec.r.t.status === 'connected', null, { what: 'reconnected', timeout: 15_000 });
    await page.evaluate(() => window.rec.r.t.send({ type: 'after' }));
    await waitInPage(page, () => window.rec.r.messages.length === 5, null, { what: 'all echoes' });

    const messages = await page.evaluate(() => window.rec.r.messages.map((m) => m.q ?? m.type));
    expect(messages).toEqual(['before', 'q1', 'q2', 'q3', 'after']);
    const log = await server.log();
    expect(log.echo.received.map((frame) => JSON.parse(frame).q ?? JSON.parse(frame).type)).toEqual(['q1', 'q2', 'q3', 'after']);
    const summary = await page.evaluate(() => ({
      statuses: window.rec.r.statuses.map((s) => s.status),
      queued: window.rec.r.t.getSnapshot().queued,
      reconnects: window.rec.r.t.stats().reconnects,
    }));
    expect(summary.statuses.slice(0, 3)).toEqual(['connecting', 'connected', 'reconnecting']);
    expect(summary.statuses.at(-1)).toBe('connected');
    expect(summary.queued).toBe(0);
    expect(summary.reconnects).toBe(1);
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('retries a first connection that fails, and connects once the server is up', async () => {
    // Find a free port, then leave it closed for a while.
    const probe = await startServer();
    const port = probe.port;
    await probe.stop();
    const page = await openTestPage(browser, server);
    await page.evaluate((url) => {
      window.connected = window.track('first', { url, reconnect: { initialDelayMs: 100, maxDelayMs: 200, jitter: 0 } }).t.connect();
    }, `ws://127.0.0.1:${port}/ws/echo`);
    await waitInPage(page, () => window.rec.first.statuses.filter((s) => s.status === 'reconnecting').length >= 2, null, { what: 'two failed attempts' });
    const late = await startServer({ port });
    await page.evaluate(() => window.connected);
    const result = await page.evaluate(() => ({
      status: window.rec.first.t.status,
      kinds: [...new Set(window.rec.first.errors.map((e) => e.kind))],
    }));
    expect(result).toEqual({ status: 'connected', kinds: ['connection_failed'] });
    await page.close();
    await late.stop();
  });

  it('reconnects after the server drops every connection without a close frame', async () => {
    const page = await openTestPage(browser, server);
    await page.evaluate(async (url) => {
      const rec = window.track('drop', { url, reconnect: { initialDelayMs: 50, maxDelayMs: 100, jitter: 0 } });
      await rec.t.connect();
    }, server.ws('/ws/echo'));
    await server.control('drop');
    await waitInPage(page, () => window.rec.drop.statuses.some((s) => s.status === 'reconnecting'), null, { what: 'the drop noticed' });
    await waitInPage(page, () => window.rec.drop.t.status === 'connected', null, { what: 'reconnected' });
    const reconnecting = await page.evaluate(() => window.rec.drop.statuses.find((s) => s.status === 'reconnecting'));
    expect(reconnecting.code).toBe(1006);
    expect(reconnecting.attempt).toBe(1);
    expect(reconnecting.delayMs).toBe(50);
    await page.close();
  });

  it('keeps retrying while the server refuses connections, then connects', async () => {
    const page = await openTestPage(browser, server);
    await page.evaluate(async (url) => {
      const rec = window.track('refuse', { url, reconnect: { initialDelayMs: 100, maxDelayMs: 200, jitter: 0 } });
      await rec.t.connect();
    }, server.ws('/ws/echo'));
    await server.control('refuse?ms=1000');
    await server.control('drop');
    await waitInPage(page, () => window.rec.refuse.errors.filter((e) => e.kind === 'connection_failed').length >= 2, null, { what: 'refused attempts' });
    await waitInPage(page, () => window.rec.refuse.t.status === 'connected', null, { what: 'connected after the refusal', timeout: 10_000 });
    await page.close();
  });

  it('gives up with status error after maxAttempts failed attempts', async () => {
    const probe = await startServer();
    const port = probe.port;
    await probe.stop();
    const page = await openTestPage(browser, server);
    const outcome = await page.evaluate(async (url) => {
      const rec = window.track('give-up', { url, reconnect: { initialDelayMs: 20, maxDelayMs: 20, jitter: 0, maxAttempts: 3 } });
      const result = await rec.t.connect().then(() => 'resolved', (e) => `rejected: ${e.message}`);
      return { result, status: rec.t.status, attempts: rec.t.stats().attempts, kinds: rec.errors.map((e) => e.kind) };
    }, `ws://127.0.0.1:${port}/ws/echo`);
    expect(outcome.result).toMatch(/^rejected: .*error/);
    expect(outcome.status).toBe('error');
    expect(outcome.attempts).toBe(4);
    expect(outcome.kinds.at(-1)).toBe('max_attempts');
    await page.close();
  });

  it('abandons an attempt that hangs in the handshake after connectTimeoutMs and retries', async () => {
    // A TCP server on 127.0.0.1 that accepts and never answers the HTTP upgrade.
    const sockets = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = silent.address().port;
    const page = await openTestPage(browser, server);
    try {
      await page.evaluate((url) => {
        window.track('hang', { url, connectTimeoutMs: 300, reconnect: { initialDelayMs: 50, maxDelayMs: 50, jitter: 0 } }).t.connect().catch(() => {});
      }, `ws://127.0.0.1:${port}/ws/echo`);
      await waitInPage(page, () => window.rec.hang.errors.filter((e) => e.kind === 'connect_timeout').length >= 2, null, { what: 'two timed-out attempts' });
      const result = await page.evaluate(() => ({ status: window.rec.hang.t.status, attempts: window.rec.hang.t.stats().attempts }));
      expect(result.status).toBe('reconnecting');
      expect(result.attempts).toBeGreaterThanOrEqual(2);
      expect(sockets.length).toBeGreaterThanOrEqual(2);
    } finally {
      await page.evaluate(() => window.rec.hang.t.free());
      await page.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('drops the oldest queued message when the queue is full, and reports it', async () => {
    const page = await openTestPage(browser, server);
    await page.evaluate(async (url) => {
      const rec = window.track('full', { url, queue: { maxMessages: 2 }, reconnect: { initialDelayMs: 300, maxDelayMs: 300, jitter: 0 } });
      await rec.t.connect();
    }, server.ws('/ws/echo'));
    await server.control('drop');
    await waitInPage(page, () => window.rec.full.t.status === 'reconnecting', null, { what: 'reconnecting' });
    const outcomes = await page.evaluate(() => ['a', 'b', 'c'].map((id) => window.rec.full.t.send({ type: 'q', id })));
    expect(outcomes).toEqual(['queued', 'queued', 'queued']);
    await waitInPage(page, () => window.rec.full.messages.length === 2, null, { what: 'the flushed queue echoed' });
    const result = await page.evaluate(() => ({
      ids: window.rec.full.messages.map((m) => m.id),
      overflow: window.rec.full.errors.filter((e) => e.kind === 'queue_overflow').map((e) => e.dropped),
      dropped: window.rec.full.t.stats().dropped,
    }));
    expect(result).toEqual({ ids: ['b', 'c'], overflow: ['{"type":"q","id":"a"}'], dropped: 1 });
    await page.close();
  });
});
