import { useMemo } from 'react';
import type { ToolCall } from 'agentwire/session';
import { sessionTools } from '../state/chatView';
import { useDemo } from '../state/store';
import { useNow } from '../hooks/useNow';
import { seconds } from './format';

const NONE = [] as const;

function summarize(args: unknown): string {
  if (args === null || typeof args !== 'object') return args === undefined ? '' : String(args);
  return Object.entries(args)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

/**
 * The current session's tool calls on a shared time axis: where each started and how long it
 * ran (AgentSession's startedAt/durationMs, from the server's timestamps).
 */
export function ToolTimeline() {
  const allTools = useDemo((state) => state.chat?.tools ?? NONE);
  const current = useDemo((state) => state.ui.currentSession);
  const tools = useMemo(() => sessionTools(allTools, current), [allTools, current]);
  const open = tools.some((call) => call.status === 'running');
  const now = useNow(100, open);

  const starts = tools.map((call) => call.startedAt).filter((t): t is number => t !== null);
  const start = starts.length ? Math.min(...starts) : 0;
  const end = Math.max(start + 1, ...tools.map((call) => call.endedAt ?? (call.status === 'running' ? now : (call.startedAt ?? start))));
  const span = end - start;
  const total = tools.reduce((sum, call) => sum + (call.durationMs ?? 0), 0);

  return (
    <section className="panel tools" aria-label="Tool calls">
      <header className="panel__header">
        <h2>Tool calls</h2>
        <span className="muted">{tools.length ? `${tools.length} · ${seconds(total, 2)} in tools` : ''}</span>
      </header>
      {tools.length === 0 ? (
        <p className="empty">Each tool call shows here with its duration.</p>
      ) : (
        <ol className="timeline" data-testid="tool-timeline">
          {tools.map((call) => (
            <ToolRow key={call.id} call={call} start={start} span={span} now={now} />
          ))}
        </ol>
      )}
    </section>
  );
}

function ToolRow({ call, start, span, now }: { call: ToolCall; start: number; span: number; now: number }) {
  const startedAt = call.startedAt ?? start;
  const duration = call.durationMs ?? (call.status === 'running' ? Math.max(0, now - startedAt) : 0);
  const left = ((startedAt - start) / span) * 100;
  const width = Math.max((duration / span) * 100, 1.5);
  const label = call.status === 'running' ? 'running…' : call.status === 'failed' ? (call.message ?? 'failed') : seconds(duration, 2);
  const detail = call.result !== null && call.result !== undefined ? summarize(call.result) : summarize(call.args);
  return (
    <li className={`timeline__row timeline__row--${call.status}`} data-testid="tool-call" data-tool={call.name} data-status={call.status}>
      <div className="timeline__label">
        <span className="timeline__tool">{call.name}</span>
        <span className="muted">{call.agent}</span>
        <span className="timeline__duration" data-testid="tool-duration">
          {label}
        </span>
      </div>
      <div className="timeline__track" aria-hidden="true">
        <div className="timeline__span" style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }} />
      </div>
      <div className="timeline__detail muted" title={detail}>
        {detail}
      </div>
    </li>
  );
}
