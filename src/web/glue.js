// JavaScript half of the glue: what is cheaper to write in JS than to drive from wasm one
// property at a time (every Reflect.get/set from wasm is a boundary crossing, and each call
// site costs module bytes). No decisions are made here: options are type-checked and
// flattened, objects for listeners are assembled, strings are measured.

// Order must match `Status::index` and `ErrorKind::index` in src/core.
const STATUSES = ['idle', 'connecting', 'connected', 'reconnecting', 'disconnected', 'error'];
const ERROR_KINDS = [
  'parse', 'too_large', 'binary', 'listener', 'queue_overflow', 'queue_expired', 'serialize',
  'connect_timeout', 'connection_failed', 'heartbeat_timeout', 'rejected', 'max_attempts', 'token',
];
// Where an error's payload goes, per kind (see TransportError in agentwire.d.ts).
const PAYLOAD_KEYS = {
  listener: 'error', token: 'error', serialize: 'error', parse: 'data', queue_overflow: 'dropped',
};

export function statusName(index) {
  return STATUSES[index];
}

/** Exact UTF-8 byte length of a JS string, without copying it. */
export function utf8Length(text) {
  // Each UTF-16 unit is 1 byte below U+0080, 2 below U+0800, 3 otherwise; a surrogate pair
  // (two units) is 4 bytes, so each surrogate unit counts 2.
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) bytes += (unit >= 0x800 && (unit < 0xd800 || unit > 0xdfff)) ? 2 : 1;
  }
  return bytes;
}

// ---- the inbound frame --------------------------------------------------------------------------
// One call per message (readFrame) does the JS side of reading a frame: typeof, length,
// JSON.parse, the object and type checks. Only a number crosses back: the frame's size and its
// type as an interned id, so the type string is not copied into wasm for every message. The
// parsed message then crosses once (frameMessage), to be handed to the listeners. Every step
// finishes before any listener runs, so a listener that synchronously dispatches another frame
// cannot disturb this one.

// Interned message types, shared by every transport of this module: id -> text and back.
const typeIds = new Map();
const typeNames = [];
const MAX_TYPE_ID = 4091; // ids and codes share 12 bits of the descriptor (see below)

// What readFrame returns besides an id (see FrameKind in src/web/frame.rs).
const BINARY = -1;
const NEEDS_SIZE_CHECK = -2;
const NOT_A_MESSAGE = -3;
const UNINTERNED_TYPE = -4;

let frameData = null;
let frameParsed = null;
let frameUninternedType = '';
let frameProblemText = '';

/** Packs a frame's size (UTF-16 units, or bytes) and its kind into one number. */
const describeFrame = (size, kind) => size * 4096 + (kind + 4);

/** Parses the current frame: its type's interned id, or a code (readFrame calls it for short
 * frames; inbound.rs calls it for longer ones once the core has checked their size). */
export function parseFrame(typeField) {
  let message;
  try {
    message = JSON.parse(frameData);
  } catch (error) {
    frameProblemText = `the frame is not JSON (${thrownMessage(error)})`;
    return NOT_A_MESSAGE;
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    frameProblemText = 'the frame is JSON but not an object';
    return NOT_A_MESSAGE;
  }
  const type = message[typeField];
  if (typeof type !== 'string') {
    frameProblemText = `the message has no string '${typeField}' field`;
    return NOT_A_MESSAGE;
  }
  frameParsed = message;
  let id = typeIds.get(type);
  if (id === undefined) {
    if (typeNames.length > MAX_TYPE_ID) {
      frameUninternedType = type;
      return UNINTERNED_TYPE;
    }
    id = typeNames.length;
    typeNames.push(type);
    typeIds.set(type, id);
  }
  return id;
}

/**
 * Reads the frame of a message event. Text frames of at most `quickLimit` UTF-16 units (the
 * core's bound below which no exact byte count is needed) are parsed at once; longer ones wait
 * for the core's size check and parseFrame().
 */
export function readFrame(event, typeField, quickLimit) {
  const { data } = event;
  if (typeof data !== 'string') {
    frameData = null;
    return describeFrame(data?.byteLength ?? data?.size ?? 0, BINARY);
  }
  frameData = data;
  if (data.length > quickLimit) return describeFrame(data.length, NEEDS_SIZE_CHECK);
  return describeFrame(data.length, parseFrame(typeField));
}

export function frameUtf8Length() {
  return utf8Length(frameData);
}

/** The text of an interned type id. */
export function typeName(id) {
  return typeNames[id];
}

/** The type of the current frame when it was not interned. */
export function frameTypeText() {
  return frameUninternedType;
}

/** The message the current frame parsed to (once). */
export function frameMessage() {
  const message = frameParsed;
  frameParsed = null;
  return message;
}

/** Why the current frame is not a message, and the frame itself: [problem, data]. */
export function frameProblem() {
  const problem = [frameProblemText, frameData];
  frameProblemText = '';
  return problem;
}

const isPromiseLike = (value) =>
  value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function';

/** The message of a thrown value, for error texts. */
export function thrownMessage(value) {
  return value instanceof Error ? value.message : String(value);
}

/** An Error (0), TypeError (1) or RangeError (2) with AgentWire's prefix. */
export function makeError(kind, message) {
  const Kind = [Error, TypeError, RangeError][kind];
  return new Kind(`AgentWire: ${message}`);
}

/** A promise with its settle functions: [promise, resolve, reject]. */
export function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((yes, no) => { resolve = yes; reject = no; });
  return [promise, resolve, reject];
}

/**
 * Calls the user's token function in a microtask (never inside one of our methods, which may
 * be on the stack) and reports `[attempt, true, token]` or `[attempt, false, problem]`.
 */
export function fetchToken(tokenFunction, attempt, report) {
  const fail = (problem) => report([attempt, false, problem]);
  const succeed = (token) => {
    if (typeof token === 'string') report([attempt, true, token]);
    else fail(`it returned ${describe(token)}, expected a string or a Promise of one`);
  };
  queueMicrotask(() => {
    let value;
    try {
      value = tokenFunction();
    } catch (error) {
      fail(thrownMessage(error));
      return;
    }
    if (isPromiseLike(value)) Promise.resolve(value).then(succeed, (error) => fail(thrownMessage(error)));
    else succeed(value);
  });
}

// The clock, read once per message. Through a saved reference: `performance` is an accessor on
// the window, and looking it up on every call cost twice as much as now() itself (measured in
// Chromium, ~0.3 µs against ~0.1 µs per read). Bound once for SSR too (Node has it).
const clock = globalThis.performance;

/** `performance.now()`: monotonic milliseconds, the core's time. */
export function now() {
  return clock.now();
}

/** `performance.timeOrigin`: adding it to `performance.now()` gives epoch milliseconds. */
export function epochOffset() {
  return clock.timeOrigin ?? Date.now() - clock.now();
}

export function randomSeed() {
  return Math.floor(Math.random() * 2 ** 53);
}

// ---- browser signals ------------------------------------------------------------------------------

/**
 * Listens for online/offline on the global scope and visibility on the document, where they
 * exist (workers have no document, Node neither). Returns a function removing them all, and
 * how many it added.
 */
export function attachSignals(onOnline, onOffline, onVisible) {
  const scope = globalThis;
  const doc = scope.document;
  const removers = [];
  const listen = (target, type, listener) => {
    if (!target || typeof target.addEventListener !== 'function') return;
    target.addEventListener(type, listener);
    removers.push(() => target.removeEventListener(type, listener));
  };
  listen(scope, 'online', onOnline);
  listen(scope, 'offline', onOffline);
  listen(doc, 'visibilitychange', () => { if (doc.visibilityState === 'visible') onVisible(); });
  return [() => removers.forEach((remove) => remove()), removers.length];
}

export function isOnline() {
  return globalThis.navigator?.onLine !== false;
}

const orNull = (value) => (value === undefined ? null : value);

export function statusEvent(status, previous, attempt, delayMs, code, reason) {
  return {
    status: STATUSES[status],
    previous: STATUSES[previous],
    attempt,
    delayMs: orNull(delayMs),
    code: orNull(code),
    reason: orNull(reason),
  };
}

export function errorEvent(kind, message, size, limit, count, code, attempt, payload) {
  const name = ERROR_KINDS[kind];
  const event = { kind: name, message };
  if (size !== undefined) event.size = size;
  if (limit !== undefined) event.limit = limit;
  if (count !== undefined) event.count = count;
  if (code !== undefined) event.code = code;
  if (attempt !== undefined) event.attempt = attempt;
  if (payload !== undefined) event[PAYLOAD_KEYS[name] ?? 'detail'] = payload;
  return event;
}

export function snapshotObject(status, attempt, queued, latencyMs, errorKind, errorMessage, closeCode, closeReason,
  delayMs, nextRetryAt, connectedAt, online, url) {
  return Object.freeze({
    status: STATUSES[status],
    attempt,
    queued,
    latencyMs: orNull(latencyMs),
    lastError: errorKind === undefined ? null : Object.freeze({ kind: ERROR_KINDS[errorKind], message: errorMessage }),
    lastCloseCode: orNull(closeCode),
    lastCloseReason: orNull(closeReason),
    delayMs: orNull(delayMs),
    nextRetryAt: nextRetryAt === undefined ? null : Math.round(nextRetryAt),
    connectedAt: connectedAt === undefined ? null : Math.round(connectedAt),
    online,
    url,
  });
}

const STAT_NAMES = ['messagesIn', 'messagesOut', 'bytesIn', 'bytesOut', 'attempts', 'reconnects', 'dropped',
  'errors', 'pingsSent', 'pongsReceived', 'queued'];
const RESOURCE_NAMES = ['sockets', 'timers', 'messageListeners', 'statusListeners', 'errorListeners', 'subscribers',
  'browserListeners', 'pendingConnects', 'pendingNotifications', 'liveJsValues'];

function named(names, values) {
  const object = {};
  names.forEach((name, i) => { object[name] = values[i]; });
  return object;
}

export function statsObject(values) {
  return named(STAT_NAMES, values);
}

export function resourcesObject(values) {
  return named(RESOURCE_NAMES, values);
}

// ---- options ------------------------------------------------------------------------------------

const SECTIONS = {
  reconnect: ['initialDelayMs', 'maxDelayMs', 'factor', 'jitter', 'maxAttempts', 'minUptimeMs'],
  heartbeat: ['intervalMs', 'timeoutMs', 'ping', 'pongType'],
  queue: ['maxMessages', 'maxBytes', 'maxAgeMs'],
};
const TOP_LEVEL = ['url', 'protocols', 'token', 'reconnect', 'heartbeat', 'queue', 'typeField', 'connectTimeoutMs',
  'maxMessageBytes'];

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

function fail(option, expected, value) {
  throw new TypeError(`AgentWire: option '${option}' must be ${expected}, got ${describe(value)}`);
}

function checkKeys(object, known, prefix) {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) {
      throw new TypeError(`AgentWire: unknown option '${prefix}${key}' (known: ${known.join(', ')})`);
    }
  }
}

const isPlainObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

function number(section, key, path) {
  const value = section[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') fail(path, 'a number', value);
  return value;
}

/** A section's object, `null` when switched off with `false`, `{}` for undefined or true. */
function section(options, name, mayBeFalse) {
  const value = options[name];
  if (value === undefined || value === true) return {};
  if (value === false && mayBeFalse) return null;
  if (!isPlainObject(value)) fail(name, mayBeFalse ? 'an object or false' : 'an object', value);
  checkKeys(value, SECTIONS[name], `${name}.`);
  return value;
}

/**
 * Checks keys and types (TypeError naming the option) and flattens the options into an array
 * the wasm side reads by position; `undefined` means "use the default". Ranges are the core's
 * business (RangeError from there).
 */
export function readOptions(options) {
  if (!isPlainObject(options)) {
    if (options === undefined) throw new TypeError("AgentWire: an options object with at least 'url' is required");
    fail('options', 'an object', options);
  }
  checkKeys(options, TOP_LEVEL, '');
  const { url } = options;
  if (url === undefined) throw new TypeError("AgentWire: option 'url' is required (a ws: or wss: URL)");
  if (typeof url !== 'string') fail('url', 'a string', url);
  if (!/^wss?:\/\//i.test(url)) throw new TypeError(`AgentWire: option 'url' must start with ws:// or wss://, got '${url}'`);

  let protocols = options.protocols ?? [];
  if (typeof protocols === 'string') protocols = [protocols];
  if (!Array.isArray(protocols)) fail('protocols', 'an array of strings', protocols);
  protocols.forEach((p) => { if (typeof p !== 'string') fail('protocols[]', 'a string', p); });

  const { token } = options;
  let tokenKind = 0; // none
  if (typeof token === 'string') tokenKind = 1;
  else if (typeof token === 'function') tokenKind = 2;
  else if (token !== undefined && token !== null) fail('token', 'a string or a function returning a string or a Promise of one', token);

  const reconnect = section(options, 'reconnect', true);
  const heartbeat = section(options, 'heartbeat', true);
  const queue = section(options, 'queue', true);

  let pingFrame = '{"type":"ping"}';
  let pongType;
  if (heartbeat) {
    const { ping } = heartbeat;
    if (typeof ping === 'string') pingFrame = ping;
    else if (ping !== undefined) {
      const json = typeof ping === 'function' || typeof ping === 'symbol' ? undefined : JSON.stringify(ping);
      if (json === undefined) fail('heartbeat.ping', 'a string or a JSON-serialisable value', ping);
      pingFrame = json;
    }
    pongType = heartbeat.pongType;
    if (pongType !== undefined && typeof pongType !== 'string') fail('heartbeat.pongType', 'a string', pongType);
  }
  const typeField = options.typeField ?? 'type';
  if (typeof typeField !== 'string') fail('typeField', 'a string', typeField);
  const r = reconnect ?? {};
  const h = heartbeat ?? {};
  const q = queue ?? {};
  return [
    url, protocols, tokenKind, tokenKind === 1 ? token : undefined, tokenKind === 2 ? token : undefined,
    reconnect !== null,
    number(r, 'initialDelayMs', 'reconnect.initialDelayMs'), number(r, 'maxDelayMs', 'reconnect.maxDelayMs'),
    number(r, 'factor', 'reconnect.factor'), number(r, 'jitter', 'reconnect.jitter'),
    number(r, 'maxAttempts', 'reconnect.maxAttempts'), number(r, 'minUptimeMs', 'reconnect.minUptimeMs'),
    heartbeat !== null,
    number(h, 'intervalMs', 'heartbeat.intervalMs'), number(h, 'timeoutMs', 'heartbeat.timeoutMs'), pingFrame, pongType,
    queue !== null,
    number(q, 'maxMessages', 'queue.maxMessages'), number(q, 'maxBytes', 'queue.maxBytes'), number(q, 'maxAgeMs', 'queue.maxAgeMs'),
    typeField, JSON.stringify({ [typeField]: 'pong' }),
    number(options, 'connectTimeoutMs', 'connectTimeoutMs'), number(options, 'maxMessageBytes', 'maxMessageBytes'),
  ];
}
