// Real-peer compatibility: AG-UI's own client (`@ag-ui/client` HttpAgent, which runs every
// stream through its verifyEvents rules) against the reference server's POST /agui, and
// AgentSession fed the very events the HttpAgent received: both must see the same messages,
// tool calls and shared state.
import { HttpAgent } from '@ag-ui/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSessionWasm, startServer } from './support.js';

let server;
let AgentSession;

beforeAll(async () => {
  server = await startServer();
  ({ AgentSession } = await loadSessionWasm());
});
afterAll(() => server?.stop());

async function runOfficialClient(query, message) {
  const agent = new HttpAgent({ url: `${server.origin}/agui${query}`, threadId: 'thread-1' });
  agent.messages = [{ id: 'u1', role: 'user', content: message }];
  const events = [];
  const result = await agent.runAgent({ runId: 'run-1' }, { onEvent: ({ event }) => { events.push(event); } });
  return { agent, events, result };
}

describe('@ag-ui/client against POST /agui', () => {
  it('HttpAgent accepts the whole stream (verifyEvents passes) and assembles the answer', async () => {
    const { agent, events, result } = await runOfficialClient('?delay_ms=0&answer_tokens=40', 'How is NVDA doing?');
    expect(events[0].type).toBe('RUN_STARTED');
    expect(events.at(-1).type).toBe('RUN_FINISHED');
    expect(events.filter((e) => e.type === 'TEXT_MESSAGE_CONTENT')).toHaveLength(40);
    const answer = agent.messages.find((m) => m.role === 'assistant' && typeof m.content === 'string' && m.content);
    expect(answer.content.length).toBeGreaterThan(40);
    expect(result.newMessages.length).toBeGreaterThan(1);
    expect(agent.state.progress).toBe(1);
  });

  it('AgentSession fed the same events yields the same messages, tool calls and state', async () => {
    const { agent, events } = await runOfficialClient('?delay_ms=0&answer_tokens=25', 'Compare NVDA and AMD');
    const session = new AgentSession();
    session.applyMany(events);
    const ours = session.getSnapshot();

    // @ag-ui/client keeps a tool call inside an assistant message (`toolCalls`); AgentSession
    // keeps it in `tools`. The text, tool and user messages are the same either way.
    const theirMessages = agent.messages
      .filter((m) => m.role !== 'user' && !(m.role === 'assistant' && m.toolCalls))
      .map((m) => [m.id, m.role, m.content]);
    expect(ours.messages.map((m) => [m.id, m.role, m.content])).toEqual(theirMessages);
    expect(ours.messages.every((m) => m.status === 'complete')).toBe(true);

    const theirTools = agent.messages
      .flatMap((m) => m.toolCalls ?? [])
      .map((call) => [call.id, call.function.name, JSON.parse(call.function.arguments)]);
    expect(theirTools.length).toBeGreaterThan(0);
    expect(ours.tools.map((t) => [t.id, t.name, t.args])).toEqual(theirTools);
    const results = Object.fromEntries(agent.messages.filter((m) => m.role === 'tool').map((m) => [m.toolCallId, m.content]));
    expect(Object.fromEntries(ours.tools.map((t) => [t.id, t.result]))).toEqual(results);

    expect(ours.state).toEqual(agent.state);
    expect(ours.run).toMatchObject({ id: 'run-1', threadId: 'thread-1', status: 'done', outcome: 'success' });
    expect(ours.run.steps.every((s) => s.status === 'done')).toBe(true);
    expect(ours.errors).toEqual([]);
    expect(ours.counts).toEqual({ events: events.length, unknown: 0, malformed: 0 });
  });
});
