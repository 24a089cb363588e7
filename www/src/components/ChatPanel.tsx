import { memo, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { AgentSession, ChatMessage, ChatResult, Chart } from 'agentwire/session';
import { useConnectionStatus } from 'agentwire/react';
import type { StreamTransport } from '../hooks/useDemoTransports';
import { useFollowBottom } from '../hooks/useFollowBottom';
import { answerStatus, chatPhase, hasAnswer, type AnswerStatus, type ChatPhase } from '../state/chatView';
import { actions, useDemo } from '../state/store';
import type { Delivery } from '../state/types';

const SUGGESTIONS = ['How is NVDA doing this quarter?', 'Compare AAPL and MSFT for me', 'Plan a zero-downtime database migration'];
const NONE = [] as const;

export function ChatPanel({ stream, session }: { stream: StreamTransport | null; session: AgentSession | null }) {
  const messages = useDemo((state) => state.chat?.messages ?? NONE);
  const charts = useDemo((state) => state.chat?.charts ?? NONE);
  const result = useDemo((state) => state.chat?.result ?? null);
  const progress = useDemo((state) => state.chat?.progress ?? null);
  const phase = useDemo((state) => chatPhase(state.chat, state.ui));
  const current = useDemo((state) => state.ui.currentSession);
  const deliveries = useDemo((state) => state.ui.deliveries);
  const interrupted = useDemo((state) => state.ui.interrupted);
  const { queued, status } = useConnectionStatus(stream);
  const [draft, setDraft] = useState('');
  const ready = stream !== null && session !== null;

  // Follow the answer as it streams, unless the reader scrolled up.
  const list = useFollowBottom<HTMLDivElement>([messages, charts, phase], 40);

  const send = (text: string) => {
    const message = text.trim();
    if (!stream || !session || !message) return;
    const delivery = stream.send({ type: 'chat', payload: { message } });
    actions.addUserMessage(session, message, delivery);
    actions.log({ source: 'stream', level: 'action', text: `chat ${delivery}: "${message}"` });
    setDraft('');
    list.follow();
  };

  const cancel = () => {
    if (!stream) return;
    const delivery = stream.send({ type: 'cancel', payload: {} });
    actions.log({ source: 'stream', level: 'action', text: `cancel ${delivery}` });
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    send(draft);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      send(draft);
    }
  };

  const busy = phase === 'running' || phase === 'awaiting';
  // The current chat has no answer text (yet, or at all): a placeholder says why.
  const placeholder = phase !== 'idle' && phase !== 'answered' && (phase === 'awaiting' || !hasAnswer(messages, current));
  const state =
    phase === 'running' && progress
      ? `Turn ${progress.current} of ${progress.max}`
      : phase === 'awaiting' && queued > 0
        ? 'Waiting for the connection'
        : PHASE_LABELS[phase];

  return (
    <section className="panel chat" aria-label="Chat">
      <header className="panel__header">
        <h2>Chat</h2>
        <span className={`chip ${busy ? 'chip--live' : ''}`} data-testid="chat-state">
          {state}
        </span>
        <div className="chat__progress" aria-hidden={!progress}>
          <div
            className="bar"
            role="progressbar"
            aria-label="Session progress"
            aria-valuemin={0}
            aria-valuemax={progress?.max ?? 1}
            aria-valuenow={progress?.current ?? 0}
          >
            <div className="bar__fill" style={{ width: progress && progress.max > 0 ? `${(progress.current / progress.max) * 100}%` : '0%' }} />
          </div>
        </div>
      </header>

      <div
        className="chat__messages"
        ref={list.ref}
        data-testid="messages"
        onScroll={list.onScroll}
      >
        {messages.length === 0 ? (
          <div className="chat__empty">
            <p className="chat__empty-title">Ask the agents something</p>
            <p className="muted">
              Answers stream token by token over <code>/ws/stream</code>. Press an outage button while one streams, or
              send a message during an outage: it waits in the offline queue.
            </p>
            <div className="chat__suggestions">
              {SUGGESTIONS.map((suggestion) => (
                <button key={suggestion} type="button" className="suggestion" onClick={() => send(suggestion)} disabled={!ready}>
                  {suggestion}
                </button>
              ))}
            </div>
          </div>
        ) : (
          messages.map((message) =>
            message.role === 'user' ? (
              <UserBubble key={message.id} message={message} delivery={deliveries[message.id] ?? 'sent'} />
            ) : (
              <Answer
                key={message.id}
                message={message}
                status={answerStatus(message, interrupted)}
                charts={charts}
                result={result}
              />
            ),
          )
        )}
        {placeholder && <Placeholder phase={phase} offline={queued > 0} />}
      </div>

      <form className="composer" onSubmit={onSubmit}>
        <textarea
          className="composer__input"
          data-testid="chat-input"
          aria-label="Message"
          placeholder={status === 'connected' ? 'Message the agents…' : 'Offline: messages wait in the queue…'}
          rows={2}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
        />
        <div className="composer__actions">
          <button type="submit" className="button button--primary" data-testid="send" disabled={!ready || !draft.trim()}>
            Send
          </button>
          <button type="button" className="button" data-testid="cancel" onClick={cancel} disabled={!ready || !busy}>
            Cancel
          </button>
        </div>
      </form>
      <footer className="composer__footer">
        <span className={`queued ${queued > 0 ? 'queued--active' : ''}`} data-testid="queued-count" data-queued={queued}>
          {queued > 0 ? `${queued} queued · sent when the connection is back` : 'Offline queue empty'}
        </span>
        <span className="muted">Enter sends · Shift+Enter: new line</span>
      </footer>
    </section>
  );
}

const PHASE_LABELS: Record<ChatPhase, string> = {
  idle: 'Idle',
  awaiting: 'Waiting for the agent',
  running: 'Working',
  answered: 'Answered',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

const UserBubble = memo(function UserBubble({ message, delivery }: { message: ChatMessage; delivery: Delivery }) {
  return (
    <div className="message message--user" data-testid="user-message" data-delivery={delivery}>
      <div className="bubble">{message.content}</div>
      {delivery !== 'sent' && (
        <div className={`delivery delivery--${delivery}`}>
          {delivery === 'queued' ? 'Queued: sends on reconnect' : 'Not delivered: the offline queue dropped it'}
        </div>
      )}
    </div>
  );
});

const ANSWER_NOTES: Record<AnswerStatus, string> = {
  streaming: 'Streaming…',
  done: '',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted: the connection dropped mid-answer (the server stops a chat whose client left)',
};

const Answer = memo(function Answer({
  message,
  status,
  charts,
  result,
}: {
  message: ChatMessage;
  status: AnswerStatus;
  charts: readonly Chart[];
  result: ChatResult | null;
}) {
  const own = charts.filter((chart) => chart.sessionId !== null && chart.sessionId === message.sessionId);
  const agentsUsed = result?.messageId === message.id ? result.agentsUsed : [];
  return (
    <div
      className={`message message--assistant message--${status}`}
      data-testid="answer"
      data-status={status}
      data-session={message.sessionId ?? undefined}
    >
      <div className="avatar avatar--ai" aria-hidden="true">
        AI
      </div>
      <div className="answer">
        <div className="bubble bubble--assistant" data-testid="answer-text">
          {message.content}
          {status === 'streaming' && <span className="caret" aria-hidden="true" />}
        </div>
        {own.map((chart) => (
          <figure className="chart" key={chart.id}>
            <img src={chart.url} alt={`${chart.symbol ?? chart.id} price chart`} width={320} height={120} />
          </figure>
        ))}
        <div className="answer__meta">
          {ANSWER_NOTES[status] && <span className={`answer__note answer__note--${status}`}>{ANSWER_NOTES[status]}</span>}
          {agentsUsed.length > 0 && <span className="muted">by {agentsUsed.join(', ')}</span>}
        </div>
      </div>
    </div>
  );
});

function Placeholder({ phase, offline }: { phase: ChatPhase; offline: boolean }) {
  const live = phase === 'running' || phase === 'awaiting';
  const text =
    phase === 'cancelled'
      ? 'Cancelled before the answer started.'
      : phase === 'interrupted'
        ? 'The connection dropped before the answer started.'
        : offline
          ? 'Waiting for the connection…'
          : 'Agents are working…';
  return (
    <div className={`message message--assistant message--${live ? 'streaming' : phase}`} data-testid="placeholder" data-phase={phase}>
      <div className="avatar avatar--ai" aria-hidden="true">
        AI
      </div>
      <div className="bubble bubble--assistant muted">
        {text}
        {live && <span className="caret" aria-hidden="true" />}
      </div>
    </div>
  );
}
