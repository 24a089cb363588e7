// The demo's state. `chat` is the AgentSession's snapshot (agentwire/session, fed by
// bindSession); the rest is what only the page knows (what send() answered, which answers a
// dropped connection cut short), the tracking panel's sessions, and the log.
import type { SessionSnapshot } from 'agentwire/session';

export type Delivery = 'sent' | 'queued' | 'dropped';

export interface ChatUiState {
  /** The chat session shown in the agent cards and tool timeline (the latest to start). */
  currentSession: string | null;
  /** A chat was sent (or queued) and no session has started for it yet. */
  awaiting: boolean;
  /** User message id → what `transport.send` answered ('queued' becomes 'sent' on drain). */
  deliveries: Record<string, Delivery>;
  /** Sessions whose connection dropped mid-answer: the server stops a chat whose client left. */
  interrupted: string[];
  /** Sessions started by this page's chats, to mark them in the tracking panel. */
  mySessions: string[];
}

export type TrackedStatus = 'running' | 'completed' | 'cancelled';

export interface TrackedSession {
  id: string;
  lead: string;
  /** The request that started it. */
  request: string;
  status: TrackedStatus;
  progress: number;
  /** The latest `agent_status` / `agent_collaboration` message. */
  note: string;
  agents: string[];
  source: 'chat' | 'control' | null;
  updatedAt: number;
}

export interface TrackingState {
  /** Running sessions first, then the most recently updated. */
  sessions: TrackedSession[];
  /** Server-side count from the last `active_sessions`. */
  activeOnConnect: number | null;
}

export type LogSource = 'stream' | 'tracking' | 'control' | 'app';
export type LogLevel = 'event' | 'status' | 'error' | 'action';

export interface LogEntry {
  id: number;
  at: number;
  source: LogSource;
  level: LogLevel;
  text: string;
  /** Consecutive entries with the same key are shown once, with a count (token deltas). */
  key: string | null;
  repeat: number;
}

export interface DemoState {
  /** null until the session's wasm has loaded. */
  chat: SessionSnapshot | null;
  /** The AG-UI panel's run (its own AgentSession), null before the first run. */
  agui: SessionSnapshot | null;
  ui: ChatUiState;
  tracking: TrackingState;
  log: LogEntry[];
}
