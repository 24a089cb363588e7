// agentwire/react: React hooks over WebSocketTransport.
//
// Safe under StrictMode (the double mount creates one transport and opens one socket) and
// under SSR (on the server the hooks render the idle state and touch nothing).
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { WebSocketTransport } from '../pkg/agentwire.js';
import { ready } from './ready.js';

export { ready };

/** The snapshot shown when there is no transport (server rendering, before the wasm loaded). */
export const IDLE_SNAPSHOT = Object.freeze({
  status: 'idle',
  attempt: 0,
  queued: 0,
  latencyMs: null,
  lastError: null,
  lastCloseCode: null,
  lastCloseReason: null,
  delayMs: null,
  nextRetryAt: null,
  connectedAt: null,
  online: true,
  url: null,
  sessionId: null,
  lastSeq: 0,
  resumed: false,
  shared: false,
  leader: true,
  tabs: 1,
});

const subscribeToNothing = () => () => {};
const idleSnapshot = () => IDLE_SNAPSHOT;

/**
 * Creates one transport for this component (and its children), connects it unless
 * `autoConnect: false`, and frees it on unmount. Returns null until it exists: during server
 * rendering, and until the wasm module has loaded.
 *
 * Options are read when the transport is created; a new `url` creates a new transport. A `url`
 * list counts as new when its URLs change (not when only the array is new); a `url` function is
 * kept from the first render (it is called before every attempt, so it can read current state).
 */
export function useTransport(options) {
  const [transport, setTransport] = useState(null);
  const latestOptions = useRef(options);
  latestOptions.current = options;
  const url = urlKey(options?.url);

  useEffect(() => {
    let disposed = false;
    let created = null;
    // Creating after a resolved promise (a microtask) lets StrictMode's immediate
    // unmount-remount cancel the first mount before it opens a socket.
    const { share, queue } = latestOptions.current ?? {};
    const needsFull = Boolean(share) || Boolean(queue?.persist);
    (needsFull ? loadFull() : ready().then(() => WebSocketTransport)).then(
      (Transport) => {
        if (disposed) return;
        const { autoConnect = true, ...transportOptions } = latestOptions.current;
        created = new Transport(transportOptions);
        setTransport(created);
        // Failures show in the status; the promise is only a convenience.
        if (autoConnect) created.connect().catch(() => {});
      },
      (error) => console.error('AgentWire: the wasm module failed to load', error),
    );
    return () => {
      disposed = true;
      if (created) {
        const freed = created;
        setTransport((current) => (current === freed ? null : current));
        freed.free();
      }
    };
  }, [url]);

  return transport;
}

let fullModule = null;

/**
 * agentwire/full's `WebSocketTransport` (for `share` and `queue.persist`), loaded once. A
 * dynamic import: apps that use neither never download the full build.
 */
function loadFull() {
  fullModule ??= import('../pkg/full/agentwire.js')
    .then(async (module) => {
      await module.default();
      return module.WebSocketTransport;
    })
    .catch((error) => {
      fullModule = null;
      throw error;
    });
  return fullModule;
}

/** What identifies the `url` option across renders: its text, a list's URLs, or "a function". */
function urlKey(url) {
  if (typeof url === 'function') return 'function';
  if (Array.isArray(url)) return JSON.stringify(url);
  return url;
}

/** The transport's snapshot (status, attempt, queued, latencyMs, ...), re-rendering on change. */
export function useConnectionStatus(transport) {
  return useSyncExternalStore(
    transport ? transport.subscribe : subscribeToNothing,
    transport ? transport.getSnapshot : idleSnapshot,
    idleSnapshot,
  );
}

/**
 * One value derived from the snapshot; re-renders only when `isEqual` says it changed, e.g.
 * `useTransportSelector(t, (s) => s.status === 'connected')`.
 */
export function useTransportSelector(transport, selector, isEqual = Object.is) {
  const memo = useRef(null);
  const select = useCallback(() => {
    const snapshot = transport ? transport.getSnapshot() : IDLE_SNAPSHOT;
    const last = memo.current;
    if (last && last.snapshot === snapshot && last.selector === selector) return last.selection;
    const selection = selector(snapshot);
    if (last && isEqual(last.selection, selection)) {
      memo.current = { snapshot, selector, selection: last.selection };
      return last.selection;
    }
    memo.current = { snapshot, selector, selection };
    return selection;
  }, [transport, selector, isEqual]);
  return useSyncExternalStore(transport ? transport.subscribe : subscribeToNothing, select, select);
}

let sessionModule = null;

/** Loads agentwire/session's wasm once. A dynamic import: apps that never use a session do not download it. */
function loadSession() {
  sessionModule ??= import('../pkg/session/agentwire_session.js')
    .then(async (module) => {
      await module.default();
      return module;
    })
    .catch((error) => {
      sessionModule = null;
      throw error;
    });
  return sessionModule;
}

/**
 * One `AgentSession` (from agentwire/session) for this component, freed on unmount; null during
 * server rendering and until its wasm module has loaded. Options are read at creation. Feed it
 * with `bindSession` from agentwire/zustand, or call `applyMany` yourself.
 */
export function useAgentSession(options) {
  const [session, setSession] = useState(null);
  const latestOptions = useRef(options);
  latestOptions.current = options;
  useEffect(() => {
    let disposed = false;
    let created = null;
    loadSession().then(
      ({ AgentSession }) => {
        if (disposed) return;
        created = new AgentSession(latestOptions.current);
        setSession(created);
      },
      (error) => console.error('AgentWire: the session wasm module failed to load', error),
    );
    return () => {
      disposed = true;
      if (created) {
        const freed = created;
        setSession((current) => (current === freed ? null : current));
        freed.free();
      }
    };
  }, []);
  return session;
}

/** Calls the latest `handler` for messages of `type` ('*' for all) while mounted. */
export function useTransportEvent(transport, type, handler) {
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    if (!transport) return undefined;
    return transport.on(type, (message) => latest.current(message));
  }, [transport, type]);
}
