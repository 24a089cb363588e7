// Real-peer compatibility with a Python AG-UI server: tests/agui-fastapi/app.py, made with
// PyPI's `ag-ui-protocol` encoder behind FastAPI (chunks, reasoning, tool arguments in pieces,
// JSON Patch, as that package writes them). AG-UI's own client reads the stream; AgentSession,
// fed the same stream as it comes (its chunks untransformed: the client turns them into
// start/content/end before its subscribers see them), must assemble the same messages, tool
// calls and state. tests/browser/agui-fastapi.test.js reads it with HttpAgentTransport instead.
// The venv is made by scripts/setup.sh (target/agui-venv).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleWithAguiClient, expectSameAsAguiClient, RUN_INPUT, startFastApiApp } from '../agui-fastapi/harness.js';
import { loadSessionWasm } from './support.js';

let app;
let AgentSession;

beforeAll(async () => {
  app = await startFastApiApp();
  ({ AgentSession } = await loadSessionWasm());
});
afterAll(() => app?.stop());

describe('an ag-ui-protocol (PyPI) server', () => {
  it('AgentSession assembles the messages, tool calls and state that @ag-ui/client does', async () => {
    const theirs = await assembleWithAguiClient(app.origin);

    // The same stream, read as it is sent.
    const response = await fetch(`${app.origin}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify(RUN_INPUT),
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
    expectSameAsAguiClient(ours, theirs);
    expect(ours.counts).toEqual({ events: events.length, unknown: 0, malformed: 0 });
  });
});
