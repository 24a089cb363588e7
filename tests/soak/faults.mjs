// The soak's fault schedule, pure: which fault comes next and which control requests make it.
// The driver (run.mjs) carries the requests out against the reference server's /control API
// and waits for the transports to recover; this module decides nothing at run time.

/** The cycle, in order. Fault n (0-based) is KINDS[n % KINDS.length]. */
export const KINDS = ['drop', 'close-1011', 'close-1012', 'close-1013', 'refuse', 'silence', 'delay', 'garbage', 'stall'];

/**
 * The --redis mode's cycle (two instances on one redis-server): the same, plus processes dying.
 * `kill-instance`: the instance the chat is attached to is killed (SIGKILL) and restarted on its
 * port `restartAfterMs` later, so its clients resume on the other one, which continues their
 * chat and run; `restart-redis`: redis-server is killed and restarted on its port (with its
 * append-only file) `redisDownMs` later, so every resumable socket is closed with 1013 and resumes.
 */
export const REDIS_KINDS = [...KINDS, 'kill-instance', 'restart-redis'];

/** Kinds that are no /control request but a process the driver kills. */
export const PROCESS_KINDS = ['kill-instance', 'restart-redis'];

/**
 * Garbage, cycled in turn by the garbage faults. Server → client frames go through
 * /control/send (unsequenced, outside the resume protocol); `client-malformed` is a frame the
 * page sends the server. `expect` is the error kind the client must report for it (none for a
 * well-formed frame without `seq`, which listeners get like any message).
 */
export const GARBAGE = [
  { variant: 'malformed', expect: 'parse' },
  { variant: 'huge', expect: 'too_large' },
  { variant: 'unsequenced', expect: null },
  { variant: 'binary', expect: 'binary' },
  { variant: 'client-malformed', expect: null },
];

export const DEFAULT_TIMING = {
  /** Upgrades refused (503) this long after the drop that the refuse fault starts with. */
  refuseMs: 300,
  /** A silenced socket stays silent this long: well past the client's heartbeat deadline, so
   *  only the heartbeat can end it. */
  silenceMs: 3000,
  /** Outbound delay, and how long it stays on. */
  delayMs: 120,
  delayHoldMs: 300,
  /** A drop while the page's main thread stalls this long after every socket it creates (a
   *  throttled tab): the reconnections' `resume` frames arrive after the server's 150 ms wait
   *  for one, so the server has begun streaming and must start over after `welcome`. */
  stallMs: 400,
  stallWindowMs: 1500,
  /** The client's frame limit, and the size of the huge frame (over it). */
  maxMessageBytes: 65536,
  hugeBytes: 100_000,
  /** A killed instance comes back on its port this much later; a killed redis-server too. */
  restartAfterMs: 300,
  redisDownMs: 200,
};

/**
 * `count` faults, cycling through `kinds` (a subset of REDIS_KINDS, in the order given). Each is
 * `{ n, kind, steps, after, holdMs, reconnects, garbage, stall, process }`: `steps`
 * are control requests made at once (after arming the page's `stall`, if any), `after` the ones
 * made `holdMs` later; `reconnects` says the
 * fault ends every connection, so each long-lived transport must reconnect (and resume) before
 * the next fault; `process` is a process to kill and restart (`{ kind, downMs }`).
 */
export function planFaults(count, { timing = DEFAULT_TIMING, kinds = KINDS } = {}) {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`fault count must be a whole number, got ${count}`);
  const unknown = kinds.filter((kind) => !REDIS_KINDS.includes(kind));
  if (kinds.length === 0 || unknown.length) throw new RangeError(`fault kinds are ${REDIS_KINDS.join(', ')}; got ${kinds.join(', ') || 'none'}`);
  const faults = [];
  let garbageTurn = 0;
  for (let n = 0; n < count; n += 1) {
    const kind = kinds[n % kinds.length];
    const fault = { n: n + 1, kind, steps: [], after: [], holdMs: 0, reconnects: true, garbage: null, stall: null, process: null };
    if (kind === 'kill-instance') {
      // Only the transports on that instance reconnect; the flow check covers the chat's.
      fault.reconnects = false;
      fault.process = { kind, downMs: timing.restartAfterMs };
    } else if (kind === 'restart-redis') {
      fault.process = { kind, downMs: timing.redisDownMs };
    } else if (kind === 'drop') {
      fault.steps.push(control('drop'));
    } else if (kind.startsWith('close-')) {
      fault.steps.push(control('close', { code: Number(kind.slice(6)), reason: 'soak' }));
    } else if (kind === 'refuse') {
      fault.steps.push(control('refuse', { ms: timing.refuseMs }), control('drop'));
    } else if (kind === 'silence') {
      fault.steps.push(control('silence', { ms: timing.silenceMs }));
    } else if (kind === 'delay') {
      fault.reconnects = false;
      fault.steps.push(control('delay', { ms: timing.delayMs }));
      fault.after.push(control('delay', { ms: 0 }));
      fault.holdMs = timing.delayHoldMs;
    } else if (kind === 'stall') {
      fault.stall = { ms: timing.stallMs, forMs: timing.stallWindowMs };
      fault.steps.push(control('drop'));
    } else {
      fault.reconnects = false;
      fault.garbage = GARBAGE[garbageTurn % GARBAGE.length];
      garbageTurn += 1;
      if (fault.garbage.variant !== 'client-malformed') {
        fault.steps.push(garbageFrame(fault.garbage.variant, timing));
      }
    }
    faults.push(fault);
  }
  return faults;
}

function control(route, query = {}, body = undefined) {
  return { route, query, body };
}

function garbageFrame(variant, timing) {
  switch (variant) {
    case 'malformed':
      return control('send', {}, '{"type":"message_delta","seq":');
    case 'huge':
      return control('send', {}, JSON.stringify({ type: 'soak_huge', padding: 'x'.repeat(timing.hugeBytes) }));
    case 'unsequenced':
      return control('send', {}, JSON.stringify({ type: 'soak_unsequenced', note: 'no seq: listeners get it as is' }));
    case 'binary':
      return control('send', { binary: 1 }, 'binary garbage');
    default:
      throw new RangeError(`no server frame for garbage ${variant}`);
  }
}

/** The fetch arguments of one control request against `origin` (http://127.0.0.1:port). */
export function controlRequest(origin, { route, query, body }) {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  return { url: `${origin}/control/${route}${search ? `?${search}` : ''}`, init: { method: 'POST', body } };
}

/** How many of each kind `faults` holds. */
export function countKinds(faults) {
  const counts = Object.fromEntries(KINDS.map((kind) => [kind, 0]));
  for (const fault of faults) counts[fault.kind] = (counts[fault.kind] ?? 0) + 1;
  return counts;
}
