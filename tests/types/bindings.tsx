// Compile-time checks of agentwire/react and agentwire/zustand.
import { createStore } from 'zustand/vanilla';
import { useConnectionStatus, useTransport, useTransportEvent, useTransportSelector } from 'agentwire/react';
import { bindTransport } from 'agentwire/zustand';
import type { WebSocketTransport } from 'agentwire';

type Events = { message_delta: { type: 'message_delta'; message_id: string; delta: string }; progress: { type: 'progress'; current_turn: number; max_turns: number } };

export function Badge() {
  const transport = useTransport<Events>({ url: 'ws://127.0.0.1:8000/ws/stream', heartbeat: { intervalMs: 5000 } });
  const snapshot = useConnectionStatus(transport);
  const connected: boolean = useTransportSelector(transport, (s) => s.status === 'connected');
  useTransportEvent(transport, 'message_delta', (m) => {
    const delta: string = m.delta;
    void delta;
  });
  // @ts-expect-error: progress messages have no delta
  useTransportEvent(transport, 'progress', (m) => m.delta);
  return <span>{snapshot.status} {String(connected)}</span>;
}

interface ChatState {
  text: string;
  turn: number;
}

export function bind(transport: WebSocketTransport<Events>) {
  const store = createStore<ChatState>(() => ({ text: '', turn: 0 }));
  const unbind = bindTransport(transport, store, {
    message_delta: (state, m) => ({ text: state.text + m.delta }),
    progress: (_state, m) => ({ turn: m.current_turn }),
  });
  bindTransport(transport, store, {
    // @ts-expect-error: the handler must return part of the state
    progress: () => ({ notAField: 1 }),
  });
  unbind.flush();
  unbind();
}
