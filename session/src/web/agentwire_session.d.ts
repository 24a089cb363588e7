
// ---- AgentSession (hand-written: the snapshot's shape is the API) ----

/**
 * Every object in a snapshot is frozen, and keeps its identity (`===`) for as long as it does
 * not change: a snapshot after one `message_delta` has a new `messages` array holding one new
 * message object (the others are the same objects as before), new `logs` and `counts`, and
 * every other part is the very object of the previous snapshot. Absent values are `null`.
 * Times are Unix epoch milliseconds (the event's `timestamp`; `null` when it had none).
 */

export interface ChatMessage {
  /** The server's `message_id` (AG-UI: `messageId`); `user_<n>` for the user's own messages. */
  readonly id: string;
  /** AG-UI's roles as sent (`TEXT_MESSAGE_START.role`, default 'assistant'); 'reasoning' for
   *  REASONING_MESSAGE_*, 'tool' for a TOOL_CALL_RESULT's message. */
  readonly role: 'user' | 'assistant' | 'developer' | 'system' | 'tool' | 'reasoning' | 'activity';
  /** For an assistant message, the deltas so far; after `result`, the result's content. */
  readonly content: string;
  readonly status: 'streaming' | 'complete' | 'cancelled';
  readonly sessionId: string | null;
}

/**
 * One entry per agent name, with the latest any endpoint reported: `agent_step` (chat),
 * `agent_status` (tracking), `agent_start`/`agent_end` (runs).
 */
export interface AgentState {
  /** The agent's name (what the chat, tracking and runs have in common). */
  readonly id: string;
  readonly name: string;
  readonly emoji: string | null;
  /**
   * The server's word: 'working', 'completed', 'cancelled' (chat, tracking); runs give
   * 'working' at agent_start and 'completed' at a successful agent_end (else its status).
   * 'idle' until an event says otherwise. Working agents of a cancelled chat become 'cancelled'.
   */
  readonly status: string;
  /** 0..1 (agent_status). */
  readonly progress: number | null;
  readonly message: string | null;
  /** The chat session it last worked for; null for run agents. */
  readonly sessionId: string | null;
}

/**
 * A tool call: `tool_call` … `tool_result` (chat) or `tool_start`, `tool_progress`…, `tool_end`
 * (runs). An end or progress goes to the earliest running call of the same agent and tool name;
 * one without a matching start still appears (as its own call, `startedAt: null`).
 */
export interface ToolCall {
  /** `<agent>:<tool>:<n>` (`<tool>:<n>` without an agent), n counting calls from 1. */
  readonly id: string;
  /** The agent's name (a run's agent id mapped through its agent_start). */
  readonly agent: string | null;
  readonly name: string;
  /** `args` (chat) or `params` (runs): the very JS value the server sent. AG-UI: the
   *  TOOL_CALL_ARGS deltas parsed as JSON at TOOL_CALL_END (null before, or if they are not JSON:
   *  then `errors` says why); a frozen object that keeps its identity. */
  readonly args: unknown;
  /** `tool_result.result`: the very JS value. */
  readonly result: unknown;
  /** 'failed': a tool_end with a status other than success or a nonzero exit code, or a call
   *  still running when its chat was cancelled (then `message` is 'cancelled'). */
  readonly status: 'running' | 'done' | 'failed';
  /** 0..1 (tool_progress). */
  readonly progress: number | null;
  /** The latest tool_progress message. */
  readonly message: string | null;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  /** `tool_end.duration_s` × 1000 when given, else endedAt − startedAt. */
  readonly durationMs: number | null;
  readonly sessionId: string | null;
  readonly runId: string | null;
  readonly taskId: string | null;
  /** AG-UI: `parentMessageId`. */
  readonly parentMessageId: string | null;
  /** AG-UI: the argument text streamed so far (null for the seed protocols' calls). */
  readonly argsText: string | null;
}

/** `progress {current_turn, max_turns}` of the current chat (null again when a new chat starts). */
export interface TurnProgress {
  readonly current: number;
  readonly max: number;
}

/** `chart {chart_id, url, symbol}`; one per chart id (a repeat updates it). */
export interface Chart {
  readonly id: string;
  readonly url: string;
  readonly symbol: string | null;
  readonly sessionId: string | null;
}

export interface RunTask {
  readonly id: string;
  /** The agent's name. */
  readonly agent: string | null;
  readonly title: string | null;
  readonly status: 'running' | 'done' | 'failed';
  readonly startedAt: number | null;
  readonly endedAt: number | null;
}

/**
 * The latest run of /ws/runs/{run_id}: `boot` starts it, `done` ends it. An event naming
 * another run id starts a new run (the previous one's tasks are not mixed in).
 */
export interface RunState {
  readonly id: string;
  /** 'error': AG-UI's RUN_ERROR. */
  readonly status: 'running' | 'done' | 'error';
  /** `done.status`, e.g. 'success'; AG-UI: RUN_FINISHED's `outcome.type` ('success' without one). */
  readonly outcome: string | null;
  /** `boot.message`. */
  readonly message: string | null;
  /** `boot.agents`. */
  readonly agentCount: number | null;
  /** In start order; bounded (200, oldest dropped). The run's tool calls are in `tools` (runId). */
  readonly tasks: readonly RunTask[];
  /** `done.tools_run`. */
  readonly toolsRun: number | null;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  /** AG-UI: RUN_STARTED's `threadId`. */
  readonly threadId: string | null;
  /** AG-UI: RUN_ERROR's `message` and `code`. */
  readonly error: string | null;
  readonly errorCode: string | null;
  /** AG-UI: RUN_FINISHED's `result` (frozen JSON). */
  readonly result: unknown;
  /** AG-UI: STEP_STARTED … STEP_FINISHED, by `stepName` (`id`), in start order; a run's end ends
   *  the steps still running. */
  readonly steps: readonly RunStep[];
}

export interface RunStep {
  readonly id: string;
  readonly agent: null;
  readonly title: null;
  readonly status: 'running' | 'done' | 'failed';
  readonly startedAt: number | null;
  readonly endedAt: number | null;
}

/** AG-UI: ACTIVITY_SNAPSHOT / ACTIVITY_DELTA, one per message id. */
export interface Activity {
  readonly messageId: string;
  readonly activityType: string;
  /** Frozen JSON; subtrees a delta did not touch keep their identity. */
  readonly content: unknown;
}

/** The latest mission `signal {payload: {status, crewId, seq}}`. */
export interface MissionState {
  readonly status: string;
  readonly crewId: string | null;
  readonly seq: number | null;
  readonly at: number | null;
}

/**
 * Sessions the tracking endpoint reported: `active_sessions` replaces the list, `session_state`
 * updates one item (adds it when new, removes it when the server answered null).
 */
export interface SessionsState {
  /** The server's total_sessions; the item count after a session_state. */
  readonly total: number;
  /** The server's session objects, as sent (the same JS objects). Bounded (500). */
  readonly items: readonly unknown[];
}

/** The answer to the last `get_session_logs`. */
export interface SessionLogsState {
  readonly sessionId: string | null;
  /** The server's `logs`, as sent. */
  readonly lines: unknown;
}

/** `agent_collaboration {from_agent, to_agent, message}`. */
export interface Collaboration {
  readonly from: string;
  readonly to: string;
  readonly message: string | null;
  readonly sessionId: string | null;
  readonly at: number | null;
}

/** The latest `result {message_id, content, agents_used}`. */
export interface ChatResult {
  readonly messageId: string;
  readonly content: string;
  readonly agentsUsed: readonly string[];
  readonly sessionId: string | null;
}

/** An `error {message}` event. */
export interface SessionError {
  readonly message: string;
  readonly at: number | null;
  readonly sessionId: string | null;
}

/**
 * One line per event applied (heartbeats `ping`/`pong` aside). Unknown types and malformed
 * events (not an object, no string `type`, a known type with a missing or mistyped field) are
 * here with `known: false` and the event itself; they change nothing else.
 */
export interface LogEntry {
  /** The event's number in this session, from 1 (also counts entries dropped by the bound). */
  readonly seq: number;
  /** The event's type; null when it had none. */
  readonly type: string | null;
  readonly at: number | null;
  /** What the event did, e.g. 'Researcher calls web_search (Researcher:web_search:1)'. */
  readonly summary: string;
  readonly known: boolean;
  readonly malformed: boolean;
  /** Unknown and malformed events only: the event as given. */
  readonly event?: unknown;
}

export interface EventCounts {
  /** Events applied (heartbeats aside), known or not. */
  readonly events: number;
  readonly unknown: number;
  readonly malformed: number;
}

export interface SessionSnapshot {
  /** Oldest first; bounded by maxMessages. */
  readonly messages: readonly ChatMessage[];
  /** In order of first appearance; bounded (100). */
  readonly agents: readonly AgentState[];
  /** In start order; bounded (500). */
  readonly tools: readonly ToolCall[];
  readonly progress: TurnProgress | null;
  /** Bounded (100). */
  readonly charts: readonly Chart[];
  readonly run: RunState | null;
  readonly mission: MissionState | null;
  readonly sessions: SessionsState | null;
  readonly sessionLogs: SessionLogsState | null;
  /** Oldest first; bounded (100). */
  readonly collaborations: readonly Collaboration[];
  readonly result: ChatResult | null;
  /** A chat is in progress: from `agent_step` 'working' to `result`, `cancelled` or `error`. */
  readonly running: boolean;
  /** The last chat was cancelled (false again when the next one starts; a chat superseded by a
   *  newer one does not count). */
  readonly cancelled: boolean;
  /** Oldest first; bounded (100). */
  readonly errors: readonly SessionError[];
  /** Oldest first; bounded by maxLogEntries. */
  readonly logs: readonly LogEntry[];
  readonly counts: EventCounts;
  /** AG-UI's shared state: STATE_SNAPSHOT, patched by STATE_DELTA (RFC 6902; a delta before any
   *  snapshot patches `{}`). Frozen; every subtree a change did not touch is the same object as
   *  before. A patch that does not apply leaves it as it was and is reported in `errors`. Null
   *  until the first. */
  readonly state: unknown;
  /** AG-UI activities, bounded (100). */
  readonly activities: readonly Activity[];
}

export interface AgentSessionOptions {
  /** Log entries kept (oldest dropped); 0 keeps none. Default 500. */
  maxLogEntries?: number;
  /** Messages kept (oldest dropped); at least 1. Default 200. */
  maxMessages?: number;
  /** The field events carry their type in, as the transport's `typeField`. Default 'type'. */
  typeField?: string;
}

/**
 * The state of an agent UI, folded from the reference server's events (chat stream, agent
 * tracking, runs, mission signals) and AG-UI events (`@ag-ui/core` 1.0) in Rust. Feed it every message a transport receives
 * (`bindSession` from 'agentwire/zustand' does) and read snapshots.
 */
export class AgentSession {
  /** @throws TypeError for an unknown option or a wrong type, RangeError for a value out of range. */
  constructor(options?: AgentSessionOptions);
  /** One server event object. True if the state changed (false only for heartbeats). Never throws
   *  for bad events: they are logged. */
  apply(event: unknown): boolean;
  /** Events in order; true if any changed the state. @throws TypeError if `events` is not an array. */
  applyMany(events: readonly unknown[]): boolean;
  /** The user's own chat message (the server does not echo it). Returns its id (`user_<n>`). */
  addUserMessage(text: string): string;
  /** Back to the initial state; options and subscribers are kept. */
  reset(): void;
  /** For useSyncExternalStore and stores: `listener` is called (with no arguments, in a microtask,
   *  once per batch of changes) after the state changed. Returns the unsubscribe function. Bound. */
  readonly subscribe: (listener: () => void) => () => void;
  /** The same frozen object until something changes. Bound; after free() it returns the last one. */
  readonly getSnapshot: () => SessionSnapshot;
  /** Releases the session. Subscribers are dropped. */
  free(): void;
}
