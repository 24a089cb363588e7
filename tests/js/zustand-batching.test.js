// The Zustand binding's batching, as pure logic: a fake transport (dispatch in order to '*'
// listeners, like the real one) and a scheduler the test advances frame by frame.
import { describe, expect, it, vi } from 'vitest';
import { createStore } from 'zustand/vanilla';
import { bindSession, bindTransport } from '../../js/zustand.js';

function fakeTransport() {
  const listeners = new Map();
  return {
    on(type, fn) {
      const list = listeners.get(type) ?? [];
      list.push(fn);
      listeners.set(type, list);
      return () => listeners.set(type, (listeners.get(type) ?? []).filter((f) => f !== fn));
    },
    emit(message) {
      for (const fn of listeners.get(message.type) ?? []) fn(message);
      for (const fn of listeners.get('*') ?? []) fn(message);
    },
    count: () => [...listeners.values()].reduce((n, l) => n + l.length, 0),
  };
}

/** A scheduler whose "frames" run when the test says so. */
function manualFrames() {
  let queued = [];
  const schedule = (callback) => {
    const entry = { callback, cancelled: false };
    queued.push(entry);
    return () => { entry.cancelled = true; };
  };
  const frame = () => {
    const due = queued;
    queued = [];
    for (const entry of due) if (!entry.cancelled) entry.callback();
  };
  return { schedule, frame, get scheduled() { return queued.filter((e) => !e.cancelled).length; } };
}

const deltas = (n) => Array.from({ length: n }, (_, i) => ({ type: 'message_delta', message_id: 'm', delta: `w${i} ` }));

describe('bindTransport', () => {
  it('a burst of 10,000 deltas gives the same text as applying them one by one, in one store update', () => {
    const transport = fakeTransport();
    const store = createStore(() => ({ text: '', count: 0 }));
    const frames = manualFrames();
    const setState = vi.spyOn(store, 'setState');
    bindTransport(transport, store, {
      message_delta: (state, m) => ({ text: state.text + m.delta, count: state.count + 1 }),
    }, { schedule: frames.schedule });
    const burst = deltas(10_000);
    for (const m of burst) transport.emit(m);
    expect(setState).not.toHaveBeenCalled();
    expect(frames.scheduled).toBe(1);
    frames.frame();
    expect(setState).toHaveBeenCalledTimes(1);
    const oneByOne = burst.reduce((text, m) => text + m.delta, '');
    expect(store.getState()).toEqual({ text: oneByOne, count: 10_000 });
  });

  it('never updates the store more than once per frame, and not at all for frames without messages', () => {
    const transport = fakeTransport();
    const store = createStore(() => ({ n: 0 }));
    const frames = manualFrames();
    const setState = vi.spyOn(store, 'setState');
    bindTransport(transport, store, { tick: (s) => ({ n: s.n + 1 }) }, { schedule: frames.schedule });
    for (let frame = 0; frame < 50; frame++) {
      for (let i = 0; i < frame % 7; i++) transport.emit({ type: 'tick' });
      frames.frame();
    }
    const framesWithMessages = Array.from({ length: 50 }, (_, f) => f % 7).filter(Boolean).length;
    expect(setState).toHaveBeenCalledTimes(framesWithMessages);
    expect(store.getState().n).toBe(Array.from({ length: 50 }, (_, f) => f % 7).reduce((a, b) => a + b, 0));
  });

  it('keeps arrival order across message types', () => {
    const transport = fakeTransport();
    const store = createStore(() => ({ log: [] }));
    const frames = manualFrames();
    bindTransport(transport, store, {
      a: (s, m) => ({ log: [...s.log, `a${m.i}`] }),
      b: (s, m) => ({ log: [...s.log, `b${m.i}`] }),
      '*': (s, m) => ({ log: [...s.log, `other:${m.type}`] }),
    }, { schedule: frames.schedule });
    transport.emit({ type: 'a', i: 1 });
    transport.emit({ type: 'b', i: 2 });
    transport.emit({ type: 'zzz' });
    transport.emit({ type: 'a', i: 3 });
    frames.frame();
    expect(store.getState().log).toEqual(['a1', 'b2', 'other:zzz', 'a3']);
  });

  it('ignores types without a handler when there is no wildcard handler', () => {
    const transport = fakeTransport();
    const store = createStore(() => ({ n: 0 }));
    const frames = manualFrames();
    const setState = vi.spyOn(store, 'setState');
    bindTransport(transport, store, { tick: (s) => ({ n: s.n + 1 }) }, { schedule: frames.schedule });
    transport.emit({ type: 'other' });
    expect(frames.scheduled).toBe(0);
    frames.frame();
    expect(setState).not.toHaveBeenCalled();
  });

  it('a throwing handler is reported and the other messages are still applied', () => {
    const transport = fakeTransport();
    const store = createStore(() => ({ n: 0 }));
    const frames = manualFrames();
    const errors = [];
    bindTransport(transport, store, {
      tick: (s, m) => { if (m.bad) throw new Error('bad tick'); return { n: s.n + 1 }; },
    }, { schedule: frames.schedule, onError: (e, m) => errors.push([e.message, m.bad]) });
    transport.emit({ type: 'tick' });
    transport.emit({ type: 'tick', bad: true });
    transport.emit({ type: 'tick' });
    frames.frame();
    expect(store.getState().n).toBe(2);
    expect(errors).toEqual([['bad tick', true]]);
  });

  it('unbind applies what is still buffered, then stops listening', () => {
    const transport = fakeTransport();
    const store = createStore(() => ({ n: 0 }));
    const frames = manualFrames();
    const unbind = bindTransport(transport, store, { tick: (s) => ({ n: s.n + 1 }) }, { schedule: frames.schedule });
    transport.emit({ type: 'tick' });
    transport.emit({ type: 'tick' });
    unbind();
    expect(store.getState().n).toBe(2);
    expect(transport.count()).toBe(0);
    transport.emit({ type: 'tick' });
    frames.frame();
    expect(store.getState().n).toBe(2);
  });

  it('keeps the connection snapshot in the store under statusKey', () => {
    let notify;
    let snapshot = { status: 'connecting' };
    const transport = { ...fakeTransport(), getSnapshot: () => snapshot, subscribe: (fn) => { notify = fn; return () => { notify = null; }; } };
    const store = createStore(() => ({ connection: null }));
    const unbind = bindTransport(transport, store, {}, { statusKey: 'connection' });
    expect(store.getState().connection).toBe(snapshot);
    snapshot = { status: 'connected' };
    notify();
    expect(store.getState().connection.status).toBe('connected');
    unbind();
    expect(notify).toBeNull();
  });
});

describe('bindSession', () => {
  it('applies each frame as one batch and publishes the snapshot once', () => {
    const transport = fakeTransport();
    const batches = [];
    const session = {
      text: '',
      applyMany(batch) { batches.push(batch.length); for (const m of batch) this.text += m.delta; return true; },
      getSnapshot() { return { text: this.text }; },
    };
    const store = createStore(() => ({ session: null }));
    const frames = manualFrames();
    const setState = vi.spyOn(store, 'setState');
    bindSession(transport, session, store, { schedule: frames.schedule });
    for (const m of deltas(500)) transport.emit(m);
    frames.frame();
    expect(batches).toEqual([500]);
    expect(setState).toHaveBeenCalledTimes(2); // the initial snapshot, then one per frame
    expect(store.getState().session.text).toBe(deltas(500).map((m) => m.delta).join(''));
  });
});
