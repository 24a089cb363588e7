// The chaos soak's pure parts (tests/soak): the loss/duplicate/reorder checker, the bounded-log
// merge, the fault schedule and the command line.
import { describe, expect, it } from 'vitest';
import { SequenceChecker, WindowedList, summaryLine, tally } from '../soak/sequence.mjs';
import { DEFAULT_TIMING, GARBAGE, KINDS, REDIS_KINDS, controlRequest, countKinds, planFaults } from '../soak/faults.mjs';
import { parseSoakArgs } from '../soak/options.mjs';

function check(arrivals, last) {
  const checker = new SequenceChecker('test');
  const verdicts = arrivals.map((n) => checker.add(n));
  return { verdicts, lost: checker.lost(last), duplicated: checker.duplicated, reordered: checker.reordered, notes: checker.notes };
}

describe('SequenceChecker', () => {
  it('finds nothing wrong in 1..n once each, in order', () => {
    const result = check([1, 2, 3, 4, 5], 5);
    expect(result).toMatchObject({ lost: 0, duplicated: 0, reordered: 0, notes: [] });
    expect(result.verdicts.every((v) => v === 'ok')).toBe(true);
  });

  it('counts every number skipped as lost, including a tail that never came', () => {
    expect(check([1, 2, 5, 6], 6).lost).toBe(2);
    expect(check([1, 2, 3], 7).lost).toBe(4);
    expect(check([], 3).lost).toBe(3);
    expect(check([2, 3]).lost).toBe(1);
  });

  it('counts a number seen again as duplicated, not as lost or reordered', () => {
    const result = check([1, 2, 2, 3, 1], 3);
    expect(result).toMatchObject({ lost: 0, duplicated: 2, reordered: 0 });
    expect(result.verdicts).toEqual(['ok', 'ok', 'duplicated', 'ok', 'duplicated']);
  });

  it('counts a number that arrives after a higher one as reordered, and then not as lost', () => {
    const result = check([1, 3, 2, 4], 4);
    expect(result).toMatchObject({ lost: 0, duplicated: 0, reordered: 1 });
    expect(result.verdicts).toEqual(['ok', 'gap', 'reordered', 'ok']);
    expect(result.notes).toEqual(['2..2 skipped', '2 after 3']);
  });

  it('rejects what is not a sequence number', () => {
    const checker = new SequenceChecker('events');
    for (const bad of [0, -1, 1.5, '1', undefined, null]) expect(() => checker.add(bad)).toThrow(TypeError);
  });

  it('tally adds the counts of several checkers', () => {
    const a = new SequenceChecker();
    [1, 1, 3].forEach((n) => a.add(n));
    const b = new SequenceChecker();
    [2, 1].forEach((n) => b.add(n));
    const totals = tally(tally({ lost: 0, duplicated: 0, reordered: 0 }, a, 4), b, 2);
    expect(totals).toEqual({ lost: 2, duplicated: 1, reordered: 1 });
  });
});

describe('WindowedList', () => {
  it('takes a snapshot that extends what it knew', () => {
    const list = new WindowedList();
    expect(list.merge(['a', 'b'])).toBe(true);
    expect(list.merge(['a', 'b', 'c'])).toBe(true);
    expect(list.items).toEqual(['a', 'b', 'c']);
  });

  it('joins a window that slid past its oldest entries', () => {
    const list = new WindowedList();
    list.merge(['a', 'b', 'c']);
    expect(list.merge(['b', 'c', 'd', 'e'])).toBe(true);
    expect(list.merge(['d', 'e', 'f'])).toBe(true);
    expect(list.items).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('keeps a duplicate the log lists, so the checker can count it', () => {
    const list = new WindowedList();
    list.merge(['a', 'b', 'b']);
    expect(list.merge(['b', 'b', 'c'])).toBe(true);
    expect(list.items).toEqual(['a', 'b', 'b', 'c']);
  });

  it('says so when the window moved past everything it knew (entries went by unseen)', () => {
    const list = new WindowedList();
    list.merge(['a', 'b']);
    expect(list.merge(['x', 'y'])).toBe(false);
    expect(list.merge(['a'])).toBe(false);
    expect(list.items).toEqual(['a', 'b']);
  });
});

describe('planFaults', () => {
  it('cycles through every kind in order, and 1,000 faults give each kind its share', () => {
    const faults = planFaults(1000);
    expect(faults.slice(0, KINDS.length).map((f) => f.kind)).toEqual(KINDS);
    expect(faults.map((f) => f.n)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    // 1,000 = 9 × 111 + 1: the first kind once more.
    expect(Object.values(countKinds(faults))).toEqual(KINDS.map((_, i) => (i === 0 ? 112 : 111)));
    expect(planFaults(3).map((f) => f.kind)).toEqual(['drop', 'close-1011', 'close-1012']);
  });

  it('makes each fault with the control requests the server accepts', () => {
    const [drop, c1011, c1012, c1013, refuse, silence, delay, garbage, stall] = planFaults(9);
    expect(drop.steps).toEqual([{ route: 'drop', query: {}, body: undefined }]);
    expect([c1011, c1012, c1013].map((f) => f.steps[0].query.code)).toEqual([1011, 1012, 1013]);
    expect(refuse.steps.map((s) => s.route)).toEqual(['refuse', 'drop']);
    expect(refuse.steps[0].query.ms).toBe(DEFAULT_TIMING.refuseMs);
    expect(silence.steps[0]).toMatchObject({ route: 'silence', query: { ms: DEFAULT_TIMING.silenceMs } });
    expect(delay).toMatchObject({ reconnects: false, holdMs: DEFAULT_TIMING.delayHoldMs });
    expect(delay.after).toEqual([{ route: 'delay', query: { ms: 0 }, body: undefined }]);
    expect(garbage).toMatchObject({ reconnects: false, garbage: GARBAGE[0] });
    expect(stall).toMatchObject({ reconnects: true, stall: { ms: DEFAULT_TIMING.stallMs, forMs: DEFAULT_TIMING.stallWindowMs } });
    expect(stall.steps.map((s) => s.route)).toEqual(['drop']);
    // The page stalls longer than the server waits for a late `resume` (150 ms).
    expect(DEFAULT_TIMING.stallMs).toBeGreaterThan(150);
    for (const fault of [drop, c1011, refuse, silence]) expect(fault.reconnects).toBe(true);
    for (const fault of [drop, c1011, refuse, silence, delay, garbage]) expect(fault.stall).toBeNull();
  });

  it('cycles the garbage through every variant, each frame what its variant says', () => {
    const garbage = planFaults(KINDS.length * GARBAGE.length).filter((f) => f.kind === 'garbage');
    expect(garbage.map((f) => f.garbage.variant)).toEqual(GARBAGE.map((g) => g.variant));
    const [malformed, huge, unsequenced, binary, fromClient] = garbage;
    expect(() => JSON.parse(malformed.steps[0].body)).toThrow();
    expect(huge.steps[0].body.length).toBeGreaterThan(DEFAULT_TIMING.maxMessageBytes);
    expect(JSON.parse(unsequenced.steps[0].body)).not.toHaveProperty('seq');
    expect(binary.steps[0].query).toEqual({ binary: 1 });
    expect(fromClient.steps).toEqual([]);
  });

  it('cycles through a subset of the kinds when asked, and refuses kinds it does not know', () => {
    expect(planFaults(5, { kinds: ['stall', 'drop'] }).map((f) => f.kind)).toEqual(['stall', 'drop', 'stall', 'drop', 'stall']);
    expect(() => planFaults(5, { kinds: ['earthquake'] })).toThrow(RangeError);
    expect(() => planFaults(5, { kinds: [] })).toThrow(RangeError);
  });

  it('plans the --redis mode\'s process faults as processes to kill, not control requests', () => {
    const faults = planFaults(REDIS_KINDS.length, { kinds: REDIS_KINDS });
    const [kill, restart] = faults.slice(-2);
    expect(kill).toMatchObject({ kind: 'kill-instance', steps: [], reconnects: false, process: { kind: 'kill-instance', downMs: DEFAULT_TIMING.restartAfterMs } });
    expect(restart).toMatchObject({ kind: 'restart-redis', steps: [], reconnects: true, process: { kind: 'restart-redis', downMs: DEFAULT_TIMING.redisDownMs } });
    expect(faults.slice(0, KINDS.length).every((f) => f.process === null)).toBe(true);
    expect(countKinds(faults)).toMatchObject({ 'kill-instance': 1, 'restart-redis': 1, drop: 1 });
  });

  it('rejects a count that is not a whole number', () => {
    expect(() => planFaults(-1)).toThrow(RangeError);
    expect(() => planFaults(1.5)).toThrow(RangeError);
  });

  it('turns a step into a POST to the loopback origin it is given', () => {
    const request = controlRequest('http://127.0.0.1:4000', { route: 'close', query: { code: 1013, reason: 'soak' } });
    expect(request).toEqual({ url: 'http://127.0.0.1:4000/control/close?code=1013&reason=soak', init: { method: 'POST', body: undefined } });
  });
});

describe('parseSoakArgs', () => {
  it('defaults to 1,000 faults, the release server and a timeout that grows with the budget', () => {
    expect(parseSoakArgs([])).toEqual({ faults: 1000, kinds: KINDS, redis: false, timeoutS: 1120, server: 'release', verbose: false, help: false });
    expect(parseSoakArgs(['--faults', '50'])).toMatchObject({ faults: 50, timeoutS: 170 });
    expect(parseSoakArgs(['--faults=30', '--timeout=90', '--server', 'debug', '--verbose'])).toEqual({ faults: 30, kinds: KINDS, redis: false, timeoutS: 90, server: 'debug', verbose: true, help: false });
    expect(parseSoakArgs(['--only', 'stall,close-1013']).kinds).toEqual(['stall', 'close-1013']);
  });

  it('refuses what it does not understand', () => {
    expect(() => parseSoakArgs(['--faults'])).toThrow(/needs a value/);
    expect(() => parseSoakArgs(['--faults', 'many'])).toThrow(/whole number/);
    expect(() => parseSoakArgs(['--timeout', '0'])).toThrow(/>= 1/);
    expect(() => parseSoakArgs(['--server', 'fast'])).toThrow(/debug or release/);
    expect(() => parseSoakArgs(['--chaos'])).toThrow(/unknown argument/);
    expect(() => parseSoakArgs(['--only', 'drop,flood'])).toThrow(/got flood/);
    expect(() => parseSoakArgs(['--only', 'kill-instance'])).toThrow(/need --redis/);
  });

  it('adds the process faults to the cycle with --redis', () => {
    expect(parseSoakArgs(['--redis'])).toMatchObject({ redis: true, kinds: REDIS_KINDS });
    expect(parseSoakArgs(['--redis', '--only', 'restart-redis,drop']).kinds).toEqual(['restart-redis', 'drop']);
  });
});

describe('summaryLine', () => {
  it('reads exactly as the issue asks', () => {
    expect(summaryLine({ faults: 1000, eventsIn: 51234, messagesOut: 9876, lost: 0, duplicated: 0, reordered: 0 }))
      .toBe('soak: 1000 faults, 51234 events in, 9876 messages out, lost 0, duplicated 0, reordered 0');
  });
});
