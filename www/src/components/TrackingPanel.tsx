import { useState } from 'react';
import { startBackgroundSession } from '../control';
import { actions, useDemo } from '../state/store';
import type { TrackedSession } from '../state/types';
import { percent } from './format';

const BACKGROUND_REQUESTS = ['Summarise the incident report', 'Audit the MSFT filing', 'Draft the release notes', 'Triage the open bugs'];

/** Every session on the server, from `/ws/agent-tracking`: this page's chats and others. */
export function TrackingPanel() {
  const sessions = useDemo((state) => state.tracking.sessions);
  const mine = useDemo((state) => state.ui.mySessions);
  const [starting, setStarting] = useState(false);

  const start = async () => {
    setStarting(true);
    const request = BACKGROUND_REQUESTS[Math.floor(Math.random() * BACKGROUND_REQUESTS.length)] ?? 'Background work';
    try {
      const id = await startBackgroundSession(request);
      actions.log({ source: 'control', level: 'action', text: `started background session ${id}: "${request}"` });
    } catch (error) {
      actions.log({ source: 'control', level: 'error', text: `could not start a session: ${String(error)}` });
    } finally {
      setStarting(false);
    }
  };

  return (
    <section className="panel tracking" aria-label="Agent tracking">
      <header className="panel__header">
        <h2>Agent tracking</h2>
        <button type="button" className="button button--small" onClick={start} disabled={starting}>
          + Background session
        </button>
      </header>
      {sessions.length === 0 ? (
        <p className="empty">Sessions on the server, live from /ws/agent-tracking.</p>
      ) : (
        <ul className="sessions" data-testid="tracked-sessions">
          {sessions.map((session) => (
            <SessionRow key={session.id} session={session} mine={mine.includes(session.id)} />
          ))}
        </ul>
      )}
    </section>
  );
}

function SessionRow({ session, mine }: { session: TrackedSession; mine: boolean }) {
  return (
    <li className={`session session--${session.status}`} data-testid="tracked-session" data-session={session.id} data-status={session.status}>
      <div className="session__head">
        <span className="session__id">{session.id}</span>
        <span className={`tag ${mine ? 'tag--mine' : ''}`}>{mine ? 'your chat' : session.source === 'chat' ? 'other chat' : 'background'}</span>
        <span className={`pill pill--${session.status}`}>{session.status}</span>
      </div>
      <div className="bar bar--thin" aria-hidden="true">
        <div className="bar__fill" style={{ width: percent(session.progress) }} />
      </div>
      <div className="session__note muted" title={session.note}>
        {session.note || session.request || '…'}
      </div>
    </li>
  );
}
