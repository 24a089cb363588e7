// The agent-tracking stream's reducer: every session on the server (this page's chats and
// sessions started by others), with the latest status of its agents. After a reconnect the
// server's `active_sessions` resynchronises what was missed.
import type { MessageHandlers } from 'agentwire/zustand';
import type { AgentStatus, TrackedSessionState, TrackingEvents } from '../protocol';
import type { DemoState, TrackedSession, TrackedStatus, TrackingState } from './types';

export const INITIAL_TRACKING: TrackingState = { sessions: [], activeOnConnect: null };

/** Sessions kept on screen: the running ones and the most recent finished ones. */
const MAX_SESSIONS = 6;

const time = (timestamp: string | undefined) => {
  const ms = timestamp ? Date.parse(timestamp) : Number.NaN;
  return Number.isNaN(ms) ? Date.now() : ms;
};

function blank(id: string): TrackedSession {
  return {
    id,
    lead: '',
    request: '',
    status: 'running',
    progress: 0,
    note: '',
    agents: [],
    source: null,
    updatedAt: 0,
  };
}

/** Puts the updated session first and trims the list (running sessions are kept first). */
function upsert(
  tracking: TrackingState,
  id: string,
  update: (session: TrackedSession) => TrackedSession,
): TrackingState {
  const existing = tracking.sessions.find((session) => session.id === id);
  const next = update(existing ?? blank(id));
  const others = tracking.sessions.filter((session) => session.id !== id);
  const sessions = [next, ...others];
  const running = sessions.filter((session) => session.status === 'running');
  const finished = sessions.filter((session) => session.status !== 'running');
  return { ...tracking, sessions: [...running, ...finished].slice(0, Math.max(MAX_SESSIONS, running.length)) };
}

const withAgent = (agents: string[], name: string) => (agents.includes(name) ? agents : [...agents, name]);

function fromServerState(state: TrackedSessionState, previous: TrackedSession): TrackedSession {
  return {
    ...previous,
    lead: state.agent,
    request: state.message,
    status: state.status,
    progress: state.progress,
    note: previous.note || `Turn ${state.current_turn} of ${state.max_turns}`,
    agents: state.agents_used.reduce(withAgent, previous.agents),
    source: state.source,
    updatedAt: time(state.updated_at),
  };
}

/** Helpers report 'working' to the end; only the lead's 'completed'/'cancelled' ends a session. */
function statusOf(event: AgentStatus, previous: TrackedStatus): TrackedStatus {
  return event.status === 'working' ? previous : event.status;
}

export const trackingHandlers: MessageHandlers<DemoState, TrackingEvents> = {
  active_sessions: (state, event) => {
    // Sent on every (re)connect. Sessions that ended while we were away are no longer listed;
    // the page asks for their final state (`session_state`).
    let tracking: TrackingState = { ...state.tracking, activeOnConnect: event.data.total_sessions };
    for (const session of [...event.data.sessions].reverse()) {
      tracking = upsert(tracking, session.session_id, (previous) => fromServerState(session, previous));
    }
    return { tracking };
  },

  session_state: (state, event) => {
    const known = state.tracking.sessions.some((session) => session.id === event.session_id);
    if (!known) return undefined;
    const final = event.state;
    if (!final) {
      return { tracking: { ...state.tracking, sessions: state.tracking.sessions.filter((s) => s.id !== event.session_id) } };
    }
    // Asked for because it ended while this page was disconnected: its last broadcasts were missed.
    return {
      tracking: upsert(state.tracking, event.session_id, (previous) => ({
        ...fromServerState(final, previous),
        note: final.status === 'running' ? previous.note : `${final.status === 'completed' ? 'Completed' : 'Cancelled'} while disconnected`,
      })),
    };
  },

  agent_status: (state, event) => ({
    tracking: upsert(state.tracking, event.session_id, (session) => ({
      ...session,
      lead: session.lead || event.agent_name,
      status: statusOf(event, session.status),
      progress: Math.max(0, Math.min(1, event.progress)),
      note: `${event.agent_name}: ${event.message}`,
      agents: withAgent(session.agents, event.agent_name),
      updatedAt: time(event.timestamp),
    })),
  }),

  agent_collaboration: (state, event) => ({
    tracking: upsert(state.tracking, event.session_id, (session) => ({
      ...session,
      lead: session.lead || event.from_agent,
      note: event.message,
      agents: withAgent(withAgent(session.agents, event.from_agent), event.to_agent),
      updatedAt: time(event.timestamp),
    })),
  }),
};

/** Sessions shown as running that the server's `active_sessions` no longer lists. */
export function missingSessions(tracking: TrackingState, listed: readonly TrackedSessionState[]): string[] {
  const ids = new Set(listed.map((session) => session.session_id));
  return tracking.sessions.filter((s) => s.status === 'running' && !ids.has(s.id)).map((s) => s.id);
}
