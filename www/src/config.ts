// Connection settings of the demo, shown on the page. Short on purpose: a visitor pressing
// "go silent" should see the heartbeat notice within seconds, and reconnects should be quick.
import type { HeartbeatOptions, QueueOptions, ReconnectOptions } from 'agentwire';

export const RECONNECT = {
  initialDelayMs: 500,
  maxDelayMs: 5000,
  factor: 2,
  jitter: 1,
} as const satisfies ReconnectOptions;

export const HEARTBEAT = { intervalMs: 5000, timeoutMs: 3000 } as const satisfies HeartbeatOptions;

export const QUEUE = { maxMessages: 20, maxAgeMs: 60_000 } as const satisfies QueueOptions;

/**
 * How fast the simulated agent plays: slow enough to watch the agents work. `?delay_ms=` and
 * `?tokens_per_sec=` on the page's URL override it (the end-to-end test runs faster).
 */
export const PACE = readPace(new URLSearchParams(location.search));

function readPace(params: URLSearchParams) {
  const number = (name: string, fallback: number) => {
    const value = Number(params.get(name));
    return params.has(name) && Number.isInteger(value) && value >= 0 ? value : fallback;
  };
  return { delayMs: number('delay_ms', 250), tokensPerSec: number('tokens_per_sec', 30) };
}

/** The page is served by the agent server itself, so its WebSockets are same-origin. */
function wsOrigin(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
}

/** The tracking endpoint wants `client_<digits>_<lowercase alnum>`; one id per page load. */
function trackingClientId(): string {
  const random = crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
  return `client_${Date.now()}_${random.toString(36).padStart(6, '0')}`;
}

export const STREAM_URL = `${wsOrigin()}/ws/stream?delay_ms=${PACE.delayMs}&tokens_per_sec=${PACE.tokensPerSec}`;
export const TRACKING_URL = `${wsOrigin()}/ws/agent-tracking/${trackingClientId()}`;

/** The AG-UI panel's runs: over WebSocket (`/ws/agui`, resumable) or HTTP/SSE (`POST /agui`). */
export type AguiMode = 'ws' | 'http';

export interface AguiRunInput {
  threadId: string;
  runId: string;
  message: string;
}

export function aguiWsUrl({ threadId, runId, message }: AguiRunInput): string {
  const query = new URLSearchParams({ threadId, runId, message, delay_ms: String(PACE.delayMs), tokens_per_sec: String(PACE.tokensPerSec) });
  return `${wsOrigin()}/ws/agui?${query}`;
}

export const AGUI_HTTP_URL = `/agui?delay_ms=${PACE.delayMs}&tokens_per_sec=${PACE.tokensPerSec}`;
