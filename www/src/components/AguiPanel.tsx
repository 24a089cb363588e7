import { useState } from 'react';
import type { AgentSession } from 'agentwire/session';
import { useAgentSession } from 'agentwire/react';
import type { AguiMode, AguiRunInput } from '../config';
import { useAguiHttpRun, useAguiWebSocketRun, type AguiConnection } from '../hooks/useAguiRun';
import { useDemo } from '../state/store';

const MODES: ReadonlyArray<{ id: AguiMode; label: string; route: string }> = [
  { id: 'ws', label: 'WebSocket', route: '/ws/agui' },
  { id: 'http', label: 'HTTP/SSE', route: 'POST /agui' },
];
const QUESTION = 'How is NVDA doing this quarter?';
const NONE = [] as const;

/**
 * The same simulated agent seen through AG-UI (`@ag-ui/core` events): a switch picks the
 * transport, AgentSession folds the events into messages, tool calls, steps and shared state.
 */
export function AguiPanel() {
  const session = useAgentSession({ maxMessages: 20, maxLogEntries: 0 });
  const [mode, setMode] = useState<AguiMode>('ws');
  const [run, setRun] = useState<(AguiRunInput & { mode: AguiMode }) | null>(null);

  const start = () => {
    const runId = `run_${Date.now().toString(36)}`;
    setRun({ mode, threadId: 'demo-thread', runId, message: QUESTION });
  };

  return (
    <section className="panel agui" aria-label="AG-UI">
      <header className="panel__header">
        <h2>AG-UI</h2>
        <div className="agui__modes" role="radiogroup" aria-label="Transport">
          {MODES.map((option) => (
            <label key={option.id} className={`agui__mode ${mode === option.id ? 'agui__mode--on' : ''}`}>
              <input
                type="radio"
                name="agui-mode"
                value={option.id}
                checked={mode === option.id}
                onChange={() => setMode(option.id)}
                data-testid={`agui-mode-${option.id}`}
              />
              {option.label}
            </label>
          ))}
        </div>
        <button type="button" className="agui__run" onClick={start} disabled={!session} data-testid="agui-run">
          Run the agent
        </button>
      </header>
      {run === null || session === null ? (
        <p className="empty">
          Watch the agent through the AG-UI protocol: the events its frameworks (LangGraph, CrewAI, Mastra…) emit.
        </p>
      ) : run.mode === 'ws' ? (
        <WebSocketRun key={run.runId} run={run} session={session} />
      ) : (
        <HttpRun key={run.runId} run={run} session={session} />
      )}
    </section>
  );
}

function WebSocketRun({ run, session }: { run: AguiRunInput; session: AgentSession }) {
  return <AguiRunView connection={useAguiWebSocketRun(run, session)} route="/ws/agui" />;
}

function HttpRun({ run, session }: { run: AguiRunInput; session: AgentSession }) {
  return <AguiRunView connection={useAguiHttpRun(run, session)} route="POST /agui" />;
}

function AguiRunView({ connection, route }: { connection: AguiConnection; route: string }) {
  const runState = useDemo((state) => state.agui?.run ?? null);
  const steps = runState?.steps ?? NONE;
  const tools = useDemo((state) => state.agui?.tools ?? NONE);
  const answer = useDemo((state) => state.agui?.messages.filter((m) => m.role === 'assistant').at(-1)?.content ?? '');
  const shared = useDemo((state) => state.agui?.state ?? null);
  const progress = typeof (shared as { progress?: unknown } | null)?.progress === 'number' ? (shared as { progress: number }).progress : 0;

  return (
    <div className="agui__run-view">
      <p className="muted">
        <code>{route}</code> · <span data-testid="agui-connection">{connection.status}</span>
        {connection.attempt > 1 ? ` · attempt ${connection.attempt}` : ''} · run{' '}
        <span data-testid="agui-run-status">{runState?.status ?? 'waiting'}</span>
      </p>
      <div className="bar" role="progressbar" aria-label="Agent progress (shared state)" aria-valuemin={0} aria-valuemax={1} aria-valuenow={progress}>
        <div className="bar__fill" style={{ width: `${Math.round(progress * 100)}%` }} />
      </div>
      <ol className="agui__steps" data-testid="agui-steps">
        {/* A step name can come back (a second STEP_STARTED): a new entry, so keyed by position. */}
        {steps.map((step, index) => (
          <li key={`${index}:${step.id}`} data-status={step.status}>
            {step.id} <span className="muted">{step.status}</span>
          </li>
        ))}
      </ol>
      <ul className="agui__tools" data-testid="agui-tools">
        {tools.map((tool) => (
          <li key={tool.id} data-status={tool.status}>
            <code>{tool.name}</code> <span className="muted">{tool.status}</span>
          </li>
        ))}
      </ul>
      <p className="agui__answer" data-testid="agui-answer">
        {answer}
      </p>
      <details className="agui__details">
        <summary>Shared state (STATE_SNAPSHOT, STATE_DELTA)</summary>
        <pre className="agui__state" data-testid="agui-state">
          {JSON.stringify(shared, null, 1)}
        </pre>
      </details>
    </div>
  );
}
