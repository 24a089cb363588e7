import type { TransportStatus, WebSocketTransport } from 'agentwire';
import { useConnectionStatus } from 'agentwire/react';
import { useNow } from '../hooks/useNow';
import { seconds } from './format';

export const STATUS_LABELS: Record<TransportStatus, string> = {
  idle: 'Starting',
  connecting: 'Connecting',
  connected: 'Connected',
  reconnecting: 'Reconnecting',
  disconnected: 'Disconnected',
  error: 'Gave up',
};

/** Status, attempt, countdown to the next retry and heartbeat latency of one connection. */
export function ConnectionBadge({
  name,
  transport,
  testId,
}: {
  name: string;
  transport: WebSocketTransport<any, any> | null;
  testId: string;
}) {
  const snapshot = useConnectionStatus(transport);
  const waiting = snapshot.nextRetryAt !== null;
  const now = useNow(100, waiting);
  const retryIn = snapshot.nextRetryAt !== null ? Math.max(0, snapshot.nextRetryAt - now) : null;
  const { status } = snapshot;

  return (
    <div className={`badge badge--${status}`} data-testid={testId} data-status={status} role="status">
      <span className="badge__dot" aria-hidden="true" />
      <span className="badge__name">{name}</span>
      <span className="badge__status" data-testid={`${testId}-status`}>
        {STATUS_LABELS[status]}
      </span>
      {status !== 'connected' && snapshot.attempt > 0 && (
        <span className="badge__meta" data-testid={`${testId}-attempt`}>
          attempt {snapshot.attempt}
        </span>
      )}
      {retryIn !== null && <span className="badge__meta">retry in {seconds(retryIn)}</span>}
      {status === 'connected' && snapshot.latencyMs !== null && (
        <span className="badge__meta" title="Round trip of the last heartbeat ping">
          {Math.round(snapshot.latencyMs)} ms
        </span>
      )}
      {snapshot.queued > 0 && <span className="badge__queued">{snapshot.queued} queued</span>}
    </div>
  );
}
