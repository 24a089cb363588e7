// Malformed, oversized and binary frames from a real server: one error each, nothing lost.
import { describe, expect, it } from 'vitest';
import { useBrowserFixture } from './support/fixture.js';
import { waitInPage } from './support/browser.js';

const f = useBrowserFixture();

describe('bad input', () => {
  it('reports each bad frame once and still delivers the valid frame after them', async () => {
    await f.page.evaluate(async (url) => {
      await window.track('bad', { url, maxMessageBytes: 100 }).t.connect();
    }, f.server.ws('/ws/echo'));
    const frames = [
      'not json at all',
      '[1, 2, 3]',
      '"just a string"',
      '{"no": "type"}',
      '{"type": 5}',
      `{"type": "huge", "pad": "${'x'.repeat(200)}"}`,
      `{"type": "multibyte", "pad": "${'€'.repeat(40)}"}`,
    ];
    for (const frame of frames) await f.server.control('send?endpoint=echo', frame);
    await f.server.control('send?endpoint=echo&binary=1', 'binary bytes');
    await f.server.control('send?endpoint=echo', '{"type":"ok","n":1}');
    await waitInPage(f.page, () => window.rec.bad.messages.length === 1, null, { what: 'the valid frame' });
    const result = await f.page.evaluate(() => ({
      messages: window.rec.bad.messages,
      kinds: window.rec.bad.errors.map((e) => e.kind),
      status: window.rec.bad.t.status,
      parseData: window.rec.bad.errors[0].data,
      tooLarge: window.rec.bad.errors.filter((e) => e.kind === 'too_large').map((e) => [e.size, e.limit]),
      lastError: window.rec.bad.t.getSnapshot().lastError.kind,
    }));
    expect(result.messages).toEqual([{ type: 'ok', n: 1 }]);
    expect(result.kinds).toEqual(['parse', 'parse', 'parse', 'parse', 'parse', 'too_large', 'too_large', 'binary']);
    expect(result.status).toBe('connected');
    expect(result.parseData).toBe('not json at all');
    // Sizes are UTF-8 bytes: each '€' is 3.
    expect(result.tooLarge).toEqual([[Buffer.byteLength(frames[5]), 100], [Buffer.byteLength(frames[6]), 100]]);
    expect(result.lastError).toBe('binary');
  });

  it('reports values send() cannot serialise and keeps working', async () => {
    const result = await f.page.evaluate(async (url) => {
      const rec = window.track('ser', { url });
      await rec.t.connect();
      const cyclic = {}; cyclic.self = cyclic;
      const outcomes = [rec.t.send(cyclic), rec.t.send(undefined), rec.t.send(() => 1), rec.t.send({ type: 'fine' })];
      await new Promise((resolve) => rec.t.on('fine', resolve));
      return { outcomes, kinds: rec.errors.map((e) => e.kind), status: rec.t.status };
    }, f.server.ws('/ws/echo'));
    expect(result).toEqual({ outcomes: ['dropped', 'dropped', 'dropped', 'sent'], kinds: ['serialize', 'serialize', 'serialize'], status: 'connected' });
  });

  it('a frame near the limit is measured exactly and delivered when it is within', async () => {
    await f.page.evaluate(async (url) => {
      await window.track('near', { url, maxMessageBytes: 100 }).t.connect();
    }, f.server.ws('/ws/echo'));
    // 90 ASCII bytes: too long to be within 100 bytes whatever it contains (over 33 units),
    // so it is counted, and is within.
    const within = JSON.stringify({ type: 'near', pad: 'x'.repeat(90 - 24) });
    await f.server.control('send?endpoint=echo', within);
    await waitInPage(f.page, () => window.rec.near.messages.length === 1, null, { what: 'the near-limit frame' });
    const result = await f.page.evaluate(() => ({ messages: window.rec.near.messages.length, errors: window.rec.near.errors }));
    expect(Buffer.byteLength(within)).toBe(90);
    expect(result).toEqual({ messages: 1, errors: [] });
  });

  it('thousands of distinct message types are all dispatched by their type', async () => {
    const result = await f.page.evaluate(async (url) => {
      const t = new WebSocketTransport({ url });
      const seen = [];
      t.on('*', (m) => seen.push(m.type));
      let typedHits = 0;
      t.on('kind-4500', () => { typedHits += 1; });
      await t.connect();
      const count = 5000; // more than glue.js interns
      for (let i = 0; i < count; i++) t.send({ type: `kind-${i}` });
      await new Promise((resolve) => { const check = () => (seen.length >= count ? resolve() : setTimeout(check, 10)); check(); });
      t.free();
      return { all: seen.every((type, i) => type === `kind-${i}`), count: seen.length, typedHits };
    }, f.server.ws('/ws/echo'));
    expect(result).toEqual({ all: true, count: 5000, typedHits: 1 });
  });
});
