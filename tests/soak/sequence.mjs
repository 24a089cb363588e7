// The soak's bookkeeping, pure: what arrived against what should have, by sequence number.
//
// Both directions go through the same checker. Server → client: every event's `seq` on one
// stream session. Client → server: the payload sequence number `n` (1, 2, 3… in the order the
// client called sendWithAck) of each id the server lists in `processed`, in its order.

/**
 * Counts, for one sequence that should read 1, 2, 3 … last exactly once each and in order:
 * - duplicated: a number seen before;
 * - reordered: a number first seen after a higher one (it arrived late);
 * - lost: the numbers in 1..last never seen (`finish` knows `last`).
 */
export class SequenceChecker {
  constructor(name = 'sequence') {
    this.name = name;
    this.seen = new Set();
    this.highest = 0;
    this.received = 0;
    this.duplicated = 0;
    this.reordered = 0;
    /** The first few anomalies, for the report. */
    this.notes = [];
  }

  /** One arrival. Returns 'ok', 'duplicated', 'reordered' or 'gap' (numbers skipped, so far). */
  add(n) {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new TypeError(`${this.name}: sequence numbers are integers from 1, got ${JSON.stringify(n)}`);
    }
    this.received += 1;
    if (this.seen.has(n)) {
      this.duplicated += 1;
      this.note(`${n} again`);
      return 'duplicated';
    }
    this.seen.add(n);
    if (n < this.highest) {
      this.reordered += 1;
      this.note(`${n} after ${this.highest}`);
      return 'reordered';
    }
    const skipped = n > this.highest + 1;
    if (skipped) this.note(`${this.highest + 1}..${n - 1} skipped`);
    this.highest = n;
    return skipped ? 'gap' : 'ok';
  }

  /** Numbers in 1..last never seen; `last` defaults to the highest seen (a lost tail then needs
   *  the caller to know the true last). */
  lost(last = this.highest) {
    let missing = Math.max(0, last - this.highest);
    for (let n = 1; n <= Math.min(last, this.highest); n += 1) if (!this.seen.has(n)) missing += 1;
    return missing;
  }

  note(text) {
    if (this.notes.length < 5) this.notes.push(text);
  }
}

/** Adds one checker's counts (lost against `last`) into `totals`. */
export function tally(totals, checker, last) {
  totals.lost += checker.lost(last);
  totals.duplicated += checker.duplicated;
  totals.reordered += checker.reordered;
  return totals;
}

/**
 * Rebuilds a whole list from successive snapshots of a bounded log that keeps only its newest
 * entries (a window that slides once it is full). `merge(snapshot)` returns false when the new
 * window no longer overlaps what was known: entries went by unseen, poll more often.
 */
export class WindowedList {
  constructor() {
    this.items = [];
  }

  merge(snapshot) {
    const known = this.items;
    if (startsWith(snapshot, known)) {
      this.items = [...snapshot];
      return true;
    }
    // The window slid: find where the last known entry sits in it, and check what precedes it.
    const last = known[known.length - 1];
    for (let at = snapshot.lastIndexOf(last); at >= 0; at = at > 0 ? snapshot.lastIndexOf(last, at - 1) : -1) {
      const overlap = at + 1;
      if (overlap <= known.length && sameRun(known, known.length - overlap, snapshot, 0, overlap)) {
        this.items = known.concat(snapshot.slice(overlap));
        return true;
      }
    }
    return false;
  }
}

function startsWith(list, prefix) {
  return list.length >= prefix.length && sameRun(list, 0, prefix, 0, prefix.length);
}

function sameRun(a, aFrom, b, bFrom, length) {
  for (let i = 0; i < length; i += 1) if (a[aFrom + i] !== b[bFrom + i]) return false;
  return true;
}

/** The soak's last line, exactly as the issue words it. */
export function summaryLine({ faults, eventsIn, messagesOut, lost, duplicated, reordered }) {
  return `soak: ${faults} faults, ${eventsIn} events in, ${messagesOut} messages out, lost ${lost}, duplicated ${duplicated}, reordered ${reordered}`;
}
