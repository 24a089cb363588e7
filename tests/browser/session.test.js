// AgentSession (agentwire/session) in headless Chromium: the reducer fed by a real
// WebSocketTransport connected to the reference server, and the snapshot's structural sharing.
import { describe, expect, it } from 'vitest';
import { useBrowserFixture } from './support/fixture.js';
import { waitInPage } from './support/browser.js';

const f = useBrowserFixture({ serverArgs: ['--mission-interval-ms', '50'] });

/**
 * Loads pkg/session into the page as an app would (a module script importing
 * /pkg/session/agentwire_session.js) and defines `window.feed`. A script tag rather than
 * `import()` inside page.evaluate, which vitest's transform would rewrite.
 */
async function loadSession(page) {
  await page.addScriptTag({
    type: 'module',
    content: `
      import initSession, { AgentSession } from '/pkg/session/agentwire_session.js';
      await initSession();
      window.AgentSession = AgentSession;
      // Feeds every message of a transport into a session, batched as bindSession does (one
      // applyMany per task, however many messages arrived); returns what was received.
      window.feed = (transport, session) => {
        const received = [];
        const stats = { batches: 0 };
        let batch = [];
        transport.on('*', (message) => {
          received.push(message);
          batch.push(message);
          if (batch.length === 1) {
            setTimeout(() => {
              const messages = batch;
              batch = [];
              stats.batches += 1;
              session.applyMany(messages);
            }, 0);
          }
        });
        return { received, stats };
      };
      window.sessionReady = true;
    `,
  });
  await waitInPage(page, () => window.sessionReady === true, null, { what: 'agentwire_session to load' });
}

describe('AgentSession against the reference server', () => {
  it('a 10,000-token chat through a real transport assembles exactly the result content', async () => {
    await loadSession(f.page);
    const out = await f.page.evaluate(async (url) => {
      const session = new AgentSession();
      const t = new WebSocketTransport({ url });
      const { received, stats } = window.feed(t, session);
      const finished = new Promise((resolve) => {
        session.subscribe(() => { if (session.getSnapshot().result) resolve(); });
      });
      await t.connect();
      const userId = session.addUserMessage('How is NVDA doing?');
      t.send({ type: 'chat', payload: { message: 'How is NVDA doing?', answer_tokens: 10000 } });
      await finished;
      t.free();
      const snap = session.getSnapshot();
      const result = received.find((m) => m.type === 'result');
      const toolCalls = received.filter((m) => m.type === 'tool_call');
      const answer = snap.messages[1];
      const out = {
        userId,
        roles: snap.messages.map((m) => [m.role, m.status]),
        exact: answer.content === result.content,
        contentLength: answer.content.length,
        answerId: answer.id === result.message_id,
        deltas: received.filter((m) => m.type === 'message_delta').length,
        batches: stats.batches,
        received: received.length,
        counts: snap.counts,
        logs: snap.logs.length,
        running: snap.running,
        progress: snap.progress,
        toolCount: snap.tools.length === toolCalls.length,
        toolsDone: snap.tools.every((tool) => tool.status === 'done' && typeof tool.durationMs === 'number'),
        argsKept: snap.tools[0].args === toolCalls[0].args,
        toolId: snap.tools[0].id,
        firstAgent: toolCalls[0].agent,
        chart: snap.charts[0] && { symbol: snap.charts[0].symbol, url: snap.charts[0].url },
        resultKept: snap.result.content === result.content && snap.result.messageId === result.message_id,
        agentsUsed: JSON.stringify(snap.result.agentsUsed) === JSON.stringify(result.agents_used),
        agent: snap.agents[0] && { status: snap.agents[0].status, emoji: snap.agents[0].emoji !== null },
        frozen: [snap, snap.messages, answer, snap.tools, snap.tools[0], snap.logs, snap.logs[0], snap.counts, snap.result].every(Object.isFrozen),
        allLogsKnown: snap.logs.every((entry) => entry.known && typeof entry.at === 'number' && !('event' in entry)),
      };
      session.free();
      return out;
    }, f.server.ws('/ws/stream?delay_ms=0&tokens_per_sec=0'));
    expect(out.exact).toBe(true);
    expect(out.contentLength).toBeGreaterThan(10000);
    expect(out.deltas).toBe(10000);
    expect(out.batches).toBeGreaterThan(1);
    expect(out).toMatchObject({
      userId: 'user_1',
      roles: [['user', 'complete'], ['assistant', 'complete']],
      answerId: true,
      counts: { events: out.received, unknown: 0, malformed: 0 },
      logs: 500,
      running: false,
      toolCount: true,
      toolsDone: true,
      argsKept: true,
      chart: { symbol: 'NVDA', url: '/charts/NVDA.svg' },
      resultKept: true,
      agentsUsed: true,
      agent: { status: 'completed', emoji: true },
      frozen: true,
      allLogsKnown: true,
    });
    expect(out.progress.current).toBe(out.progress.max);
    expect(out.toolId).toBe(`${out.firstAgent}:${out.toolId.split(':')[1]}:1`);
  });

  it('a run from /ws/runs gives tool durations, tasks and status done', async () => {
    await loadSession(f.page);
    const out = await f.page.evaluate(async (url) => {
      const session = new AgentSession();
      const t = new WebSocketTransport({ url, reconnect: false });
      const { received } = window.feed(t, session);
      await t.connect();
      await new Promise((resolve) => session.subscribe(() => { if (session.getSnapshot().run?.status === 'done') resolve(); }));
      const { run, tools, agents, counts } = session.getSnapshot();
      const ends = received.filter((m) => m.type === 'tool_end');
      return {
        run: { id: run.id, status: run.status, outcome: run.outcome, toolsRun: run.toolsRun, tasks: run.tasks.length },
        tasksDone: run.tasks.every((task) => task.status === 'done' && task.agent && task.endedAt >= task.startedAt),
        taskStarts: received.filter((m) => m.type === 'task_start').length,
        durations: tools.map((tool) => tool.durationMs),
        expected: ends.map((m) => m.duration_s * 1000),
        tools: tools.map((tool) => [tool.status, tool.progress, tool.runId, typeof tool.message]),
        agents: agents.map((agent) => agent.status),
        counts,
        received: received.length,
      };
    }, f.server.ws('/ws/runs/r1?delay_ms=0'));
    expect(out.run).toMatchObject({ id: 'r1', status: 'done', outcome: 'success', toolsRun: out.durations.length });
    expect(out.run.tasks).toBe(out.taskStarts);
    expect(out.tasksDone).toBe(true);
    expect(out.durations.length).toBeGreaterThan(0);
    expect(out.durations).toEqual(out.expected);
    for (const tool of out.tools) expect(tool).toEqual(['done', 1, 'r1', 'string']);
    expect(out.agents.length).toBeGreaterThan(0);
    expect(out.agents.every((status) => status === 'completed')).toBe(true);
    expect(out.counts).toEqual({ events: out.received, unknown: 0, malformed: 0 });
  });

  it('mission signals (token demo-token) show the latest status', async () => {
    await loadSession(f.page);
    const out = await f.page.evaluate(async (url) => {
      const session = new AgentSession();
      const t = new WebSocketTransport({ url, token: 'demo-token' });
      const { received } = window.feed(t, session);
      await t.connect();
      await new Promise((resolve) => session.subscribe(() => { if (session.getSnapshot().counts.events >= 3) resolve(); }));
      t.free();
      const snap = session.getSnapshot();
      const last = received.at(-1);
      return { mission: snap.mission, last: last.payload, frozen: Object.isFrozen(snap.mission) };
    }, f.server.ws('/ws/mission'));
    expect(out.mission).toMatchObject({ status: out.last.status, crewId: out.last.crewId, seq: out.last.seq });
    expect(typeof out.mission.at).toBe('number');
    expect(out.frozen).toBe(true);
  });

  it('agent tracking reports sessions, agent statuses and collaborations', async () => {
    await loadSession(f.page);
    await f.page.evaluate(async (url) => {
      window.tracked = new AgentSession();
      window.trackingTransport = new WebSocketTransport({ url });
      window.trackingFeed = window.feed(window.trackingTransport, window.tracked);
      await window.trackingTransport.connect();
    }, f.server.ws('/ws/agent-tracking/client_1_abc'));
    await waitInPage(f.page, () => window.tracked.getSnapshot().sessions !== null, null, { what: 'active_sessions' });
    const { session_id: sessionId } = await f.server.control('session?delay_ms=0&message=Plan%20a%20trip');
    await waitInPage(f.page, () => window.tracked.getSnapshot().agents.some((a) => a.status === 'completed'), null, { what: 'the session to complete' });
    await f.page.evaluate((sessionId) => window.trackingTransport.send({ type: 'get_session_state', session_id: sessionId }), sessionId);
    await waitInPage(f.page, () => window.tracked.getSnapshot().sessions.items.length === 1, null, { what: 'session_state' });
    const out = await f.page.evaluate((sessionId) => {
      window.trackingTransport.free();
      const snap = window.tracked.getSnapshot();
      const received = window.trackingFeed.received;
      return {
        lead: snap.agents.find((a) => a.status === 'completed'),
        agentsOfSession: snap.agents.every((a) => a.sessionId === sessionId),
        collaborations: snap.collaborations.map((c) => [c.from, c.to, c.message]),
        sentCollaborations: received.filter((m) => m.type === 'agent_collaboration').map((m) => [m.from_agent, m.to_agent, m.message]),
        session: snap.sessions.items[0],
        sessionsTotal: snap.sessions.total,
        sessionState: received.find((m) => m.type === 'session_state').state,
        counts: snap.counts,
        received: received.length,
      };
    }, sessionId);
    expect(out.lead).toMatchObject({ progress: 1, message: 'Answer ready', sessionId });
    expect(out.agentsOfSession).toBe(true);
    expect(out.collaborations).toEqual(out.sentCollaborations);
    expect(out.session).toEqual(out.sessionState);
    expect(out.session).toMatchObject({ session_id: sessionId, status: 'completed' });
    expect(out.sessionsTotal).toBe(1);
    expect(out.counts).toEqual({ events: out.received, unknown: 0, malformed: 0 });
  });

  it('unknown types and malformed frames from the server are logged with known:false', async () => {
    await loadSession(f.page);
    await f.page.evaluate(async (url) => {
      window.s = new AgentSession({ maxLogEntries: 10 });
      window.t = new WebSocketTransport({ url });
      window.feed(window.t, window.s);
      await window.t.connect();
    }, f.server.ws('/ws/stream'));
    await f.server.control('send?endpoint=stream', '{"type":"agent_thought","text":"hmm"}');
    await f.server.control('send?endpoint=stream', '{"type":"message_delta","message_id":"m","delta":7}');
    await f.server.control('send?endpoint=stream', '{"type":"message_delta","message_id":"m","delta":"ok"}');
    await waitInPage(f.page, () => window.s.getSnapshot().counts.events === 3, null, { what: 'three events' });
    const out = await f.page.evaluate(() => {
      window.t.free();
      const { logs, counts, messages } = window.s.getSnapshot();
      return { logs, counts, messages: messages.map((m) => m.content) };
    });
    expect(out.counts).toEqual({ events: 3, unknown: 1, malformed: 1 });
    expect(out.logs.map((e) => [e.seq, e.type, e.known, e.malformed])).toEqual([
      [1, 'agent_thought', false, false],
      [2, 'message_delta', false, true],
      [3, 'message_delta', true, false],
    ]);
    expect(out.logs[0]).toMatchObject({ summary: "unknown type 'agent_thought'", event: { type: 'agent_thought', text: 'hmm' } });
    expect(out.logs[1]).toMatchObject({ summary: "malformed 'message_delta': 'delta' must be a string", event: { delta: 7 } });
    expect('event' in out.logs[2]).toBe(false);
    expect(out.messages).toEqual(['ok']);
  });
});

describe('AgentSession with AG-UI events', () => {
  it('keeps the identity of state subtrees a STATE_DELTA did not touch, and reports a patch that does not apply', async () => {
    await loadSession(f.page);
    const out = await f.page.evaluate(() => {
      const s = new AgentSession();
      s.applyMany([
        { type: 'RUN_STARTED', threadId: 'th', runId: 'r1' },
        { type: 'STATE_SNAPSHOT', snapshot: { plan: { steps: ['a', 'b'] }, progress: 0, __proto__x: 1 } },
      ]);
      const a = s.getSnapshot();
      s.apply({ type: 'STATE_DELTA', delta: [{ op: 'replace', path: '/progress', value: 0.5 }] });
      const b = s.getSnapshot();
      s.apply({ type: 'STATE_DELTA', delta: [{ op: 'remove', path: '/missing' }] });
      const c = s.getSnapshot();
      s.apply({ type: 'STATE_SNAPSHOT', snapshot: { plan: { steps: ['a', 'b'] }, progress: 1 } });
      const d = s.getSnapshot();
      return {
        first: a.state,
        progress: b.state.progress,
        planKept: a.state.plan === b.state.plan && b.state.plan === d.state.plan,
        stepsKept: a.state.plan.steps === d.state.plan.steps,
        rootNew: a.state !== b.state,
        frozen: Object.isFrozen(b.state) && Object.isFrozen(b.state.plan.steps),
        failedKeepsState: c.state === b.state,
        errors: c.errors.map((e) => e.message),
        run: { id: d.run.id, threadId: d.run.threadId, status: d.run.status },
        running: d.running,
      };
    });
    expect(out.first).toEqual({ plan: { steps: ['a', 'b'] }, progress: 0, __proto__x: 1 });
    expect(out.progress).toBe(0.5);
    expect(out.planKept).toBe(true);
    expect(out.stepsKept).toBe(true);
    expect(out.rootNew).toBe(true);
    expect(out.frozen).toBe(true);
    expect(out.failedKeepsState).toBe(true);
    expect(out.errors).toEqual(['STATE_DELTA did not apply, state unchanged: operation 0 (remove /missing): path not found']);
    expect(out.run).toEqual({ id: 'r1', threadId: 'th', status: 'running' });
    expect(out.running).toBe(true);
  });

  it('assembles messages with their roles and tool calls with parsed args, reading the type from typeField', async () => {
    await loadSession(f.page);
    const out = await f.page.evaluate(() => {
      const s = new AgentSession({ typeField: 'event_type' });
      s.applyMany([
        { event_type: 'RUN_STARTED', threadId: 't', runId: 'r' },
        { event_type: 'STEP_STARTED', stepName: 'think' },
        { event_type: 'TEXT_MESSAGE_START', messageId: 'm1', role: 'assistant' },
        { event_type: 'TEXT_MESSAGE_CONTENT', messageId: 'm1', delta: 'Hel' },
        { event_type: 'TEXT_MESSAGE_CONTENT', messageId: 'm1', delta: 'lo' },
        { event_type: 'TEXT_MESSAGE_END', messageId: 'm1' },
        { event_type: 'TOOL_CALL_START', toolCallId: 'c1', toolCallName: 'search', parentMessageId: 'm1' },
        { event_type: 'TOOL_CALL_ARGS', toolCallId: 'c1', delta: '{"q": ' },
        { event_type: 'TOOL_CALL_ARGS', toolCallId: 'c1', delta: '"rust"}' },
      ]);
      const streaming = s.getSnapshot().tools[0];
      s.applyMany([
        { event_type: 'TOOL_CALL_END', toolCallId: 'c1' },
        { event_type: 'TOOL_CALL_RESULT', toolCallId: 'c1', messageId: 't1', content: '3 hits' },
        { event_type: 'STEP_FINISHED', stepName: 'think' },
        { event_type: 'CUSTOM', name: 'ping', value: 1 },
        { event_type: 'RUN_FINISHED', threadId: 't', runId: 'r', result: { ok: true } },
        { type: 'TEXT_MESSAGE_START', messageId: 'ignored' },
      ]);
      const snap = s.getSnapshot();
      const snap2 = (s.apply({ event_type: 'STEP_STARTED', stepName: 'next' }), s.getSnapshot());
      return {
        streaming: { args: streaming.args, argsText: streaming.argsText, status: streaming.status },
        messages: snap.messages.map((m) => [m.id, m.role, m.content, m.status]),
        tool: {
          id: snap.tools[0].id, name: snap.tools[0].name, args: snap.tools[0].args, result: snap.tools[0].result,
          status: snap.tools[0].status, parentMessageId: snap.tools[0].parentMessageId,
        },
        argsKept: snap.tools[0].args === snap2.tools[0].args,
        run: { status: snap.run.status, outcome: snap.run.outcome, result: snap.run.result, steps: snap.run.steps.map((t) => [t.id, t.status]) },
        custom: snap.logs.find((e) => e.type === 'CUSTOM'),
        counts: snap.counts,
        typeOption: (() => { try { new AgentSession({ typeField: 3 }); return 'accepted'; } catch (e) { return e.name + ': ' + e.message; } })(),
      };
    });
    expect(out.streaming).toEqual({ args: null, argsText: '{"q": "rust"}', status: 'running' });
    expect(out.messages).toEqual([
      ['m1', 'assistant', 'Hello', 'complete'],
      ['t1', 'tool', '3 hits', 'complete'],
    ]);
    expect(out.tool).toEqual({ id: 'c1', name: 'search', args: { q: 'rust' }, result: '3 hits', status: 'done', parentMessageId: 'm1' });
    expect(out.argsKept).toBe(true);
    expect(out.run).toEqual({ status: 'done', outcome: 'success', result: { ok: true }, steps: [['think', 'done']] });
    expect(out.custom.known).toBe(true);
    expect(out.custom.event).toEqual({ event_type: 'CUSTOM', name: 'ping', value: 1 });
    // The last event has no `event_type`: malformed, logged, nothing else changed.
    expect(out.counts).toEqual({ events: 15, unknown: 0, malformed: 1 });
    expect(out.typeOption).toBe("TypeError: AgentSession: option 'typeField' must be a non-empty string, got number");
  });
});

describe('AgentSession snapshots', () => {
  it('share every unchanged part and item between snapshots', async () => {
    await loadSession(f.page);
    const out = await f.page.evaluate(() => {
      const s = new AgentSession();
      const at = (ms) => new Date(Date.UTC(2025, 0, 31, 12) + ms).toISOString();
      s.addUserMessage('hello');
      s.applyMany([
        { type: 'agent_step', agent: 'Researcher', emoji: '🔎', status: 'working', session_id: 's1', timestamp: at(0) },
        { type: 'tool_call', agent: 'Researcher', tool_name: 'web_search', args: { q: 'x' }, session_id: 's1', timestamp: at(10) },
        { type: 'tool_result', agent: 'Researcher', tool_name: 'web_search', result: 'ok', session_id: 's1', timestamp: at(30) },
        { type: 'progress', current_turn: 1, max_turns: 2, session_id: 's1', timestamp: at(40) },
        { type: 'chart', chart_id: 'c1', url: '/charts/AAPL.svg', symbol: 'AAPL', session_id: 's1', timestamp: at(50) },
        { type: 'signal', payload: { status: 'busy', crewId: 'crew-alpha', seq: 1 }, timestamp: at(55) },
        { type: 'boot', agents: 1, message: 'run started', run_id: 'r1', timestamp: at(56) },
        { type: 'task_start', agent_id: 'agent_1', task_id: 't1', run_id: 'r1', timestamp: at(57) },
        { type: 'error', message: 'Empty message', timestamp: at(58) },
        { type: 'agent_collaboration', from_agent: 'Researcher', to_agent: 'Analyst', session_id: 's1', timestamp: at(59) },
        { type: 'agent_step', agent: 'Researcher', emoji: '🔎', status: 'working', session_id: 's1', timestamp: at(60) },
        { type: 'message_delta', message_id: 'msg_s1', delta: 'Hel', session_id: 's1', timestamp: at(60) },
      ]);
      const a = s.getSnapshot();
      const same = s.getSnapshot() === a && s.getSnapshot === s.getSnapshot;
      const pingChanged = s.apply({ type: 'ping' });
      const afterPing = s.getSnapshot() === a;
      const changed = s.apply({ type: 'message_delta', message_id: 'msg_s1', delta: 'lo', session_id: 's1', timestamp: at(70) });
      const b = s.getSnapshot();
      const parts = ['agents', 'tools', 'progress', 'charts', 'run', 'mission', 'sessions', 'sessionLogs', 'collaborations', 'result', 'errors'];
      const sharing = {
        snapshot: b !== a,
        messages: b.messages !== a.messages,
        userMessage: b.messages[0] === a.messages[0],
        streamingMessage: b.messages[1] !== a.messages[1],
        content: b.messages[1].content,
        unchanged: Object.fromEntries(parts.map((p) => [p, b[p] === a[p]])),
        items: b.tools[0] === a.tools[0] && b.agents[0] === a.agents[0] && b.charts[0] === a.charts[0] && b.run.tasks[0] === a.run.tasks[0],
        logs: b.logs !== a.logs && b.logs.slice(0, -1).every((entry, i) => entry === a.logs[i]) && b.logs.length === a.logs.length + 1,
        counts: b.counts !== a.counts && b.counts.events === a.counts.events + 1,
      };
      // A tool result changes the tools part and that one tool only.
      s.apply({ type: 'tool_call', agent: 'Analyst', tool_name: 'run_python', args: {}, session_id: 's1', timestamp: at(80) });
      const c = s.getSnapshot();
      s.apply({ type: 'tool_result', agent: 'Analyst', tool_name: 'run_python', result: 1, session_id: 's1', timestamp: at(95) });
      const d = s.getSnapshot();
      const toolSharing = {
        tools: d.tools !== c.tools && d.tools[0] === c.tools[0] && d.tools[1] !== c.tools[1],
        messages: d.messages === c.messages,
        duration: d.tools[1].durationMs,
      };
      s.reset();
      const e = s.getSnapshot();
      const afterReset = { messages: e.messages.length, logs: e.logs.length, counts: e.counts, run: e.run, newObjects: e.messages !== d.messages };
      s.free();
      return { same, pingChanged, afterPing, changed, sharing, toolSharing, afterReset };
    });
    expect(out).toEqual({
      same: true,
      pingChanged: false,
      afterPing: true,
      changed: true,
      sharing: {
        snapshot: true,
        messages: true,
        userMessage: true,
        streamingMessage: true,
        content: 'Hello',
        unchanged: {
          agents: true, tools: true, progress: true, charts: true, run: true, mission: true, sessions: true,
          sessionLogs: true, collaborations: true, result: true, errors: true,
        },
        items: true,
        logs: true,
        counts: true,
      },
      toolSharing: { tools: true, messages: true, duration: 15 },
      afterReset: { messages: 0, logs: 0, counts: { events: 0, unknown: 0, malformed: 0 }, run: null, newObjects: true },
    });
  });

  it('reads any string faithfully and survives throwing and re-entrant getters', async () => {
    await loadSession(f.page);
    const out = await f.page.evaluate(() => {
      const s = new AgentSession();
      const unicode = 'Grüße 😀 — 你好';
      const long = `${'x'.repeat(100000)}é`;
      const throwing = { type: 'message_delta', message_id: 'm3' };
      Object.defineProperty(throwing, 'delta', { enumerable: true, get() { throw new Error('boom'); } });
      const reentrant = {
        type: 'message_delta',
        message_id: 'm4',
        get delta() {
          s.apply({ type: 'message_delta', message_id: 'm5', delta: 'inner' });
          return 'outer';
        },
      };
      s.applyMany([
        { type: 'message_delta', message_id: 'm1', delta: unicode },
        { type: 'message_delta', message_id: 'm1', delta: '\ud800' },
        { type: 'message_delta', message_id: 'm2', delta: long },
        { type: 'result', message_id: 'm2', content: long, agents_used: ['Writer'] },
        throwing,
        new Proxy({}, { get() { throw new Error('trap'); } }),
        reentrant,
      ]);
      const snap = s.getSnapshot();
      const out = {
        unicode: snap.messages[0].content === `${unicode}\ufffd`,
        long: snap.messages[1].content === long && snap.result.content === long,
        mismatch: snap.logs.some((entry) => entry.summary.includes('differed')),
        order: snap.messages.map((m) => [m.id, m.content.length > 100 ? 'long' : m.content]),
        malformed: snap.logs.filter((entry) => entry.malformed).map((entry) => [entry.type, entry.summary]),
        counts: snap.counts,
      };
      s.free();
      return out;
    });
    expect(out).toEqual({
      unicode: true,
      long: true,
      mismatch: false,
      order: [['m1', 'Grüße 😀 — 你好\ufffd'], ['m2', 'long'], ['m5', 'inner'], ['m4', 'outer']],
      malformed: [
        ['message_delta', "malformed 'message_delta': 'delta' must be a string"],
        [null, "malformed event: 'type' must be a string"],
      ],
      counts: { events: 8, unknown: 0, malformed: 2 },
    });
  });

  it('subscribers are called once per microtask batch, and unsubscribe works', async () => {
    await loadSession(f.page);
    const out = await f.page.evaluate(async () => {
      const s = new AgentSession();
      let calls = 0;
      let seen = null;
      const unsubscribe = s.subscribe(() => { calls += 1; seen = s.getSnapshot().counts.events; });
      s.apply({ type: 'message_delta', message_id: 'm', delta: 'a' });
      s.apply({ type: 'message_delta', message_id: 'm', delta: 'b' });
      s.applyMany([{ type: 'progress', current_turn: 1, max_turns: 2 }]);
      const sync = calls;
      await Promise.resolve();
      await new Promise((r) => setTimeout(r, 0));
      const afterBatch = calls;
      s.apply({ type: 'ping' });
      await new Promise((r) => setTimeout(r, 0));
      const afterPing = calls;
      unsubscribe();
      unsubscribe();
      s.apply({ type: 'message_delta', message_id: 'm', delta: 'c' });
      await new Promise((r) => setTimeout(r, 0));
      const last = s.getSnapshot();
      s.free();
      return { sync, afterBatch, seen, afterPing, afterUnsubscribe: calls, lastContent: last.messages[0].content };
    });
    expect(out).toEqual({ sync: 0, afterBatch: 1, seen: 3, afterPing: 1, afterUnsubscribe: 1, lastContent: 'abc' });
  });

  it('the bound getSnapshot keeps answering the final snapshot after free()', async () => {
    await loadSession(f.page);
    const out = await f.page.evaluate(() => {
      const s = new AgentSession();
      const getSnapshot = s.getSnapshot;
      const subscribe = s.subscribe;
      s.addUserMessage('bye');
      s.free();
      const unsubscribe = subscribe(() => {});
      unsubscribe();
      return { content: getSnapshot().messages[0].content, stable: getSnapshot() === getSnapshot() };
    });
    expect(out).toEqual({ content: 'bye', stable: true });
  });

  it('wrong options and arguments throw errors that name them', async () => {
    await loadSession(f.page);
    const out = await f.page.evaluate(() => {
      const attempt = (fn) => { try { fn(); return 'no error'; } catch (e) { return `${e.name}: ${e.message}`; } };
      const s = new AgentSession({ maxLogEntries: 0, maxMessages: 1 });
      const results = {
        unknown: attempt(() => new AgentSession({ maxLogs: 5 })),
        type: attempt(() => new AgentSession({ maxMessages: '5' })),
        zeroMessages: attempt(() => new AgentSession({ maxMessages: 0 })),
        fraction: attempt(() => new AgentSession({ maxLogEntries: 1.5 })),
        notObject: attempt(() => new AgentSession('big')),
        applyMany: attempt(() => s.applyMany({ type: 'x' })),
        addUserMessage: attempt(() => s.addUserMessage(5)),
        junk: [undefined, null, 5, 'text', [], () => {}, { type: {} }].map((e) => s.apply(e)),
        counts: s.getSnapshot().counts,
        logs: s.getSnapshot().logs.length,
      };
      s.free();
      return results;
    });
    expect(out).toEqual({
      unknown: "TypeError: AgentSession: unknown option 'maxLogs' (known: maxLogEntries, maxMessages, typeField)",
      type: "TypeError: AgentSession: option 'maxMessages' must be a number, got string",
      zeroMessages: "RangeError: AgentSession: option 'maxMessages' must be an integer from 1 to 4294967295",
      fraction: "RangeError: AgentSession: option 'maxLogEntries' must be an integer from 0 to 4294967295",
      notObject: 'TypeError: AgentSession: options must be an object, got string',
      applyMany: 'TypeError: AgentSession: applyMany(events): events must be an array',
      addUserMessage: 'TypeError: AgentSession: addUserMessage(text): text must be a string',
      junk: [true, true, true, true, true, true, true],
      counts: { events: 7, unknown: 0, malformed: 7 },
      logs: 0,
    });
  });

  it('applyMany of 20,000 deltas then one snapshot (figure printed, not asserted)', async () => {
    await loadSession(f.page);
    const out = await f.page.evaluate(() => {
      const events = [];
      const stamp = new Date().toISOString();
      for (let i = 0; i < 20000; i++) {
        events.push({ type: 'message_delta', message_id: 'msg_session_1', delta: `w${i} `, session_id: 'session_1', timestamp: stamp });
      }
      const runs = [];
      const lengths = [];
      for (let round = 0; round < 12; round++) {
        const s = new AgentSession();
        const started = performance.now();
        s.applyMany(events);
        const snap = s.getSnapshot();
        runs.push(performance.now() - started);
        lengths.push(snap.messages[0].content.length);
        s.free();
      }
      return { runs, lengths, expectedLength: events.reduce((n, e) => n + e.delta.length, 0) };
    });
    for (const length of out.lengths) expect(length).toBe(out.expectedLength);
    // The first run includes compiling the module's functions; the rest show the steady state.
    const [cold, ...warm] = out.runs;
    warm.sort((x, y) => x - y);
    const median = warm[Math.floor(warm.length / 2)];
    console.log(
      `[figure] AgentSession: applyMany(20,000 message_delta) + getSnapshot() in Chromium: `
      + `warm median ${median.toFixed(1)} ms (best ${warm[0].toFixed(1)}, worst ${warm.at(-1).toFixed(1)}, ${warm.length} runs); `
      + `first run (cold, includes wasm compilation) ${cold.toFixed(1)} ms`,
    );
  });
});
