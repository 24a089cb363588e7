// The FastAPI app (app.py, PyPI's ag-ui-protocol encoder) for the tests that read its stream,
// and what AG-UI's own client makes of that stream, to compare AgentSession's snapshot with.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpAgent } from '@ag-ui/client';
import { expect } from 'vitest';

const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON = join(HERE, '..', '..', 'target', 'agui-venv', 'bin', 'python');

/** The run both sides ask for; the app's stream is deterministic. */
export const RUN_INPUT = Object.freeze({
  threadId: 'py-thread',
  runId: 'py-run',
  state: {},
  tools: [],
  context: [],
  forwardedProps: {},
  messages: [{ id: 'u1', role: 'user', content: 'Weather in Paris?' }],
});

/** Starts app.py on a free port of 127.0.0.1. Resolves with its origin and `stop()`. */
export async function startFastApiApp() {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run 'bash scripts/setup.sh' (npm test does)`);
  const app = spawn(PYTHON, [join(HERE, 'app.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  app.stderr.on('data', (chunk) => {
    output += chunk;
  });
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
  return {
    origin: `http://127.0.0.1:${port}`,
    stop() {
      // The app exits when its stdin closes; the kill is for a test that failed half-way.
      app.stdin.end();
      app.kill();
    },
  };
}

/** `@ag-ui/client`'s HttpAgent runs RUN_INPUT against the app: its messages and state. */
export async function assembleWithAguiClient(origin) {
  const agent = new HttpAgent({ url: `${origin}/`, threadId: RUN_INPUT.threadId });
  agent.messages = structuredClone(RUN_INPUT.messages);
  await agent.runAgent({ runId: RUN_INPUT.runId });
  return { messages: agent.messages.filter((m) => m.role !== 'user'), state: agent.state };
}

/** AgentSession's snapshot `ours` holds what @ag-ui/client assembled (`theirs`), and the app's run. */
export function expectSameAsAguiClient(ours, theirs) {
  const rows = (messages) => messages.map((m) => [m.id, m.role, m.content]);
  expect(rows(ours.messages)).toEqual(rows(theirs.messages));
  expect(rows(ours.messages)).toEqual([
    ['r1', 'reasoning', 'The user asks about the weather.'],
    ['a1', 'assistant', 'Let me check.'],
    ['t1', 'tool', '18°C, sunny'],
    ['a2', 'assistant', 'It is 18°C and sunny in Paris.'],
  ]);
  expect(ours.messages.every((m) => m.status === 'complete')).toBe(true);

  const theirTools = theirs.messages.flatMap((m) => m.toolCalls ?? []).map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)]);
  expect(ours.tools.map((t) => [t.id, t.name, t.args])).toEqual(theirTools);
  expect(theirTools).toHaveLength(1);
  expect(ours.tools[0]).toMatchObject({ parentMessageId: 'a1', result: '18°C, sunny', status: 'done' });

  expect(ours.state).toEqual(theirs.state);
  expect(ours.state).toEqual({ question: 'Weather in Paris?', sources: [{ name: 'weather.example', ok: true }], done: true });
  expect(ours.run).toMatchObject({ id: 'py-run', threadId: 'py-thread', status: 'done' });
  expect(ours.run.steps.map((s) => [s.id, s.status])).toEqual([['think', 'done'], ['search', 'done']]);
  expect(ours.errors).toEqual([]);
}
