// The soak's traffic, in the browser, through the built package (pkg/) with `resume: true`:
// - chat: /ws/stream, one chat after another, each sent with sendWithAck (id chat-<n>); the
//   next starts when the previous one's `result` arrives, whose content must equal its deltas;
// - run: /ws/runs/soak-<k>, one run after another (a run ends with close 1000 after `done`);
// - tracking: /ws/agent-tracking/…, a steady stream of acknowledged `get_session_state`
//   messages (id trk-<n>, payload.n = n), each answered by a sequenced `session_state` that
//   names soak-<n>: so the replies check the server's order as well as the events.
// Every event with a `seq` goes through a SequenceChecker per stream (a transport's session). run.mjs drives
// this through window.soak and checks the server's side (GET /control/log `processed`).
// `config.bases` lists the server origins (ws://127.0.0.1:port): with several (the --redis mode's
// instances) every transport's `url` is the list of them, and each retry moves to the next.
import { WebSocketTransport } from '/pkg/agentwire.js';
import { SequenceChecker } from '/soak/sequence.mjs';

const CHAT_MESSAGES = ['Compare NVDA and AMD', 'How is AAPL doing?', 'Summarise the news', 'Plan a week in Lisbon', 'Explain backpressure'];

export function createSoak() {
  let stall = null;
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      if (stall && performance.now() < stall.until) {
        const busy = stall.ms;
        queueMicrotask(() => {
          const until = performance.now() + busy;
          while (performance.now() < until);
        });
      }
    }
  };
  let config = null;
  let draining = false;
  /** The transports' `url`: one URL, or the list of every instance's. */
  const urlOf = (path) => (config.bases.length === 1 ? `${config.bases[0]}${path}` : config.bases.map((base) => `${base}${path}`));
  let timer = null;
  /** Counted findings (each also in the totals) and problems (failures that are not counts). */
  const anomalies = [];
  const problems = [];
  const note = (list, text) => { if (list.length < 50) list.push(text); };
  /** One checker per stream: a transport's events, until it reports that the server could not
   *  resume its session (a gap without `received`): then the fresh session's seq starts at 1. */
  const streams = new Map();
  let gapLosses = 0;
  let eventsIn = 0;

  // A transport under watch: sequenced events through the checker, then to `onEvent`.
  function watch(name, url, onEvent) {
    const t = new WebSocketTransport({ ...config.transport, url });
    const w = { name, t, errors: {}, unsequenced: 0, serverErrors: 0, eventsIn: 0, statuses: [], generation: 0, sessionId: null, sessionGeneration: 0 };
    t.on('*', (m) => {
      if (m === null || typeof m !== 'object') {
        note(problems, `${name}: a message that is not an object: ${JSON.stringify(m)}`);
        return;
      }
      if (m.seq === undefined) {
        if (m.type === 'soak_unsequenced') w.unsequenced += 1;
        else if (m.type === 'error') w.serverErrors += 1;
        return;
      }
      const snapshot = t.getSnapshot();
      // With resume the transport is connected once `welcome` came, and a sequenced event that
      // arrives before it is ignored (PROTOCOL.md): the server sends it again after `welcome`.
      if (snapshot.status !== 'connected') note(problems, `${name}: seq ${m.seq} (${m.type}) delivered while ${snapshot.status}, before welcome`);
      if (w.sessionId && snapshot.sessionId !== w.sessionId && w.generation === w.sessionGeneration) {
        note(problems, `${name}: session ${w.sessionId} became ${snapshot.sessionId} without a gap`);
      }
      w.sessionId = snapshot.sessionId;
      w.sessionGeneration = w.generation;
      const key = `${name}#${w.generation}`;
      let checker = streams.get(key);
      if (!checker) streams.set(key, (checker = new SequenceChecker(key)));
      const verdict = checker.add(m.seq);
      if (verdict !== 'ok') {
        const first = checker.duplicated + checker.reordered + (verdict === 'gap' ? 1 : 0) === 1;
        note(anomalies, `${key}: ${verdict} at seq ${m.seq} (${m.type}); the transport's lastSeq ${snapshot.lastSeq}, status ${snapshot.status}, resumed ${snapshot.resumed}${first ? `; statuses ${JSON.stringify(w.statuses)}` : ''}`);
      }
      eventsIn += 1;
      w.eventsIn += 1;
      onEvent(m);
    });
    t.onError((e) => {
      w.errors[e.kind] = (w.errors[e.kind] ?? 0) + 1;
      if (e.kind === 'gap') {
        // A skipped range is lost; a session the server could not resume lost an unknown tail.
        const skipped = Number.isInteger(e.expected) && Number.isInteger(e.received) ? e.received - e.expected : 1;
        gapLosses += Math.max(1, skipped);
        if (!Number.isInteger(e.received)) w.generation += 1;
        note(anomalies, `${name}: gap (expected ${e.expected}, received ${e.received}): ${e.message}`);
      }
    });
    t.onStatus((s) => {
      w.statuses.push(`${s.status}${s.resumed ? ' (resumed)' : ''}${s.code ? ` ${s.code}` : ''}`);
      if (w.statuses.length > 12) w.statuses.shift();
      if (s.status === 'error') note(problems, `${name}: status error (${s.code} ${s.reason})`);
    });
    return w;
  }

  function sendAcked(w, counter, message) {
    counter.sent += 1;
    counter.inflight += 1;
    let acked;
    try {
      acked = w.t.sendWithAck(message, { timeoutMs: config.ackTimeoutMs });
    } catch (error) {
      counter.inflight -= 1;
      note(problems, `${w.name}: sendWithAck threw for ${message.id}: ${error?.message ?? error}`);
      return;
    }
    acked.then(
      (ack) => {
        counter.inflight -= 1;
        counter.acked += 1;
        if (ack?.duplicate) counter.duplicateAcks += 1;
        if (ack?.id !== message.id) note(problems, `${w.name}: the ack of ${message.id} names ${ack?.id}`);
      },
      (error) => {
        counter.inflight -= 1;
        counter.rejected += 1;
        note(problems, `${w.name}: sendWithAck(${message.id}) rejected: ${error?.kind ?? ''} ${error?.message ?? error}`);
      },
    );
  }

  const newCounter = () => ({ sent: 0, acked: 0, inflight: 0, rejected: 0, duplicateAcks: 0 });

  // --- chat ------------------------------------------------------------------------------------
  const chat = { ...newCounter(), results: 0, waiting: false, started: false, texts: new Map() };
  let chatW = null;
  function sendChat() {
    const n = chat.sent + 1;
    chat.waiting = true;
    chat.started = false;
    const message = `${CHAT_MESSAGES[n % CHAT_MESSAGES.length]} (soak ${n})`;
    sendAcked(chatW, chat, { type: 'chat', id: `chat-${n}`, payload: { message, answer_tokens: config.answerTokens, n } });
  }
  function onChatEvent(m) {
    if (m.type !== 'cancelled') chat.started = true;
    if (m.type === 'message_delta') {
      chat.texts.set(m.message_id, (chat.texts.get(m.message_id) ?? '') + m.delta);
    } else if (m.type === 'result') {
      chat.results += 1;
      const text = chat.texts.get(m.message_id) ?? '';
      if (text !== m.content) note(problems, `chat ${m.message_id}: deltas ${JSON.stringify(text.slice(0, 80))} ≠ result ${JSON.stringify(String(m.content).slice(0, 80))}`);
      chat.texts.delete(m.message_id);
      if (chat.results !== chat.sent) note(problems, `chat: result number ${chat.results} with ${chat.sent} chats sent`);
      chat.waiting = false;
      if (!draining) sendChat();
    } else if (m.type === 'cancelled') {
      note(problems, `chat: cancelled ${JSON.stringify(m)}`);
    }
  }

  // --- runs ------------------------------------------------------------------------------------
  const runs = { started: 0, completed: 0, events: 0, cutShort: 0, current: null };
  function startRun() {
    const k = runs.started + 1;
    runs.started = k;
    const id = `soak-${k}`;
    const run = { id, events: 0, done: false, w: null };
    run.w = watch(`run-${k}`, urlOf(`/ws/runs/${id}?delay_ms=${config.runDelayMs}`), (m) => {
      if (m.run_id !== id) note(problems, `run ${id}: an event of run ${m.run_id}`);
      if (run.events === 0 && m.type !== 'boot') note(problems, `run ${id} starts with ${m.type}`);
      if (run.done) note(problems, `run ${id}: ${m.type} after done`);
      run.events += 1;
      runs.events += 1;
      if (m.type === 'done') run.done = true;
    });
    run.w.t.onStatus((s) => {
      if (s.status !== 'disconnected' || runs.current !== run) return;
      if (!run.done) {
        // Its tail never came: at least `done` is lost (how many more, only the server knew).
        runs.cutShort += 1;
        note(problems, `run ${id} closed (${s.code} ${s.reason}) before done, after ${run.events} events`);
      }
      runs.completed += 1;
      runs.current = null;
      run.w.t.free();
      if (!draining) startRun();
    });
    runs.current = run;
    run.w.t.connect().catch(() => {});
  }

  // --- tracking --------------------------------------------------------------------------------
  const tracking = { ...newCounter(), replies: new SequenceChecker('tracking replies') };
  let trackingW = null;
  function onTrackingEvent(m) {
    if (m.type !== 'session_state' || typeof m.session_id !== 'string' || !m.session_id.startsWith('soak-')) return;
    const verdict = tracking.replies.add(Number(m.session_id.slice(5)));
    if (verdict !== 'ok') note(anomalies, `tracking reply ${verdict}: ${m.session_id}`);
  }
  function tick() {
    if (draining || tracking.inflight >= config.window) return;
    const n = tracking.sent + 1;
    sendAcked(trackingW, tracking, { type: 'get_session_state', id: `trk-${n}`, payload: { n, session_id: `soak-${n}` } });
  }

  function describe(w) {
    if (!w) return null;
    const s = w.t.getSnapshot();
    return {
      status: s.status, url: s.url ?? null, sessionId: s.sessionId ?? null, lastSeq: s.lastSeq ?? null, resumed: s.resumed ?? null,
      reconnects: w.t.stats().reconnects, eventsIn: w.eventsIn, errors: { ...w.errors },
      unsequenced: w.unsequenced, serverErrors: w.serverErrors,
    };
  }
  const counter = (c) => ({ sent: c.sent, acked: c.acked, inflight: c.inflight, rejected: c.rejected, duplicateAcks: c.duplicateAcks });

  return {
    /** Opens the chat and tracking transports (resolves once both are connected), then starts
     *  the traffic. */
    async start(options) {
      config = options;
      chatW = watch('chat', urlOf(`/ws/stream?delay_ms=${config.chatDelayMs}&tokens_per_sec=${config.tokensPerSec}`), onChatEvent);
      trackingW = watch('tracking', urlOf('/ws/agent-tracking/client_1_soak?ping_after_ms=600000'), onTrackingEvent);
      await Promise.all([chatW.t.connect(), trackingW.t.connect()]);
      sendChat();
      startRun();
      timer = setInterval(tick, config.messageIntervalMs);
    },
    /** For the next `forMs`: every socket the page creates is followed by `ms` of busy main
     *  thread (a throttled tab), so its open event, and the `resume` the transport sends from
     *  it, come `ms` late, after the server stopped waiting for a resume. */
    stallSockets(ms, forMs) {
      stall = { ms, until: performance.now() + forMs };
    },
    /** Malformed JSON from the client: the server must answer with an error and carry on. */
    sendGarbage() {
      return chatW.t.send('{"type":"chat","payload":');
    },
    state() {
      return {
        chat: describe(chatW), tracking: describe(trackingW), run: describe(runs.current?.w),
        eventsIn, runsStarted: runs.started, runsCompleted: runs.completed,
        chatResults: chat.results, chatsSent: chat.sent, trackingSent: tracking.sent,
        anomalies: anomalies.length, problems: problems.length,
      };
    },
    /** Stops starting anything new; `drained()` says when what was started has finished. */
    drain() {
      draining = true;
      clearInterval(timer);
    },
    drained() {
      return !chat.waiting && chat.inflight === 0 && tracking.inflight === 0 && runs.current === null
        && tracking.replies.highest >= tracking.sent;
    },
    /** The counts of this side. */
    report() {
      const totals = { lost: gapLosses + runs.cutShort, duplicated: 0, reordered: 0 };
      for (const checker of streams.values()) {
        totals.lost += checker.lost();
        totals.duplicated += checker.duplicated;
        totals.reordered += checker.reordered;
      }
      const replies = tracking.replies;
      return {
        eventsIn, streams: streams.size, gapLosses, events: totals,
        replies: { received: replies.received, lost: replies.lost(tracking.sent), duplicated: replies.duplicated, reordered: replies.reordered },
        chat: { ...counter(chat), results: chat.results }, tracking: counter(tracking),
        runs: { started: runs.started, completed: runs.completed, events: runs.events, cutShort: runs.cutShort },
        errors: { chat: { ...chatW.errors }, tracking: { ...trackingW.errors } },
        anomalies: [...anomalies], problems: [...problems],
      };
    },
    stop() {
      clearInterval(timer);
      chatW?.t.free();
      trackingW?.t.free();
      runs.current?.w.t.free();
    },
  };
}
