// `WebSocketTransport`: the JS shell around the wasm engine (src/web/engine.rs).
//
// The engine is the sans-IO core: every decision (reconnect and backoff, close codes, heartbeat
// deadlines, the offline queue, frame sizes, status, snapshot, counters). This shell owns one
// socket, one timer and the listeners: it reports what happens to the engine with the clock's
// reading, then carries out the actions the engine polls out. It decides nothing itself.
//
// Why JS and not web-sys: every closure, exported method and JS value a wasm module touches
// costs it bytes, and the shipped size is budgeted (BENCHMARKS.md). With this glue in Rust the
// module was 57 KB (26 KB gzipped); with it here, 27 KB (13 KB), and the per-message path
// crosses into wasm with numbers only.
//
// Re-entrancy rules, which every path keeps:
// - Methods never call user code synchronously. Status, error and snapshot notifications are
//   delivered from a microtask, and the token function runs in one too.
// - Message listeners are called from the socket's message event, in order, each guarded: one
//   that throws is reported, the rest still run. Lists are copy-on-write, so a listener may add
//   or remove listeners (the rules of the DOM's EventTarget: one removed meanwhile is skipped,
//   one added meanwhile first hears the next message).
// - After free() every late callback (timer, microtask, socket event) finds `freed` and stops.
import init, {
  initSync, engineFree, engineNew, get, handle, liveJsValues, payload, poll, report, send, text,
} from './agentwire_bindings.js';
import {
  attachSignals, epochOffset, fetchToken, internType, isOnline, now, parseMessage, randomSeed, readOptions, setFrame,
  thrownMessage, utf8Length,
} from './glue.js';

export { init as default, initSync };

// Order must match `Status::index` and `ErrorKind::index` in src/core.
const STATUSES = ['idle', 'connecting', 'connected', 'reconnecting', 'disconnected', 'error'];
const CONNECTED = 2;
const DISCONNECTED = 4;
const ERROR = 5;
const isLive = (status) => status >= 1 && status <= 3;
const ERROR_KINDS = [
  'parse', 'too_large', 'binary', 'listener', 'queue_overflow', 'queue_expired', 'serialize',
  'connect_timeout', 'connection_failed', 'heartbeat_timeout', 'rejected', 'max_attempts', 'token',
];
const PARSE = 0;
const LISTENER = 3;
const SERIALIZE = 6;
// Where an error's payload goes, per kind (see TransportError in agentwire.d.ts).
const PAYLOAD_KEYS = {
  listener: 'error', token: 'error', serialize: 'error', parse: 'data', queue_overflow: 'dropped',
};
const OUTCOMES = ['sent', 'queued', 'dropped'];
const STAT_NAMES = ['messagesIn', 'messagesOut', 'bytesIn', 'bytesOut', 'attempts', 'reconnects', 'dropped',
  'errors', 'pingsSent', 'pongsReceived', 'queued'];
// What poll() returns (src/web/engine.rs).
const FETCH_TOKEN = 1;
const OPEN_SOCKET = 2;
const CLOSE_SOCKET = 3;
const SEND_FRAME = 4;
const SEND_PING = 5;
const SEND_PONG = 6;
const STATUS = 7;
const ERROR_EVENT = 8;
const SNAPSHOT_CHANGED = 9;
// The inputs of handle() (src/web/engine.rs).
const CONNECT = 0;
const TIMEOUT = 1;
const ONLINE = 2;
const OFFLINE = 3;
const OPENED = 4;
const BINARY_FRAME = 5;
const TEXT_FRAME = 6;
const ROUTE = 7;
const ROUTE_TEXT = 8;
const CLOSED = 9;
const TOKEN = 10;
const DISCONNECT = 11;
// handle(TEXT_FRAME)'s verdict for a frame to parse.
const PARSE_IT = 0;
// What get(id, i) reads, besides the current action's fields (0-5).
// 10-19: status, attempt, queued, latency, error kind, close code, delay, next retry, connected at, online.
const SNAPSHOT = 10;
const STATUS_NOW = SNAPSHOT; // the snapshot's first number
const VERSION = 21;
const DEADLINE = 22;
const STATS = 30; // 30-40: in the order of STAT_NAMES
// What text(id, i) reads.
const ACTION_TEXT = 0;
const LAST_ERROR = 1;
const LAST_CLOSE_REASON = 2;
const NORMAL_CLOSURE = 1000;
const ABNORMAL_CLOSURE = 1006;
/** Browsers overflow setTimeout delays above 2^31-1 ms and fire at once. */
const MAX_DELAY_MS = 2_147_483_647;

/** An RFC 7230 token, what a subprotocol must be (the core's is_subprotocol_token, as a pattern):
 * the browser would throw a SyntaxError at connect time; a RangeError now names the option. */
const SUBPROTOCOL = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const nullIfNaN = (value) => (Number.isNaN(value) ? null : value);

/** An Error, TypeError or RangeError with AgentWire's prefix. */
const problem = (Kind, message) => new Kind(`AgentWire: ${message}`);

function requireFunction(value, what) {
  if (typeof value !== 'function') throw problem(TypeError, `${what} must be a function`);
  return value;
}

function requireType(value, method) {
  if (typeof value !== 'string') throw problem(TypeError, `${method}(type, listener): type must be a string`);
  return value;
}

// ---- listener lists -------------------------------------------------------------------------------

/** An ordered, copy-on-write list: a dispatch iterates the array it read, untouched by changes. */
class ListenerList {
  entries = [];

  /** Adds `listener`; returns the function that removes exactly this registration (harmless
   * after free() and when repeated). */
  add(listener) {
    const entry = { listener, active: true };
    this.entries = [...this.entries, entry];
    return () => { this.remove((e) => e === entry); };
  }

  /** Removes the first entry `matches` accepts; false when none did. */
  remove(matches) {
    const entry = this.entries.find(matches);
    if (!entry) return false;
    entry.active = false;
    this.entries = this.entries.filter((e) => e !== entry);
    return true;
  }

  clear() {
    for (const entry of this.entries) entry.active = false;
    this.entries = [];
  }
}


// ---- the connection: everything a transport is, minus the object the app holds ------------------

/**
 * The socket's handlers, the timer and the browser signals reach this object, never the
 * WebSocketTransport the app holds: so an app that forgets its transport does not lose a live
 * connection (the object is collected, the connection is not), as with a browser WebSocket.
 */
class Connection {
  #engine;
  #options;
  #epochOffset = epochOffset();
  #socket = null;
  #attempt = 0;
  #timer = null;
  #armedFor = null;
  #typed = new Map();
  #wildcard = new ListenerList();
  #statusListeners = new ListenerList();
  #errorListeners = new ListenerList();
  #subscribers = new ListenerList();
  #notifications = [];
  #deliveryQueued = false;
  #pendingConnects = [];
  #snapshot = null;
  #snapshotVersion = -1;
  #freed = false;
  #orphaned = false;
  // Set by free(): what `status` and `stats()` keep answering once the engine is gone.
  #finalStatus = DISCONNECTED;
  #finalStats = null;
  #typesTold = [];
  // Created once; attached to each new socket and detached from a retired one, so a retired
  // socket can never report again and reconnecting creates no functions.
  #handlers = {
    onopen: () => {
      if (this.#socket) this.#input(OPENED, this.#attempt);
    },
    onmessage: (event) => this.#onMessage(event),
    onclose: (event) => this.#onClose(event),
    // The close event that always follows carries what we need.
    onerror: () => {},
  };
  #onTimer = () => {
    this.#timer = null;
    this.#armedFor = null;
    this.#checkDeadlines();
  };
  #deliver = () => this.#deliverNotifications();
  #detachSignals;
  #signalCount;

  constructor(options) {
    const o = readOptions(options);
    const seen = new Set();
    for (const protocol of o.protocols) {
      if (!SUBPROTOCOL.test(protocol)) {
        throw problem(RangeError, `option 'protocols' has '${protocol}', which is not a valid subprotocol name`);
      }
      if (seen.has(protocol)) throw problem(RangeError, `option 'protocols' lists '${protocol}' twice`);
      seen.add(protocol);
    }
    if (o.typeField === '') throw problem(RangeError, "option 'typeField' must be a non-empty string");
    try {
      this.#engine = engineNew(o.numbers, randomSeed(), o.pongType, o.staticToken);
    } catch (message) {
      throw typeof message === 'string' ? problem(RangeError, message) : message;
    }
    this.#options = o;
    const [detach, count] = attachSignals(
      () => this.#input(ONLINE),
      () => this.#input(OFFLINE),
      () => this.#checkDeadlines(),
    );
    this.#detachSignals = detach;
    this.#signalCount = count;
    if (!isOnline()) {
      handle(this.#engine, OFFLINE, 0, 0, undefined, now());
      // Nobody can be subscribed yet; the snapshot simply starts offline.
      while (poll(this.#engine) !== 0);
    }
  }

  /** Tells the engine something happened (`event(engine, now)`), then carries out its actions. */
  #report(event) {
    if (this.#freed) return;
    event(this.#engine, now());
    this.#pump();
  }

  /** `#report` for an input that carries at most one number. */
  #input(input, value = 0) {
    this.#report((e, t) => handle(e, input, value, 0, undefined, t));
  }

  // ---- carrying out the engine's actions -----------------------------------------------------

  #pump() {
    const engine = this.#engine;
    for (let action; !this.#freed && (action = poll(engine)) !== 0;) this.#execute(action);
    if (this.#freed) return;
    this.#arm(get(engine, DEADLINE));
    if (this.#notifications.length !== 0 && !this.#deliveryQueued) {
      this.#deliveryQueued = true;
      queueMicrotask(this.#deliver);
    }
    if (this.#orphaned) this.#releaseIfSettled();
  }

  #execute(action) {
    const engine = this.#engine;
    switch (action) {
      case FETCH_TOKEN: {
        const attempt = get(engine, 0);
        fetchToken(this.#options.tokenFunction, attempt, ([, ok, value]) => {
          this.#report((e, t) => handle(e, TOKEN, attempt, ok ? 1 : 0, value, t));
        });
        break;
      }
      case OPEN_SOCKET:
        this.#open(get(engine, 0), text(engine, ACTION_TEXT));
        break;
      case CLOSE_SOCKET:
        this.#retire(get(engine, 0), text(engine, ACTION_TEXT));
        break;
      case SEND_FRAME:
        this.#sendFrame(payload(engine));
        break;
      case SEND_PING:
        this.#sendFrame(this.#options.pingFrame);
        break;
      case SEND_PONG:
        this.#sendFrame(this.#options.pongFrame);
        break;
      case STATUS: {
        const event = {
          status: STATUSES[get(engine, 0)],
          previous: STATUSES[get(engine, 1)],
          attempt: get(engine, 2),
          delayMs: nullIfNaN(get(engine, 3)),
          code: nullIfNaN(get(engine, 4)),
          reason: text(engine, ACTION_TEXT) ?? null,
        };
        this.#settleConnects(get(engine, 0));
        this.#notifications.push([this.#statusListeners, event, 'an onStatus listener']);
        break;
      }
      case ERROR_EVENT: {
        const kind = ERROR_KINDS[get(engine, 0)];
        const event = { kind, message: text(engine, ACTION_TEXT) };
        ['size', 'limit', 'count', 'code', 'attempt'].forEach((field, i) => {
          const value = get(engine, i + 1);
          if (!Number.isNaN(value)) event[field] = value;
        });
        const value = payload(engine);
        if (value !== undefined) event[PAYLOAD_KEYS[kind] ?? 'detail'] = value;
        this.#notifications.push([this.#errorListeners, event, null]);
        break;
      }
      case SNAPSHOT_CHANGED:
        this.#notifications.push([this.#subscribers, undefined, 'a subscriber']);
        break;
      default:
    }
  }

  #open(attempt, token) {
    const { url, protocols } = this.#options;
    const list = token === undefined ? protocols : [...protocols, 'token', token];
    let socket;
    try {
      socket = new WebSocket(url, list);
    } catch (thrown) {
      // The constructor threw (a URL the browser refuses, a page policy): the attempt failed
      // before it began, and is retried like any failed attempt.
      const reason = `WebSocket constructor threw: ${thrownMessage(thrown)}`;
      handle(this.#engine, CLOSED, attempt, ABNORMAL_CLOSURE, reason, now());
      return;
    }
    socket.binaryType = 'arraybuffer';
    Object.assign(socket, this.#handlers);
    this.#socket = socket;
    this.#attempt = attempt;
  }

  /** Detaches the current socket's handlers and closes it: it never reports again. */
  #retire(code, reason) {
    const socket = this.#socket;
    if (!socket) return;
    this.#socket = null;
    detach(socket);
    // close() throws only for codes and reasons the core never produces; a closing or closed
    // socket ignores it.
    try {
      socket.close(code, reason);
    } catch {
      // nothing to do: the socket is already gone
    }
  }

  #sendFrame(frame) {
    // send() throws only before open, which the core rules out. A socket that is already
    // closing discards the frame, as every browser transport does: the close event follows
    // and the app sees the reconnect.
    try {
      this.#socket?.send(frame);
    } catch {
      // see above
    }
  }

  /** Resolves pending connect() promises on 'connected', rejects them on a final status. */
  #settleConnects(status) {
    if (status !== CONNECTED && status !== DISCONNECTED && status !== ERROR) return;
    const pending = this.#pendingConnects;
    if (pending.length === 0) return;
    this.#pendingConnects = [];
    let error;
    if (status !== CONNECTED) {
      const detail = status === ERROR ? text(this.#engine, LAST_ERROR) : undefined;
      error = problem(Error, detail === undefined
        ? `connection ended in status '${STATUSES[status]}' before it was established`
        : `connection ended in status '${STATUSES[status]}': ${detail}`);
    }
    // Settling a promise runs no user code now; its reactions are microtasks.
    for (const [resolve, reject] of pending) {
      if (error) reject(error);
      else resolve();
    }
  }

  // ---- the timer ------------------------------------------------------------------------------

  /**
   * Makes sure the timer fires no later than `deadline` (NaN: never). When a deadline moves
   * later (every inbound frame postpones the heartbeat), the armed timer is left alone: it
   * fires early, the engine finds nothing due, and it is re-armed once. Re-arming per frame
   * would cost a clearTimeout + setTimeout pair per message.
   */
  #arm(deadline) {
    if (Number.isNaN(deadline)) {
      this.#cancelTimer();
      return;
    }
    if (this.#armedFor !== null && this.#armedFor <= deadline) return;
    this.#cancelTimer();
    // Browsers round fractional delays; firing a fraction early only costs one more re-arm.
    const delay = Math.min(Math.max(deadline - now(), 0), MAX_DELAY_MS);
    this.#timer = setTimeout(this.#onTimer, delay);
    this.#armedFor = deadline;
  }

  #cancelTimer() {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#armedFor = null;
  }

  /** When the timer fires, and when a hidden tab becomes visible (its timers may run late). */
  #checkDeadlines() {
    this.#input(TIMEOUT);
  }

  // ---- socket events --------------------------------------------------------------------------

  #onClose(event) {
    const socket = this.#socket;
    if (!socket) return;
    this.#socket = null;
    detach(socket);
    this.#report((e, t) => handle(e, CLOSED, this.#attempt, event.code, event.reason, t));
  }

  /** The per-message path: one clock read, calls into wasm with numbers only, the listeners. */
  #onMessage(event) {
    if (this.#freed) return;
    const engine = this.#engine;
    const { data } = event;
    const t = now();
    if (typeof data !== 'string') {
      handle(engine, BINARY_FRAME, data?.byteLength ?? data?.size ?? 0, 0, undefined, t);
      this.#pump();
      return;
    }
    setFrame(data);
    if (handle(engine, TEXT_FRAME, data.length, 0, undefined, t) === PARSE_IT) {
      const { typeField } = this.#options;
      const message = parseMessage(data, typeField);
      if (typeof message === 'string') {
        report(engine, PARSE, `${message}; skipped`, data);
      } else {
        const type = message[typeField];
        const id = internType(type);
        let route;
        if (id < 0) {
          route = handle(engine, ROUTE_TEXT, 0, 0, type, t);
        } else {
          // The engine learns a type's text the first time it meets its id.
          const told = this.#typesTold[id];
          this.#typesTold[id] = true;
          route = handle(engine, ROUTE, id, 0, told ? undefined : type, t);
        }
        if (route) this.#dispatch(type, message);
      }
    }
    setFrame('');
    this.#pump();
  }

  /** Typed listeners in the order they were added, then '*' listeners. */
  #dispatch(type, message) {
    const typed = this.#typed.get(type);
    if (typed) this.#callEach(typed.entries, message, type);
    this.#callEach(this.#wildcard.entries, message, type);
  }

  #callEach(entries, message, type) {
    for (const entry of entries) {
      if (this.#freed) return;
      if (!entry.active) continue;
      try {
        entry.listener(message);
      } catch (thrown) {
        this.#listenerThrew(`a listener for '${type}'`, thrown);
      }
    }
  }

  #listenerThrew(who, thrown) {
    this.#report((e) => report(e, LISTENER, `${who} threw: ${thrownMessage(thrown)}`, thrown));
  }

  // ---- notifications: status, error and snapshot listeners, from a microtask --------------------

  /** Notifications queued while this runs are delivered by this same run, in order. */
  #deliverNotifications() {
    while (!this.#freed && this.#notifications.length !== 0) {
      const [list, argument, who] = this.#notifications.shift();
      for (const entry of list.entries) {
        if (this.#freed) break;
        if (!entry.active) continue;
        try {
          entry.listener(argument);
        } catch (thrown) {
          // An onError listener that throws is logged: reporting it as another error could loop.
          if (who === null) console.error('AgentWire: an onError listener threw', thrown);
          else this.#listenerThrew(who, thrown);
        }
      }
    }
    this.#deliveryQueued = false;
    if (this.#orphaned) this.#releaseIfSettled();
  }

  // ---- what the app's object asks -------------------------------------------------------------

  #statusIndex() {
    return this.#freed ? this.#finalStatus : get(this.#engine, STATUS_NOW);
  }

  #statValues() {
    return this.#finalStats ?? STAT_NAMES.map((_, i) => get(this.#engine, STATS + i));
  }

  /** A frozen object, the same one until something in it changes (React compares identity). */
  getSnapshot() {
    if (this.#freed) return this.#snapshot;
    const engine = this.#engine;
    const version = get(engine, VERSION);
    if (version !== this.#snapshotVersion) {
      const n = (i) => get(engine, SNAPSHOT + i);
      const epoch = (value) => (Number.isNaN(value) ? null : Math.round(value + this.#epochOffset));
      const errorKind = n(4);
      this.#snapshot = Object.freeze({
        status: STATUSES[n(0)],
        attempt: n(1),
        queued: n(2),
        latencyMs: nullIfNaN(n(3)),
        lastError: Number.isNaN(errorKind)
          ? null
          : Object.freeze({ kind: ERROR_KINDS[errorKind], message: text(engine, LAST_ERROR) }),
        lastCloseCode: nullIfNaN(n(5)),
        lastCloseReason: text(engine, LAST_CLOSE_REASON) ?? null,
        delayMs: nullIfNaN(n(6)),
        nextRetryAt: epoch(n(7)),
        connectedAt: epoch(n(8)),
        online: n(9) === 1,
        url: this.#options.url,
      });
      this.#snapshotVersion = version;
    }
    return this.#snapshot;
  }

  #messageListenerCount() {
    let count = this.#wildcard.entries.length;
    for (const list of this.#typed.values()) count += list.entries.length;
    return count;
  }

  /** The app's object is gone (garbage-collected). A live connection goes on without it, as
   * its listeners still expect messages; anything else is released now. */
  orphan() {
    if (this.#freed) return;
    this.#orphaned = true;
    this.#releaseIfSettled();
  }

  /** Ends an orphaned transport once its connection has settled and its listeners have heard. */
  #releaseIfSettled() {
    // Freed already, the engine's id may belong to another transport now: ask it nothing.
    if (this.#freed) return;
    if (!isLive(get(this.#engine, STATUS_NOW)) && this.#notifications.length === 0) this.#shutdown();
  }

  /**
   * free(): closes the socket, cancels the timer, removes every listener and the browser
   * signals, rejects pending connect() promises, and frees the engine. Listeners are not told:
   * the app asked for this.
   */
  #shutdown() {
    if (this.#freed) return;
    const engine = this.#engine;
    // Stopped for good: `status` reads 'disconnected' (or stays 'error') and `send` drops.
    handle(engine, DISCONNECT, NORMAL_CLOSURE, 0, 'transport freed', now());
    while (poll(engine) !== 0);
    // What getSnapshot(), `status` and stats() answer from now on.
    this.getSnapshot();
    this.#finalStatus = get(engine, STATUS_NOW);
    this.#finalStats = this.#statValues();
    this.#freed = true;
    const lists = [this.#wildcard, this.#statusListeners, this.#errorListeners, this.#subscribers];
    for (const list of [...lists, ...this.#typed.values()]) list.clear();
    this.#typed.clear();
    this.#notifications = [];
    this.#retire(NORMAL_CLOSURE, 'transport freed');
    this.#cancelTimer();
    this.#detachSignals();
    this.#signalCount = 0;
    const pending = this.#pendingConnects;
    this.#pendingConnects = [];
    const error = problem(Error, 'the transport was freed before it connected');
    for (const [, reject] of pending) reject(error);
    engineFree(engine);
  }

  // ---- the public API (WebSocketTransport delegates here) --------------------------------------

  subscribe(listener) {
    return this.#subscribers.add(requireFunction(listener, 'subscribe(listener): listener'));
  }

  /** Starts connecting. Resolves once connected; rejects if it ends in 'disconnected' or 'error' first. */
  connect() {
    return new Promise((resolve, reject) => {
      if (this.#freed) {
        reject(problem(Error, 'connect(): this transport was freed'));
      } else if (this.#statusIndex() === CONNECTED) {
        resolve();
      } else {
        this.#pendingConnects.push([resolve, reject]);
        this.#input(CONNECT);
      }
    });
  }

  /** Closes on purpose (default code 1000); no reconnect until connect(). */
  disconnect(code, reason) {
    if (code !== undefined && typeof code !== 'number') {
      throw problem(TypeError, 'disconnect(code): code must be a number');
    }
    if (reason !== undefined && typeof reason !== 'string') {
      throw problem(TypeError, 'disconnect(code, reason): reason must be a string');
    }
    if (reason !== undefined && utf8Length(reason) > 123) {
      throw problem(RangeError, 'disconnect(code, reason): reason must be at most 123 bytes of UTF-8');
    }
    if (this.#freed) return;
    let accepted;
    this.#report((e, t) => { accepted = handle(e, DISCONNECT, code ?? NORMAL_CLOSURE, 0, reason, t); });
    if (!accepted) throw problem(RangeError, 'disconnect(code): code must be 1000 or in 3000-4999');
  }

  /** Sends an object (as JSON) or a string: 'sent', 'queued' or 'dropped'. */
  send(message) {
    if (this.#freed) return 'dropped';
    let frame = message;
    let failure;
    if (typeof message !== 'string') {
      if (message === undefined || typeof message === 'function' || typeof message === 'symbol') {
        failure = 'a value of this type cannot be sent as JSON';
      } else {
        try {
          frame = JSON.stringify(message);
          if (typeof frame !== 'string') failure = 'JSON.stringify returned nothing for this value';
        } catch (thrown) {
          failure = thrownMessage(thrown);
        }
      }
    }
    if (failure !== undefined) {
      this.#report((e) => report(e, SERIALIZE, `send(): ${failure}; dropped`, undefined));
      return 'dropped';
    }
    let outcome;
    this.#report((e, t) => { outcome = send(e, frame, frame.length, t); });
    return OUTCOMES[outcome];
  }

  /** Calls `listener(message)` for messages whose type is `type` ('*': all). Returns an unsubscribe. */
  on(type, listener) {
    requireType(type, 'on');
    requireFunction(listener, 'on(type, listener): listener');
    let list = this.#wildcard;
    if (type !== '*') {
      list = this.#typed.get(type);
      if (!list) this.#typed.set(type, (list = new ListenerList()));
    }
    return list.add(listener);
  }

  /** Removes the earliest registration of `listener` for `type`. */
  off(type, listener) {
    requireType(type, 'off');
    const list = type === '*' ? this.#wildcard : this.#typed.get(type);
    return list ? list.remove((e) => e.listener === listener) : false;
  }

  onStatus(listener) {
    return this.#statusListeners.add(requireFunction(listener, 'onStatus(listener): listener'));
  }

  onError(listener) {
    return this.#errorListeners.add(requireFunction(listener, 'onError(listener): listener'));
  }

  status() {
    return STATUSES[this.#statusIndex()];
  }

  stats() {
    const values = this.#statValues();
    return Object.fromEntries(STAT_NAMES.map((name, i) => [name, values[i]]));
  }

  /** Closes the socket, cancels the timer, removes every listener, at once. */
  free() {
    this.#shutdown();
  }

  /** What this transport holds right now, for leak checks. */
  debugResources() {
    return {
      sockets: this.#socket ? 1 : 0,
      timers: this.#timer === null ? 0 : 1,
      messageListeners: this.#messageListenerCount(),
      statusListeners: this.#statusListeners.entries.length,
      errorListeners: this.#errorListeners.entries.length,
      subscribers: this.#subscribers.entries.length,
      browserListeners: this.#signalCount,
      pendingConnects: this.#pendingConnects.length,
      pendingNotifications: this.#notifications.length,
      liveJsValues: liveJsValues(),
    };
  }
}

function detach(socket) {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  socket.onerror = null;
}

/** Tells a connection its app object was collected (see Connection). */
const orphans = typeof FinalizationRegistry === 'undefined' ? null : new FinalizationRegistry((c) => c.orphan());

// ---- the class the app holds -----------------------------------------------------------------------

/** A WebSocket that repairs itself. See the README for the options and the API. */
export class WebSocketTransport {
  #c;

  /** @throws TypeError for unknown options or wrong types, RangeError for values out of range. */
  constructor(options) {
    const c = new Connection(options);
    this.#c = c;
    orphans?.register(this, c);
    // Bound once: React's useSyncExternalStore(t.subscribe, t.getSnapshot) passes them around
    // unbound and re-subscribes whenever their identity changes.
    this.subscribe = (listener) => c.subscribe(listener);
    this.getSnapshot = () => c.getSnapshot();
  }

  /** Starts connecting. Resolves once connected; rejects if it ends in 'disconnected' or 'error' first. */
  connect() { return this.#c.connect(); }

  /** Closes on purpose (default code 1000); no reconnect until connect(). */
  disconnect(code, reason) { this.#c.disconnect(code, reason); }

  /** Sends an object (as JSON) or a string: 'sent', 'queued' or 'dropped'. */
  send(message) { return this.#c.send(message); }

  /** Calls `listener(message)` for messages whose type is `type` ('*': all). Returns an unsubscribe. */
  on(type, listener) { return this.#c.on(type, listener); }

  /** Removes the earliest registration of `listener` for `type`. */
  off(type, listener) { return this.#c.off(type, listener); }

  onStatus(listener) { return this.#c.onStatus(listener); }

  onError(listener) { return this.#c.onError(listener); }

  get status() { return this.#c.status(); }

  stats() { return this.#c.stats(); }

  /** Closes the socket, cancels the timer, removes every listener, at once. */
  free() { this.#c.free(); }

  /** What this transport holds right now, for leak checks. */
  debugResources() { return this.#c.debugResources(); }
}
