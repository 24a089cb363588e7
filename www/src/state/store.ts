// One Zustand store for the page. The streams write to it through agentwire/zustand
// (bindSession for the chat's AgentSession, bindTransport for the rest: batched, one update
// per frame); the actions below are the page's own writes.
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { AgentSession } from 'agentwire/session';
import { INITIAL_CHAT_UI } from './chatUi';
import { INITIAL_TRACKING } from './tracking';
import { appendLine, type LogLine } from './log';
import type { DemoState, Delivery } from './types';

export const demoStore = createStore<DemoState>()(() => ({
  chat: null,
  agui: null,
  ui: INITIAL_CHAT_UI,
  tracking: INITIAL_TRACKING,
  log: [],
}));

export function useDemo<T>(selector: (state: DemoState) => T): T {
  return useStore(demoStore, selector);
}

export const actions = {
  log(line: LogLine) {
    demoStore.setState((state) => ({ log: appendLine(state.log, line) }));
  },

  /**
   * The user's message goes into the session (the server does not echo it) and shows at once;
   * `delivery` is what `transport.send` answered.
   */
  addUserMessage(session: AgentSession, text: string, delivery: Delivery) {
    const id = session.addUserMessage(text);
    demoStore.setState((state) => ({
      chat: session.getSnapshot(),
      ui: { ...state.ui, deliveries: { ...state.ui.deliveries, [id]: delivery }, awaiting: delivery !== 'dropped' },
    }));
  },

  /** The offline queue drained on a live connection: messages shown as queued went out. */
  markQueuedSent() {
    const { ui } = demoStore.getState();
    const queued = Object.keys(ui.deliveries).filter((id) => ui.deliveries[id] === 'queued');
    if (queued.length === 0) return;
    const deliveries = { ...ui.deliveries };
    for (const id of queued) deliveries[id] = 'sent';
    demoStore.setState({ ui: { ...ui, deliveries } });
  },

  /** The offline queue discarded `count` messages (expired or overflow): the oldest first. */
  markQueuedDropped(count: number) {
    const { ui } = demoStore.getState();
    const queued = Object.keys(ui.deliveries).filter((id) => ui.deliveries[id] === 'queued');
    if (queued.length === 0) return;
    const deliveries = { ...ui.deliveries };
    for (const id of queued.slice(0, count)) deliveries[id] = 'dropped';
    // Nothing left to wait for if every queued chat was discarded.
    const awaiting = ui.awaiting && queued.length > count;
    demoStore.setState({ ui: { ...ui, deliveries, awaiting } });
  },

  /** The chat connection went away: an answer in progress will not be finished. */
  interruptAnswer() {
    const { chat, ui } = demoStore.getState();
    const current = ui.currentSession;
    if (!chat?.running || current === null || ui.interrupted.includes(current)) return;
    demoStore.setState({ ui: { ...ui, interrupted: [...ui.interrupted, current].slice(-20) } });
  },
};
