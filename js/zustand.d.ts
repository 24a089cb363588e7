import type { StoreApi } from 'zustand';
import type { EventMap, WebSocketTransport } from '../pkg/agentwire.js';

/** Runs `callback` later; returns a function that cancels it. */
export type Schedule = (callback: () => void) => () => void;

/** The next animation frame, or 100 ms later if no frame comes (hidden tabs). */
export const nextFrame: Schedule;

/** Per message type, a pure update: the part of the state that changes, or nothing. */
export type MessageHandlers<State, Events extends EventMap> = {
  [K in keyof Events & string]?: (state: State, message: Events[K]) => Partial<State> | void;
} & {
  '*'?: (state: State, message: Events[keyof Events]) => Partial<State> | void;
};

export interface BindOptions {
  /** The field naming a message's type. Default 'type'. */
  typeField?: string;
  /** Also keep the transport's snapshot in the store under this key (updated at once). */
  statusKey?: string;
  /** When buffered messages are applied. Default: the next animation frame. */
  schedule?: Schedule;
  /** A handler threw (the other messages are still applied). Default: console.error. */
  onError?: (error: unknown, message: unknown) => void;
}

/** Stops listening after applying what is still buffered. */
export interface Unbind {
  (): void;
  /** Applies the buffered messages now. */
  flush(): void;
}

/**
 * Applies the transport's messages to the store through `handlers`, batched: one `setState`
 * per animation frame however many messages arrived, in arrival order, none dropped.
 */
export function bindTransport<State, Events extends EventMap>(
  transport: WebSocketTransport<Events, any>,
  store: StoreApi<State>,
  handlers: MessageHandlers<State, Events>,
  options?: BindOptions,
): Unbind;

/** What `bindSession` needs of a session (AgentSession from 'agentwire/session' fits). */
export interface SessionLike<Snapshot> {
  applyMany(messages: unknown[]): boolean;
  getSnapshot(): Snapshot;
}

/**
 * What `bindSession` needs of a transport: `on('*')` returning its remover. WebSocketTransport
 * and HttpAgentTransport (agentwire/http) both fit.
 */
export interface MessageSource {
  on(type: '*', listener: (message: any) => void): () => void;
}

/** Feeds every message into `session` and publishes its snapshot under `key` once per frame. */
export function bindSession<State, Snapshot>(
  transport: MessageSource,
  session: SessionLike<Snapshot>,
  store: StoreApi<State>,
  options?: { key?: string; schedule?: Schedule; onError?: (error: unknown, messages: unknown) => void },
): Unbind;
