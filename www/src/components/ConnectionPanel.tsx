import { useEffect, useState } from 'react';
import type { TransportStats, WebSocketTransport } from 'agentwire';
import { useConnectionStatus } from 'agentwire/react';
import { HEARTBEAT, PACE, QUEUE, RECONNECT } from '../config';
import { useNow } from '../hooks/useNow';
import { STATUS_LABELS } from './ConnectionBadge';
import { seconds } from './format';

/** `stats()` is a method, not part of the snapshot: sample it once a second. */
function useStats(transport: WebSocketTransport<any, any> | null): TransportStats | null {
  const [stats, setStats] = useState<TransportStats | null>(null);
  useEffect(() => {
    if (!transport) return undefined;
    const sample = () => {
      try {
        setStats(transport.stats());
      } catch {
        // Freed between two samples (unmounting): this effect's cleanup is about to run.
      }
    };
    sample();
    const timer = setInterval(sample, 1000);
    return () => clearInterval(timer);
  }, [transport]);
  return stats;
}

/** The chat connection in detail, and the settings the demo runs with. */
export function ConnectionPanel({ transport }: { transport: WebSocketTransport<any, any> | null }) {
  const snapshot = useConnectionStatus(transport);
  const stats = useStats(transport);
  const now = useNow(250, snapshot.nextRetryAt !== null || snapshot.connectedAt !== null);
  const waitLeft = snapshot.nextRetryAt !== null ? Math.max(0, snapshot.nextRetryAt - now) : null;
  const waitShare = waitLeft !== null && snapshot.delayMs ? waitLeft / snapshot.delayMs : 0;

  // [label, value, tooltip]
  const facts: [string, string, string?][] = [
    ['Status', STATUS_LABELS[snapshot.status]],
    ['Attempt', snapshot.attempt > 0 ? String(snapshot.attempt) : '—'],
    [
      'Next retry',
      waitLeft !== null ? `in ${seconds(waitLeft)}` : '—',
      snapshot.delayMs !== null ? `backoff ${Math.round(snapshot.delayMs)} ms` : undefined,
    ],
    ['Latency', snapshot.latencyMs !== null ? `${Math.round(snapshot.latencyMs)} ms` : '—', 'Round trip of the last heartbeat ping'],
    ['Up for', snapshot.connectedAt !== null ? seconds(Math.max(0, now - snapshot.connectedAt), 0) : '—'],
    ['Queued', String(snapshot.queued)],
    ['Last close', snapshot.lastCloseCode !== null ? String(snapshot.lastCloseCode) : '—', snapshot.lastCloseReason ?? undefined],
    ['Last error', snapshot.lastError?.kind ?? '—', snapshot.lastError?.message],
    ['Messages', stats ? `${stats.messagesIn} in · ${stats.messagesOut} out` : '—'],
    ['Reconnects', stats ? String(stats.reconnects) : '—'],
  ];

  return (
    <section className="panel connection" aria-label="Connection">
      <header className="panel__header">
        <h2>Chat connection</h2>
        <code className="muted">/ws/stream</code>
      </header>
      <dl className="facts" data-testid="connection-facts">
        {facts.map(([label, value, title]) => (
          <div key={label} className="facts__row" title={title}>
            <dt>{label}</dt>
            <dd className={label === 'Last error' && value !== '—' ? 'facts__bad' : undefined}>{value}</dd>
          </div>
        ))}
      </dl>
      <div className={`bar bar--thin bar--wait ${waitLeft !== null ? '' : 'bar--hidden'}`} aria-hidden="true">
        <div className="bar__fill" style={{ width: `${waitShare * 100}%` }} />
      </div>
      <p className="share-hint" data-testid="share-hint" data-tabs={snapshot.shared ? snapshot.tabs : 1}>
        {snapshot.shared ? (
          <>
            <strong>{snapshot.tabs === 1 ? 'This tab alone' : `${snapshot.tabs} tabs`}</strong> on one connection
            {snapshot.tabs > 1 ? (snapshot.leader ? ' (this tab holds the socket)' : ' (another tab holds the socket)') : ''}.{' '}
            <a href={window.location.href} target="_blank" rel="noopener">
              Open another tab
            </a>{' '}
            to share it.
          </>
        ) : (
          'Each tab keeps its own connection here (this browser cannot share one).'
        )}
      </p>
      <ul className="settings" data-testid="settings" aria-label="Transport settings">
        <li>
          <span>Reconnect</span>
          {RECONNECT.initialDelayMs} ms ×{RECONNECT.factor} up to {seconds(RECONNECT.maxDelayMs, 0)}, full jitter
        </li>
        <li>
          <span>Heartbeat</span>
          ping after {seconds(HEARTBEAT.intervalMs, 0)} idle, dead {seconds(HEARTBEAT.timeoutMs, 0)} later
        </li>
        <li>
          <span>Queue</span>
          {QUEUE.maxMessages} messages, {seconds(QUEUE.maxAgeMs, 0)} max age
        </li>
        <li>
          <span>Agent pace</span>
          {PACE.delayMs} ms per event, {PACE.tokensPerSec || '∞'} tokens/s
        </li>
      </ul>
    </section>
  );
}
