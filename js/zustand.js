// agentwire/zustand: feed a transport's messages into a Zustand store, one store update per
// animation frame however many messages arrived, none dropped or reordered.
import { createBatcher, nextFrame } from './batching.js';

export { nextFrame };

function report(onError, error, message) {
  if (onError) onError(error, message);
  else console.error('AgentWire: a store handler threw', error);
}

/**
 * `handlers` maps a message type to `(state, message) => partialState | void`; `'*'` handles
 * types without their own handler. Messages are buffered and, once per frame, applied in
 * arrival order to a working copy of the state, which is then set in one `setState`.
 *
 * Options: `typeField` (default 'type'), `statusKey` (also keep the transport's snapshot in
 * the store under this key), `schedule` (default: next animation frame), `onError`.
 * Returns `unbind()`, which applies what is still buffered and stops listening; `unbind.flush()`
 * applies the buffer now.
 */
export function bindTransport(transport, store, handlers, options = {}) {
  const { typeField = 'type', statusKey, schedule = nextFrame, onError } = options;
  const fallback = handlers['*'];
  const batcher = createBatcher((batch) => {
    const before = store.getState();
    let state = before;
    for (const message of batch) {
      const handler = handlers[message[typeField]] ?? fallback;
      try {
        const patch = handler(state, message);
        if (patch && patch !== state) state = { ...state, ...patch };
      } catch (error) {
        report(onError, error, message);
      }
    }
    if (state !== before) store.setState(state, true);
  }, schedule);

  const offMessages = transport.on('*', (message) => {
    const type = message[typeField];
    if (fallback || Object.prototype.hasOwnProperty.call(handlers, type)) batcher.push(message);
  });
  let offStatus = null;
  if (statusKey) {
    const sync = () => store.setState({ [statusKey]: transport.getSnapshot() });
    sync();
    offStatus = transport.subscribe(sync);
  }
  const unbind = () => {
    batcher.flush();
    offMessages();
    offStatus?.();
  };
  unbind.flush = batcher.flush;
  return unbind;
}

/**
 * Feeds every message into an `AgentSession` (from 'agentwire/session', or anything with
 * `applyMany(messages)` and `getSnapshot()`), and puts its snapshot in the store under `key`
 * (default 'session') once per frame. The snapshot shares unchanged parts with the previous
 * one, so selectors on them do not re-render.
 */
export function bindSession(transport, session, store, options = {}) {
  const { key = 'session', schedule = nextFrame, onError } = options;
  const publish = () => store.setState({ [key]: session.getSnapshot() });
  const batcher = createBatcher((batch) => {
    try {
      if (session.applyMany(batch)) publish();
    } catch (error) {
      report(onError, error, batch);
    }
  }, schedule);
  publish();
  const off = transport.on('*', (message) => batcher.push(message));
  const unbind = () => {
    batcher.flush();
    off();
  };
  unbind.flush = batcher.flush;
  return unbind;
}
