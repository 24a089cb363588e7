import { memo, useMemo } from 'react';
import { agentCards, type AgentCard } from '../state/chatView';
import { useDemo } from '../state/store';
import { hue, initials, percent } from './format';

const ACTIVITY_LABELS: Record<AgentCard['activity'], string> = {
  working: 'Working',
  tool: 'Tool',
  idle: 'Waiting',
  done: 'Done',
  cancelled: 'Stopped',
};

const NONE = [] as const;

/** One card per agent of the current chat session (AgentSession's agents and tool calls). */
export function AgentsPanel() {
  const agents = useDemo((state) => state.chat?.agents ?? NONE);
  const tools = useDemo((state) => state.chat?.tools ?? NONE);
  const progress = useDemo((state) => state.chat?.progress ?? null);
  const messages = useDemo((state) => state.chat?.messages ?? NONE);
  const current = useDemo((state) => state.ui.currentSession);
  const interrupted = useDemo((state) => current !== null && state.ui.interrupted.includes(current));
  const cards = useMemo(
    () => agentCards({ agents, tools, progress, messages }, current, interrupted),
    [agents, tools, progress, messages, current, interrupted],
  );

  return (
    <section className="panel agents" aria-label="Agents">
      <header className="panel__header">
        <h2>Agents</h2>
        <span className="muted">{cards.length ? `${cards.length} in this session` : ''}</span>
      </header>
      {cards.length === 0 ? (
        <p className="empty">Agents appear here when a message starts a session.</p>
      ) : (
        <div className="agents__grid" data-testid="agents">
          {cards.map((card) => (
            <AgentCardView key={card.name} agent={card} />
          ))}
        </div>
      )}
    </section>
  );
}

const AgentCardView = memo(function AgentCardView({ agent }: { agent: AgentCard }) {
  return (
    <article className={`agent agent--${agent.activity}`} data-testid="agent-card" data-agent={agent.name} data-activity={agent.activity}>
      <div className="agent__head">
        <span className="avatar" style={{ background: `hsl(${hue(agent.name)} 55% 32%)` }} title={agent.emoji ?? undefined} aria-hidden="true">
          {initials(agent.name)}
        </span>
        <div className="agent__title">
          <strong>{agent.name}</strong>
          <span className="agent__role">{agent.lead ? 'lead' : 'helper'}</span>
        </div>
      </div>
      <div className="agent__detail" title={agent.detail}>
        <span className={`pill pill--${agent.activity}`}>{ACTIVITY_LABELS[agent.activity]}</span>
        <span className="agent__detail-text">{agent.detail}</span>
      </div>
      <div className="bar" role="progressbar" aria-label={`${agent.name} progress`} aria-valuenow={Math.round(agent.progress * 100)}>
        <div className="bar__fill" style={{ width: percent(agent.progress) }} />
      </div>
      <div className="agent__foot muted">
        <span>
          {agent.toolsDone}/{agent.toolsStarted} tools
        </span>
        <span>{percent(agent.progress)}</span>
      </div>
    </article>
  );
}, (previous, next) => sameCard(previous.agent, next.agent));

/** Cards are derived anew on every change; re-render only those whose content changed. */
function sameCard(a: AgentCard, b: AgentCard): boolean {
  return (Object.keys(a) as (keyof AgentCard)[]).every((key) => a[key] === b[key]);
}
