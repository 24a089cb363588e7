// ---- WebSocketTransport (hand-written: the class is a Rust type, src/web/transport.rs, and its
// generic event map is nothing wasm-bindgen could express). The build appends this to the
// declarations wasm-bindgen writes for the initialisers (`default`, `initSync`, `InitInput`).

/** Where a transport stands. */
export type TransportStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'error';

export interface ReconnectOptions {
  /** Wait before the first retry, in ms. Default 1000. */
  initialDelayMs?: number;
  /** Cap on any wait, in ms. Default 30000. */
  maxDelayMs?: number;
  /** Growth of the wait per failed attempt. Default 2. */
  factor?: number;
  /** 0 = exact exponential waits, 1 = uniform in (0, wait]. Default 1. */
  jitter?: number;
  /** Failed attempts in a row before giving up with status 'error'. Default Infinity. */
  maxAttempts?: number;
  /** A connection open this long resets the attempt count, in ms. Default 5000. */
  minUptimeMs?: number;
}

export interface HeartbeatOptions {
  /** Ping after this long without any inbound frame, in ms. Default 30000. */
  intervalMs?: number;
  /** Declare the connection dead if nothing arrives this long after a ping, in ms. Default 10000. */
  timeoutMs?: number;
  /** The ping to send: a string as is, anything else as JSON. Default { type: 'ping' }. */
  ping?: unknown;
  /** The type of the server's reply to our ping. Default 'pong'. */
  pongType?: string;
}

export interface QueueOptions {
  /** Default 100. */
  maxMessages?: number;
  /** UTF-8 bytes. Default 1048576. */
  maxBytes?: number;
  /** Older messages are discarded instead of sent, in ms. Default 60000. */
  maxAgeMs?: number;
  /**
   * Keep queued messages and unacknowledged sendWithAck messages in IndexedDB (the write is
   * issued before send/sendWithAck returns; in a transport's first few ms, once the database is
   * open), and send them again, first and with the same ids, from the next transport with the
   * same URL and name after a reload or crash. `true` is the name 'default'. The queue's bounds
   * and ages apply (`queue_overflow`, `queue_expired`, `ack_timeout` as error events: a restored
   * message has no promise). IndexedDB missing or failing: one 'persist' error, then in memory
   * only. Several tabs with the same URL and name each restore what the store holds: use
   * `share`. Full build only (`agentwire/full`); the core module throws a TypeError naming it.
   */
  persist?: boolean | { name?: string };
}

export interface TransportOptions {
  /**
   * A ws: or wss: URL; or several, tried in turn (every retry moves on to the next: failover
   * between server instances); or a function called before every attempt that returns the URL
   * or a Promise of it (its failures are `url` errors, retried with backoff).
   */
  url: string | readonly string[] | (() => string | Promise<string>);
  /** Extra subprotocols. */
  protocols?: string[];
  /** Sent as the subprotocols ['token', token]; a function is called before every attempt. */
  token?: string | (() => string | Promise<string>);
  /** false: never reconnect. */
  reconnect?: ReconnectOptions | boolean;
  /** false: no pings, and ping/pong frames reach listeners like any message. */
  heartbeat?: HeartbeatOptions | boolean;
  /** false: sends while not connected are dropped. */
  queue?: QueueOptions | false;
  /** The field that names a message's type. Default 'type'. */
  typeField?: string;
  /** Bound on each attempt (token included), in ms. Default 10000. */
  connectTimeoutMs?: number;
  /** Inbound frames above this many UTF-8 bytes are reported and skipped. Default 1048576. */
  maxMessageBytes?: number;
  /** Speak the resume protocol (PROTOCOL.md): continue the session after a reconnect, each
   *  event delivered once and in order. The server must speak it too. Default false. */
  resume?: boolean;
  /** The field that carries a sendWithAck message's idempotency id. Default 'id'. */
  ackIdField?: string;
  /**
   * One socket for all tabs of this origin with the same URL and name (`true` is the name
   * 'default'): one tab is elected leader (Web Locks) and relays over BroadcastChannel; the
   * others see its status and snapshot, get every event, and send through it. When the leader
   * closes, crashes or freezes, another tab takes over within a second; with `resume: true` it
   * continues after the last event delivered, so nothing is lost or repeated. Where Web Locks
   * or BroadcastChannel is missing each tab keeps its own socket (`snapshot.shared` is false).
   * `disconnect()` and `free()` take only this tab out. Full build only (`agentwire/full`); the
   * core module throws a TypeError naming it.
   */
  share?: boolean | { name?: string };
}

export interface SendWithAckOptions {
  /** Reject with kind 'ack_timeout' if no ack arrives within this long, in ms. Default 30000. */
  timeoutMs?: number;
}

/** The server's answer to an acknowledged message (PROTOCOL.md). */
export interface AckFrame {
  type: 'ack';
  id: string;
  /** Seen before: acknowledged again, not acted on again. */
  duplicate?: boolean;
  [field: string]: unknown;
}

/** Why a sendWithAck promise rejected: 'ack_timeout', 'disconnected', 'freed',
 *  'queue_overflow' (the offline queue's bounds dropped it) or 'serialize'. */
export interface AckError extends Error {
  kind: TransportErrorKind;
}

export interface StatusEvent {
  status: TransportStatus;
  previous: TransportStatus;
  /** The reconnection attempt waited for or under way (1-based); 0 when none. */
  attempt: number;
  /** The backoff wait before that attempt. */
  delayMs: number | null;
  /** Close code and reason of the socket whose end caused this change. */
  code: number | null;
  reason: string | null;
  /** This connection continued the previous session (resume protocol); only 'connected' can be true. */
  resumed: boolean;
}

export type TransportErrorKind =
  | 'parse' | 'too_large' | 'binary' | 'listener' | 'queue_overflow' | 'queue_expired' | 'serialize'
  | 'connect_timeout' | 'connection_failed' | 'heartbeat_timeout' | 'rejected' | 'max_attempts' | 'token' | 'url'
  | 'gap' | 'ack_timeout' | 'disconnected' | 'freed' | 'persist';

export interface TransportError {
  kind: TransportErrorKind;
  message: string;
  /** Bytes of the offending frame or message. */
  size?: number;
  limit?: number;
  /** Messages dropped or discarded. */
  count?: number;
  code?: number;
  attempt?: number;
  /** For 'gap': the sequence number expected next. */
  expected?: number;
  /** For 'gap' when the server skipped events: the one that arrived instead. */
  received?: number;
  /** What a listener or the token function threw. */
  error?: unknown;
  /** The raw frame that did not parse. */
  data?: string;
  /** The message the full queue dropped (as the frame it would have been). */
  dropped?: string;
}

/** Everything a connection badge needs. The same (frozen) object until a field changes. */
export interface TransportSnapshot {
  readonly status: TransportStatus;
  readonly attempt: number;
  /** Messages waiting in the offline queue. */
  readonly queued: number;
  /** Round trip of the last answered heartbeat ping. */
  readonly latencyMs: number | null;
  readonly lastError: { readonly kind: TransportErrorKind; readonly message: string } | null;
  readonly lastCloseCode: number | null;
  readonly lastCloseReason: string | null;
  /** The wait before the scheduled attempt. */
  readonly delayMs: number | null;
  /** When the next attempt starts (epoch ms), while waiting for one. */
  readonly nextRetryAt: number | null;
  /** When the current connection opened (epoch ms). */
  readonly connectedAt: number | null;
  /** The browser's online/offline signal. */
  readonly online: boolean;
  /** The URL of the current or latest attempt; null before a url function first answered. */
  readonly url: string | null;
  /** The resume session the server gave in its last welcome (resume protocol). */
  readonly sessionId: string | null;
  /** The seq of the last event handed to listeners in that session; 0 before the first. */
  readonly lastSeq: number;
  /** The current connection continued the session; false while not connected. */
  readonly resumed: boolean;
  /**
   * The connection is shared with this origin's other tabs (`share`). False without `share`,
   * and where the browser lacks Web Locks or BroadcastChannel (each tab then has its own).
   */
  readonly shared: boolean;
  /** This tab holds the socket (always, unless another tab holds the one it shares). */
  readonly leader: boolean;
  /** How many tabs use this connection: 1 unless shared. */
  readonly tabs: number;
}

export interface TransportStats {
  messagesIn: number;
  messagesOut: number;
  /** UTF-16 length of text frames (exact bytes for ASCII), byte length of binary frames. */
  bytesIn: number;
  bytesOut: number;
  attempts: number;
  reconnects: number;
  dropped: number;
  errors: number;
  pingsSent: number;
  pongsReceived: number;
  queued: number;
}

export type SendResult = 'sent' | 'queued' | 'dropped';

/** Message type → message shape, e.g. `{ agent_step: AgentStep; message_delta: MessageDelta }`. */
export type EventMap = { [type: string]: unknown };

/**
 * A WebSocket that repairs itself: reconnects with backoff and jitter, notices half-open
 * connections, queues while offline and dispatches messages by type.
 *
 * `Events` types the messages: `t.on('agent_step', e => ...)` gives `e` the type `Events['agent_step']`.
 * `Outgoing` types what `send` accepts (strings are always accepted).
 */
export class WebSocketTransport<Events extends EventMap = { [type: string]: any }, Outgoing = unknown> {
  /** @throws TypeError for unknown options or wrong types, RangeError for values out of range. */
  constructor(options: TransportOptions);
  /** Resolves when connected; rejects if the transport ends in 'disconnected' or 'error' first. */
  connect(): Promise<void>;
  /** Clean close (default 1000); no reconnect until connect(). Queued messages are discarded. */
  disconnect(code?: number, reason?: string): void;
  /** Objects are sent as JSON, strings as they are. */
  send(message: Outgoing | string): SendResult;
  /** Sends an object carrying an idempotency id (field `ackIdField`, generated if absent) and
   *  resolves with the server's ack. Held within the offline queue's bounds and sent again after
   *  every reconnect until acknowledged. Rejects with an AckError (`kind`) on timeout,
   *  disconnect(), free(), or when the queue's bounds drop it.
   *  @throws TypeError if `message` is not an object or its id is not a string. */
  sendWithAck(message: Outgoing & object, options?: SendWithAckOptions): Promise<AckFrame>;
  /** Messages whose type field equals `type`. Returns a function removing this registration. */
  on<K extends keyof Events & string>(type: K, listener: (message: Events[K]) => void): () => void;
  /** Every message, after the listeners of its type. */
  on(type: '*', listener: (message: Events[keyof Events]) => void): () => void;
  /** Removes the earliest registration of `listener` for `type`. */
  off<K extends keyof Events & string>(type: K | '*', listener: (message: Events[K]) => void): boolean;
  onStatus(listener: (event: StatusEvent) => void): () => void;
  onError(listener: (error: TransportError) => void): () => void;
  /** For useSyncExternalStore and stores: called with no arguments when the snapshot changes. Bound. */
  readonly subscribe: (listener: () => void) => () => void;
  /** The same object until something in it changes. Bound. */
  readonly getSnapshot: () => TransportSnapshot;
  readonly status: TransportStatus;
  stats(): TransportStats;
  /** Closes the socket, cancels timers, removes every listener, at once. Afterwards `status` is
   *  `'disconnected'` (or stays `'error'`), `send` returns `'dropped'` and `connect` rejects. Without it, a transport
   *  nobody references keeps a live connection (like a WebSocket) and is released once it settles. */
  free(): void;
}
