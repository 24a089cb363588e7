// What the reference agent server sends and accepts (server/README.md, "Endpoints").
// Every server event is a flat object with `type` and an ISO-8601 `timestamp`.

interface ServerEvent<T extends string> {
  type: T;
  timestamp: string;
}

interface ChatEvent<T extends string> extends ServerEvent<T> {
  session_id: string;
}

// ---- /ws/stream ----------------------------------------------------------------------------------

export interface AgentStep extends ChatEvent<'agent_step'> {
  agent: string;
  emoji: string;
  status: 'working' | 'completed';
}
export interface ToolCallEvent extends ChatEvent<'tool_call'> {
  agent: string;
  tool_name: string;
  args: Record<string, unknown>;
}
export interface ToolResultEvent extends ChatEvent<'tool_result'> {
  agent: string;
  tool_name: string;
  result: string;
}
export interface ProgressEvent extends ChatEvent<'progress'> {
  current_turn: number;
  max_turns: number;
}
export interface MessageDelta extends ChatEvent<'message_delta'> {
  message_id: string;
  delta: string;
}
export interface ChartEvent extends ChatEvent<'chart'> {
  chart_id: string;
  url: string;
  symbol: string;
}
export interface ResultEvent extends ChatEvent<'result'> {
  message_id: string;
  content: string;
  agents_used: string[];
}
export interface CancelledEvent extends ServerEvent<'cancelled'> {
  success: boolean;
  session_id?: string;
  reason?: string;
}
export interface ErrorEvent extends ServerEvent<'error'> {
  message: string;
}

export type StreamEvents = {
  agent_step: AgentStep;
  tool_call: ToolCallEvent;
  tool_result: ToolResultEvent;
  progress: ProgressEvent;
  message_delta: MessageDelta;
  chart: ChartEvent;
  result: ResultEvent;
  cancelled: CancelledEvent;
  error: ErrorEvent;
};

export type StreamOutgoing =
  | { type: 'chat'; payload: { message: string } }
  | { type: 'cancel'; payload: Record<string, never> };

// ---- /ws/agent-tracking/{client_id} --------------------------------------------------------------

export interface TrackedSessionState {
  session_id: string;
  agent: string;
  agents_used: string[];
  current_turn: number;
  max_turns: number;
  message: string;
  progress: number;
  source: 'chat' | 'control';
  status: 'running' | 'completed' | 'cancelled';
  started_at: string;
  updated_at: string;
}
export interface ActiveSessions extends ServerEvent<'active_sessions'> {
  data: { total_sessions: number; sessions: TrackedSessionState[] };
}
export interface AgentStatus extends ServerEvent<'agent_status'> {
  session_id: string;
  agent_id: string;
  agent_name: string;
  status: 'working' | 'completed' | 'cancelled';
  progress: number;
  message: string;
}
export interface AgentCollaboration extends ServerEvent<'agent_collaboration'> {
  session_id: string;
  from_agent: string;
  to_agent: string;
  message: string;
}
export interface SessionState extends ServerEvent<'session_state'> {
  session_id: string;
  /** null: the server does not know the session (any more). */
  state: TrackedSessionState | null;
}
export type TrackingPing = ServerEvent<'ping'>;

export type TrackingEvents = {
  active_sessions: ActiveSessions;
  agent_status: AgentStatus;
  agent_collaboration: AgentCollaboration;
  session_state: SessionState;
  ping: TrackingPing;
  error: ErrorEvent;
};

export type TrackingOutgoing = { type: 'pong' } | { type: 'get_session_state'; session_id: string };

/** Any event, for code that handles every type (the log). */
export type AnyEvent = { type: string; timestamp?: string; [field: string]: unknown };
