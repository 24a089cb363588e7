// Listener re-entrancy: listeners may throw, send, unsubscribe, disconnect or free the transport.
import { describe, expect, it } from 'vitest';
import { useBrowserFixture } from './support/fixture.js';

const f = useBrowserFixture();

describe('listeners', () => {
  it('a throwing listener is reported and the others still run', async () => {
    const result = await f.page.evaluate(async (url) => {
      const rec = window.track('throw', { url });
      const calls = [];
      rec.t.on('x', () => calls.push('first'));
      rec.t.on('x', () => { throw new Error('boom'); });
      rec.t.on('x', () => calls.push('third'));
      await rec.t.connect();
      rec.t.send({ type: 'x' });
      rec.t.send({ type: 'x' });
      await new Promise((resolve) => { const off = rec.t.on('x', () => { if (calls.length === 4) { off(); setTimeout(resolve, 0); } }); });
      return { calls, errors: rec.errors.map((e) => [e.kind, e.error?.message]), star: rec.messages.length };
    }, f.server.ws('/ws/echo'));
    expect(result.calls).toEqual(['first', 'third', 'first', 'third']);
    expect(result.errors).toEqual([['listener', 'boom'], ['listener', 'boom']]);
    expect(result.star).toBe(2);
  });

  it('a listener that throws undefined or null is reported too, and the others still run', async () => {
    const result = await f.page.evaluate(async (url) => {
      const rec = window.track('nullish', { url });
      const calls = [];
      rec.t.on('x', () => { throw undefined; });
      rec.t.on('x', () => { throw null; });
      rec.t.on('x', (message) => calls.push(message.n));
      await rec.t.connect();
      rec.t.send({ type: 'x', n: 1 });
      await new Promise((resolve) => { const off = rec.t.on('x', () => { off(); setTimeout(resolve, 0); }); });
      return { calls, errors: rec.errors.map((e) => [e.kind, e.message]) };
    }, f.server.ws('/ws/echo'));
    expect(result.calls).toEqual([1]);
    expect(result.errors).toEqual([
      ['listener', "a listener for 'x' threw: undefined"],
      ['listener', "a listener for 'x' threw: null"],
    ]);
  });

  it('disconnect() inside a listener stops the transport without reconnecting', async () => {
    const result = await f.page.evaluate(async (url) => {
      const rec = window.track('dc', { url, reconnect: { initialDelayMs: 10, jitter: 0 } });
      const seen = [];
      rec.t.on('x', (m) => { seen.push(m.i); if (m.i === 1) rec.t.disconnect(1000, 'enough'); });
      await rec.t.connect();
      rec.t.send({ type: 'x', i: 1 });
      await new Promise((r) => setTimeout(r, 300));
      return { seen, status: rec.t.status, attempts: rec.t.stats().attempts };
    }, f.server.ws('/ws/echo'));
    expect(result).toEqual({ seen: [1], status: 'disconnected', attempts: 1 });
  });

  it('send, on and off inside a listener take effect in order', async () => {
    const result = await f.page.evaluate(async (url) => {
      const t = new WebSocketTransport({ url });
      const log = [];
      const late = () => log.push('late');
      const second = () => log.push('second');
      t.on('ping-pong', (m) => {
        log.push(`got ${m.n}`);
        if (m.n === 1) {
          t.off('ping-pong', second); // removed before its turn: not called for this message
          t.on('ping-pong', late); // added now: first called for the next message
          t.send({ type: 'ping-pong', n: 2 });
        }
      });
      t.on('ping-pong', second);
      await t.connect();
      t.send({ type: 'ping-pong', n: 1 });
      await new Promise((resolve) => t.on('ping-pong', (m) => { if (m.n === 2) setTimeout(resolve, 0); }));
      t.free();
      return log;
    }, f.server.ws('/ws/echo'));
    expect(result).toEqual(['got 1', 'got 2', 'late']);
  });

  it('free() inside a listener releases everything and stops dispatch', async () => {
    const result = await f.page.evaluate(async (url) => {
      const t = new WebSocketTransport({ url });
      const calls = [];
      t.on('x', () => { calls.push('freer'); t.free(); });
      t.on('x', () => calls.push('after free'));
      await t.connect();
      t.send({ type: 'x' });
      await new Promise((r) => setTimeout(r, 200));
      const socket = window.socketCensus.created.at(-1);
      return { calls, readyState: socket.readyState, onmessage: socket.onmessage };
    }, f.server.ws('/ws/echo'));
    expect(result.calls).toEqual(['freer']);
    expect(result.readyState).toBeGreaterThanOrEqual(2);
    expect(result.onmessage).toBeNull();
  });

  it('free() inside a status listener works while a method is still running', async () => {
    const result = await f.page.evaluate(async (url) => {
      const t = new WebSocketTransport({ url });
      const seen = [];
      t.onStatus((e) => { seen.push(e.status); if (e.status === 'disconnected') t.free(); });
      await t.connect();
      t.disconnect();
      await new Promise((r) => setTimeout(r, 50));
      return { seen, status: t.status, send: t.send('late'), listeners: t.debugResources().statusListeners };
    }, f.server.ws('/ws/echo'));
    expect(result).toEqual({
      seen: ['connecting', 'connected', 'disconnected'], status: 'disconnected', send: 'dropped', listeners: 0,
    });
  });

  it('the unsubscribe function returned by on() removes exactly that registration', async () => {
    const result = await f.page.evaluate(async (url) => {
      const t = new WebSocketTransport({ url });
      const calls = [];
      const f1 = () => calls.push('f');
      const offFirst = t.on('x', f1);
      t.on('x', f1);
      offFirst();
      offFirst();
      await t.connect();
      t.send({ type: 'x' });
      await new Promise((resolve) => t.on('x', () => setTimeout(resolve, 0)));
      const counts = t.debugResources();
      t.free();
      return { calls, listeners: counts.messageListeners };
    }, f.server.ws('/ws/echo'));
    expect(result).toEqual({ calls: ['f'], listeners: 2 });
  });

  it('connect() rejects when the transport is disconnected before it connected', async () => {
    const message = await f.page.evaluate(async (url) => {
      const t = new WebSocketTransport({ url });
      const pending = t.connect().then(() => 'resolved', (e) => e.message);
      t.disconnect();
      return pending;
    }, f.server.ws('/ws/echo'));
    expect(message).toMatch(/status 'disconnected' before it was established/);
  });
});
