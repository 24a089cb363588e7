// The Zustand binding in a real browser: a burst of token deltas from the reference server
// reaches the store complete and in order, with at most one store update per animation frame.
import { describe, expect, it } from 'vitest';
import { useBrowserFixture } from './support/fixture.js';

const f = useBrowserFixture();

describe('bindTransport in the browser', () => {
  it('10,000 streamed deltas give the full answer with at most one store update per frame', async () => {
    const result = await f.page.evaluate(async (url) => {
      const { createStore } = await window.importModule('/vendor/zustand/vanilla.mjs');
      const { bindTransport } = await window.importModule('/js/zustand.js');
      const store = createStore(() => ({ text: '', deltas: 0, result: null }));
      let updates = 0;
      store.subscribe(() => { updates += 1; });
      let frames = 0;
      let counting = true;
      const countFrames = () => { frames += 1; if (counting) requestAnimationFrame(countFrames); };
      requestAnimationFrame(countFrames);

      const t = new WebSocketTransport({ url });
      bindTransport(t, store, {
        message_delta: (s, m) => ({ text: s.text + m.delta, deltas: s.deltas + 1 }),
        result: (_s, m) => ({ result: m.content }),
      });
      await t.connect();
      t.send({ type: 'chat', payload: { message: 'Compare NVDA and AMD', answer_tokens: 10_000 } });
      await new Promise((resolve) => store.subscribe((s) => { if (s.result !== null) resolve(); }));
      counting = false;
      const state = store.getState();
      t.free();
      return { text: state.text, result: state.result, deltas: state.deltas, updates, frames };
    }, f.server.ws('/ws/stream?delay_ms=0&tokens_per_sec=0'));
    expect(result.deltas).toBe(10_000);
    expect(result.text).toBe(result.result);
    expect(result.updates).toBeLessThanOrEqual(result.frames + 1);
    expect(result.updates).toBeLessThan(result.deltas / 10);
  });
});
