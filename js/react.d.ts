import type { EventMap, TransportOptions, TransportSnapshot, WebSocketTransport } from '../pkg/agentwire.js';
import type { AgentSession, AgentSessionOptions } from '../pkg/session/agentwire_session.js';

export { ready } from './ready.js';

/** The snapshot shown when there is no transport (server rendering, before the wasm loaded). */
export const IDLE_SNAPSHOT: TransportSnapshot;

export interface UseTransportOptions extends TransportOptions {
  /** Call connect() once created. Default true. */
  autoConnect?: boolean;
}

/**
 * Creates one transport for this component, connects it (unless autoConnect: false) and frees
 * it on unmount. Null during server rendering and until the wasm module has loaded.
 * Options are read at creation; a new `url` creates a new transport (a list when its URLs change,
 * not when only the array is new; a url function is kept from the first render).
 */
export function useTransport<Events extends EventMap = { [type: string]: any }, Outgoing = unknown>(
  options: UseTransportOptions,
): WebSocketTransport<Events, Outgoing> | null;

/** The transport's snapshot, re-rendering when it changes. */
export function useConnectionStatus(transport: WebSocketTransport<any, any> | null): TransportSnapshot;

/** One value derived from the snapshot; re-renders only when it changes (by `isEqual`). */
export function useTransportSelector<T>(
  transport: WebSocketTransport<any, any> | null,
  selector: (snapshot: TransportSnapshot) => T,
  isEqual?: (a: T, b: T) => boolean,
): T;

/** Calls the latest `handler` for messages of `type` ('*' for all) while mounted. */
export function useTransportEvent<Events extends EventMap, K extends keyof Events & string>(
  transport: WebSocketTransport<Events, any> | null,
  type: K,
  handler: (message: Events[K]) => void,
): void;
export function useTransportEvent<Events extends EventMap>(
  transport: WebSocketTransport<Events, any> | null,
  type: '*',
  handler: (message: Events[keyof Events]) => void,
): void;

/**
 * One AgentSession (agentwire/session) for this component, freed on unmount; null during server
 * rendering and until its wasm module has loaded (loaded on first use, by a dynamic import).
 * Options are read at creation.
 */
export function useAgentSession(options?: AgentSessionOptions): AgentSession | null;
