// One AG-UI run of the simulated agent, watched through either transport, folded by an
// AgentSession into the store's `agui` key with agentwire/zustand's bindSession: the same
// snapshot (messages, tools, run and steps, shared state) whichever way the events come.
import { useEffect, useState } from 'react';
import initHttp, { HttpAgentTransport } from 'agentwire/http';
import { useTransport } from 'agentwire/react';
import { bindSession } from 'agentwire/zustand';
import type { AgentSession } from 'agentwire/session';
import { AGUI_HTTP_URL, RECONNECT, aguiWsUrl, type AguiMode, type AguiRunInput } from '../config';
import { describeError } from '../state/log';
import { actions, demoStore } from '../state/store';

export interface AguiConnection {
  /** The transport's status: WebSocketTransport's or HttpAgentTransport's names. */
  status: string;
  attempt: number;
}

const IDLE: AguiConnection = { status: 'idle', attempt: 0 };

function logError(mode: AguiMode, error: { kind: string; message: string }) {
  actions.log({ source: 'app', level: 'error', text: `AG-UI (${mode}): ${describeError(error as never)}` });
}

/**
 * `/ws/agui?threadId=&runId=&message=` with `resume: true`. Mount it once per run (a `key`): the
 * run is read when the transport is created.
 */
export function useAguiWebSocketRun(run: AguiRunInput, session: AgentSession | null): AguiConnection {
  // Connected by the effect below, once the session is bound: no event can come before.
  const transport = useTransport({ url: aguiWsUrl(run), resume: true, reconnect: RECONNECT, autoConnect: false });
  const [connection, setConnection] = useState(IDLE);
  useEffect(() => {
    if (!transport || !session) return undefined;
    session.reset();
    const unbind = bindSession(transport, session, demoStore, { key: 'agui' });
    const offStatus = transport.onStatus(({ status, attempt }) => setConnection({ status, attempt }));
    const offError = transport.onError((error) => logError('ws', error));
    // Failures show in the status; the promise is only a convenience.
    transport.connect().catch(() => {});
    return () => {
      unbind();
      offStatus();
      offError();
    };
  }, [transport, session]);
  return connection;
}

let httpModule: Promise<unknown> | null = null;

/**
 * `POST /agui` (a RunAgentInput, answered with text/event-stream) with HttpAgentTransport from
 * agentwire/http. Mount it once per run (a `key`), as the WebSocket one.
 */
export function useAguiHttpRun(run: AguiRunInput, session: AgentSession | null): AguiConnection {
  const [connection, setConnection] = useState(IDLE);
  useEffect(() => {
    if (!session) return undefined;
    let transport: HttpAgentTransport | null = null;
    let disposed = false;
    httpModule ??= initHttp();
    const unbinds: Array<() => void> = [];
    httpModule.then(
      () => {
        if (disposed) return;
        transport = new HttpAgentTransport(AGUI_HTTP_URL, { reconnect: RECONNECT });
        session.reset();
        unbinds.push(bindSession(transport, session, demoStore, { key: 'agui' }));
        unbinds.push(transport.onStatus(({ status, attempt }) => setConnection({ status, attempt })));
        unbinds.push(transport.onError((error) => logError('http', error)));
        transport.run({
          threadId: run.threadId,
          runId: run.runId,
          messages: [{ id: `${run.runId}-user`, role: 'user', content: run.message }],
          tools: [],
          context: [],
          state: {},
          forwardedProps: {},
        });
      },
      (error) => logError('http', { kind: 'load', message: String(error) }),
    );
    return () => {
      disposed = true;
      for (const unbind of unbinds) unbind();
      transport?.free();
      setConnection(IDLE);
    };
    // The run is read once, at mount (the caller keys this hook's component by run id).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [session]);
  return connection;
}
