// Real-peer compatibility with a Python AG-UI server: tests/agui-fastapi/app.py, made with
// PyPI's `ag-ui-protocol` encoder behind FastAPI (chunks, reasoning, tool arguments in pieces,
// JSON Patch, as that package writes them). AG-UI's own client reads the stream; AgentSession,
// fed the same stream as it comes (its chunks untransformed: the client turns them into
// start/content/end before its subscribers see them), must assemble the same messages, tool
// calls and state.
// The venv is made by scripts/setup.sh (target/agui-venv).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HttpAgent } from '@ag-ui/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../browser/support/server.js';
import { loadSessionWasm } from './support.js';

const PYTHON = join(ROOT, 'target', 'agui-venv', 'bin', 'python');
let app;
let origin;
let AgentSession;

beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run 'bash scripts/setup.sh' (npm test does)`);
  app = spawn(PYTHON, [join(ROOT, 'tests', 'agui-fastapi', 'app.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  app.stderr.on('data', (chunk) => { output += chunk; });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the FastAPI app did not start within 20 s:\n${output}`)), 20_000);
    app.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    app.on('exit', (code) => reject(new Error(`the FastAPI app exited with ${code}:\n${output}`)));
  });
  origin = `http://127.0.0.1:${port}`;
  ({ AgentSession } = await loadSessionWasm());
});
afterAll(() => {
  app?.stdin.end();
  app?.kill();
});

describe('an ag-ui-protocol (PyPI) server', () => {
  it('AgentSession assembles the messages, tool calls and state that @ag-ui/client does', async () => {
    const agent = new HttpAgent({ url: `${origin}/`, threadId: 'py-thread' });
    agent.messages = [{ id: 'u1', role: 'user', content: 'Weather in Paris?' }];
    await agent.runAgent({ runId: 'py-run' });

    // The same stream, read as it is sent (the app's stream is deterministic).
    const input = {
      threadId: 'py-thread', runId: 'py-run', state: {}, tools: [], context: [], forwardedProps: {},
      messages: [{ id: 'u1', role: 'user', content: 'Weather in Paris?' }],
    };
    const response = await fetch(`${origin}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify(input),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await response.text())
      .split('\n\n')
      .filter((block) => block.startsWith('data: '))
      .map((block) => JSON.parse(block.slice('data: '.length)));
    expect(events.map((e) => e.type)).toContain('TEXT_MESSAGE_CHUNK');

    const session = new AgentSession();
    session.applyMany(events);
    const ours = session.getSnapshot();

    const theirs = agent.messages.filter((m) => m.role !== 'user');
    expect(ours.messages.map((m) => [m.id, m.role, m.content])).toEqual(theirs.map((m) => [m.id, m.role, m.content]));
    expect(ours.messages.map((m) => [m.id, m.role, m.content])).toEqual([
      ['r1', 'reasoning', 'The user asks about the weather.'],
      ['a1', 'assistant', 'Let me check.'],
      ['t1', 'tool', '18°C, sunny'],
      ['a2', 'assistant', 'It is 18°C and sunny in Paris.'],
    ]);
    expect(ours.messages.every((m) => m.status === 'complete')).toBe(true);

    const theirTools = theirs.flatMap((m) => m.toolCalls ?? []).map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments), c.id]);
    expect(ours.tools.map((t) => [t.id, t.name, t.args, t.id])).toEqual(theirTools);
    expect(ours.tools[0]).toMatchObject({ parentMessageId: 'a1', result: '18°C, sunny', status: 'done' });

    expect(ours.state).toEqual(agent.state);
    expect(ours.state).toEqual({ question: 'Weather in Paris?', sources: [{ name: 'weather.example', ok: true }], done: true });
    expect(ours.run).toMatchObject({ id: 'py-run', threadId: 'py-thread', status: 'done' });
    expect(ours.run.steps.map((s) => [s.id, s.status])).toEqual([['think', 'done'], ['search', 'done']]);
    expect(ours.counts).toEqual({ events: events.length, unknown: 0, malformed: 0 });
    expect(ours.errors).toEqual([]);
  });
});
