
// ---- HttpAgentTransport (hand-written: wasm-bindgen cannot express the listener types) ----

export type HttpStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'finished' | 'closed';

/** The kinds the WebSocket transport reports that apply to HTTP: `connection_failed` (a network
 *  error, a 5xx/408/429 answer, or a stream that ended before RUN_FINISHED/RUN_ERROR: retried),
 *  `rejected` (another 4xx, or not text/event-stream: final), `max_attempts`, `parse` (an event
 *  that is not a JSON object with a string type field), `listener` (a listener threw). */
export interface HttpTransportError {
  readonly kind: 'connection_failed' | 'rejected' | 'max_attempts' | 'parse' | 'listener';
  readonly message: string;
}

export interface HttpStatusEvent {
  readonly status: HttpStatus;
  /** The request's number in this run (1 for the first, more after drops). */
  readonly attempt: number;
}

export interface HttpSnapshot {
  readonly status: HttpStatus;
  readonly attempt: number;
  /** The SSE id a reconnection sends as `Last-Event-ID`. */
  readonly lastEventId: string | null;
  /** Events delivered in this run. */
  readonly delivered: number;
  readonly runId: string | null;
  readonly threadId: string | null;
}

export interface HttpAgentTransportOptions {
  /** Where events carry their type. Default 'type' (AG-UI's). */
  typeField?: string;
  /** Extra request headers (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Backoff between attempts, as the WebSocket transport's: defaults 1000, 30000, 2, 1 (full
   *  jitter), no limit. A server's `retry:` replaces the first delay. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; factor?: number; jitter?: number; maxAttempts?: number };
  /** Longest SSE line kept (longer ones are cut). Default 10 MiB. */
  maxLineBytes?: number;
}

/**
 * AG-UI's HttpAgent shape over fetch: `run(input)` POSTs the RunAgentInput with
 * `Accept: text/event-stream` and delivers each event to `on(type)` / `on('*')` listeners. A
 * stream that drops before the run's end is requested again after the backoff, with
 * `Last-Event-ID`: nothing is lost or delivered twice.
 */
export class HttpAgentTransport {
  /** @throws TypeError for an unknown option or a wrong type. */
  constructor(url: string, options?: HttpAgentTransportOptions);
  run(input: { threadId: string; runId: string; messages: readonly unknown[]; [key: string]: unknown }): void;
  stop(): void;
  /** Returns a function that removes exactly this registration. */
  on(type: string, listener: (event: any) => void): () => void;
  off(type: string, listener: (event: any) => void): boolean;
  onStatus(listener: (event: HttpStatusEvent) => void): () => void;
  onError(listener: (error: HttpTransportError) => void): () => void;
  readonly subscribe: (listener: () => void) => () => void;
  readonly getSnapshot: () => HttpSnapshot;
  free(): void;
}
