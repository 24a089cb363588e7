// Our whole AG-UI client path against a third-party AG-UI server: HttpAgentTransport
// (agentwire/http, gloo-net's fetch) POSTs to tests/agui-fastapi/app.py (PyPI's ag-ui-protocol
// encoder behind FastAPI, on another origin) from headless Chromium and feeds AgentSession. The
// messages, tool calls and state must be those AG-UI's own client assembles from that server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleWithAguiClient, expectSameAsAguiClient, RUN_INPUT, startFastApiApp } from '../agui-fastapi/harness.js';
import { useBrowserFixture } from './support/fixture.js';
import { waitInPage } from './support/browser.js';

const f = useBrowserFixture();
let app;

beforeAll(async () => {
  app = await startFastApiApp();
});
afterAll(() => app?.stop());

describe('HttpAgentTransport against an ag-ui-protocol (PyPI) server', () => {
  it('yields, through AgentSession, the messages, tool calls and state @ag-ui/client assembles', async () => {
    const theirs = await assembleWithAguiClient(app.origin);

    await f.page.addScriptTag({
      type: 'module',
      content: `
        import initHttp, { HttpAgentTransport } from '/pkg/http/agentwire_http.js';
        import initSession, { AgentSession } from '/pkg/session/agentwire_session.js';
        await Promise.all([initHttp(), initSession()]);
        window.runAgainst = (url, input) => new Promise((resolve) => {
          const transport = new HttpAgentTransport(url);
          const session = new AgentSession();
          const seen = { types: [], statuses: [], errors: [] };
          transport.on('*', (event) => {
            seen.types.push(event.type);
            session.apply(event);
          });
          transport.onError((error) => seen.errors.push(error));
          transport.onStatus(({ status }) => {
            seen.statuses.push(status);
            if (status === 'finished' || status === 'closed') {
              const snapshot = session.getSnapshot();
              transport.free();
              session.free();
              resolve({ ...seen, snapshot });
            }
          });
          transport.run(input);
        });
        window.aguiReady = true;
      `,
    });
    await waitInPage(f.page, () => window.aguiReady === true, null, { what: 'agentwire_http to load' });
    const out = await f.page.evaluate(([url, input]) => window.runAgainst(url, input), [`${app.origin}/`, RUN_INPUT]);

    expect(out.errors).toEqual([]);
    expect(out.statuses).toEqual(['connecting', 'connected', 'finished']);
    // The app sends chunks as they are (AG-UI's client would expand them): AgentSession folds them.
    expect(out.types).toContain('TEXT_MESSAGE_CHUNK');
    expect(out.types.at(-1)).toBe('RUN_FINISHED');
    expectSameAsAguiClient(out.snapshot, theirs);
    expect(out.snapshot.counts).toEqual({ events: out.types.length, unknown: 0, malformed: 0 });
  });
});
