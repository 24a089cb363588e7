// JS helpers of the browser glue, shared by the wasm engine (which imports utf8Length and
// frameUtf8Length) and the shell in transport.js. No decisions are made here:
// options are type-checked, frames parsed, strings measured, types interned.

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
// The shell parses each frame itself; the wasm side only needs the frame's exact UTF-8 length
// (for frames whose JS length cannot settle the maxMessageBytes check) and, once per new type,
// the type's text. Types are interned, so only a number crosses into wasm per message.

// Interned message types, shared by every transport of this module.
const typeIds = new Map();
// A bound on the table, so a server sending endless distinct types cannot grow it forever;
// beyond it a type's text is passed as it is (Engine.routeText).
const MAX_TYPES = 4096;

let frameData = '';

/** The frame being read (frameUtf8Length measures it if the engine asks). */
export function setFrame(data) {
  frameData = data;
}

export function frameUtf8Length() {
  return utf8Length(frameData);
}

/** The interned id of a message type, or -1 when the table is full. */
export function internType(type) {
  let id = typeIds.get(type);
  if (id === undefined) {
    if (typeIds.size >= MAX_TYPES) return -1;
    id = typeIds.size;
    typeIds.set(type, id);
  }
  return id;
}

/**
 * Parses a frame: the message object, or a string saying why the frame is not a message (not
 * JSON, not an object, no string type field).
 */
export function parseMessage(data, typeField) {
  let message;
  try {
    message = JSON.parse(data);
  } catch (error) {
    return `the frame is not JSON (${thrownMessage(error)})`;
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return 'the frame is JSON but not an object';
  if (typeof message[typeField] !== 'string') return `the message has no string '${typeField}' field`;
  return message;
}

const isPromiseLike = (value) =>
  value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function';

/** The message of a thrown value, for error texts. */
export function thrownMessage(value) {
  return value instanceof Error ? value.message : String(value);
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

// ---- options ------------------------------------------------------------------------------------

// The numeric keys are listed in the order of their positions in src/web/options.rs.
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

/** `object[key]` if it is a number, undefined if left out; `path` prefixes the key in errors. */
function number(object, key, path = '') {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') fail(path + key, 'a number', value);
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
 * Checks keys and types (TypeError naming the option) and collects what the shell and the
 * engine need: strings as they are, numbers by position for the engine (NaN: use the
 * default). Ranges are the core's business (a RangeError from there).
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
  // NaN stands for "left out", so a NaN the user gave becomes -1, which every numeric option
  // refuses, and the core's RangeError names it.
  const given = (value) => (value === undefined ? NaN : Number.isNaN(value) ? -1 : value);
  // By the positions in src/web/options.rs; NaN: use the default.
  const numbers = new Float64Array([
    reconnect === null ? 0 : 1, ...SECTIONS.reconnect.map((key) => number(r, key, 'reconnect.')),
    heartbeat === null ? 0 : 1, ...SECTIONS.heartbeat.slice(0, 2).map((key) => number(h, key, 'heartbeat.')),
    queue === null ? 0 : 1, ...SECTIONS.queue.map((key) => number(q, key, 'queue.')),
    number(options, 'connectTimeoutMs'), number(options, 'maxMessageBytes'), tokenKind,
  ].map(given));
  return {
    url, protocols, numbers, pongType, typeField, pingFrame,
    pongFrame: JSON.stringify({ [typeField]: 'pong' }),
    staticToken: tokenKind === 1 ? token : undefined,
    tokenFunction: tokenKind === 2 ? token : undefined,
  };
}

