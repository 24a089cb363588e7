// What the page tracks about the chat besides the AgentSession: which session is current,
// whether a sent chat still waits for its session. Applied by bindTransport, like the session.
import type { MessageHandlers } from 'agentwire/zustand';
import type { StreamEvents } from '../protocol';
import type { ChatUiState, DemoState } from './types';

export const INITIAL_CHAT_UI: ChatUiState = {
  currentSession: null,
  awaiting: false,
  deliveries: {},
  interrupted: [],
  mySessions: [],
};

const stopWaiting = (state: DemoState): Partial<DemoState> | undefined =>
  state.ui.awaiting ? { ui: { ...state.ui, awaiting: false } } : undefined;

export const chatUiHandlers: MessageHandlers<DemoState, StreamEvents> = {
  // A session's first event: it becomes the one the panels show.
  agent_step: (state, event) => {
    if (event.status !== 'working' || state.ui.currentSession === event.session_id) return undefined;
    return {
      ui: {
        ...state.ui,
        currentSession: event.session_id,
        awaiting: false,
        mySessions: [...state.ui.mySessions, event.session_id].slice(-20),
      },
    };
  },
  // The server could not use what we sent (e.g. an empty chat): nothing is coming.
  error: stopWaiting,
  // A cancel that found nothing running: nothing is coming either.
  cancelled: (state, event) => (event.session_id ? undefined : stopWaiting(state)),
};
