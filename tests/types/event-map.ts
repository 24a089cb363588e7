// Compile-time checks of the published types (`tsc -p tests/types`, part of `npm test`).
// Lines marked @ts-expect-error must fail to type-check; if one compiles, tsc reports it.
import init, {
  WebSocketTransport,
  type SendResult,
  type StatusEvent,
  type TransportError,
  type TransportSnapshot,
} from 'agentwire';

interface AgentStep {
  type: 'agent_step';
  agent: string;
  emoji: string;
  status: 'working' | 'completed';
}
interface MessageDelta {
  type: 'message_delta';
  message_id: string;
  delta: string;
}
type AgentEvents = { agent_step: AgentStep; message_delta: MessageDelta };
type Outgoing = { type: 'chat'; payload: { message: string } } | { type: 'cancel'; payload: {} };

export async function typedUsage(): Promise<void> {
  await init();
  const t = new WebSocketTransport<AgentEvents, Outgoing>({ url: 'ws://127.0.0.1:8000/ws/stream' });

  // The listener's parameter has the app's type for that message type.
  const off = t.on('agent_step', (e) => {
    const agent: string = e.agent;
    const status: 'working' | 'completed' = e.status;
    // @ts-expect-error: agent_step has no delta
    e.delta;
    void agent;
    void status;
  });
  t.on('message_delta', (e) => {
    const text: string = e.delta;
    void text;
  });
  // '*' receives the union of every event.
  t.on('*', (e) => {
    if (e.type === 'message_delta') {
      const id: string = e.message_id;
      void id;
    }
  });
  // @ts-expect-error: not a type of the event map
  t.on('agent_stepp', () => {});
  off();

  const result: SendResult = t.send({ type: 'chat', payload: { message: 'hi' } });
  t.send('raw strings are always accepted');
  // @ts-expect-error: not an Outgoing message
  t.send({ type: 'chat', payload: { text: 'wrong field' } });
  void result;

  t.onStatus((e: StatusEvent) => {
    const s: 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'error' = e.status;
    void s;
  });
  t.onError((e: TransportError) => {
    if (e.kind === 'queue_overflow') void e.dropped;
  });
  const snapshot: TransportSnapshot = t.getSnapshot();
  const queued: number = snapshot.queued;
  const latency: number | null = snapshot.latencyMs;
  void queued;
  void latency;
  const unsubscribe: () => void = t.subscribe(() => {});
  unsubscribe();
  await t.connect();
  t.disconnect(1000, 'bye');
  t.free();
}

export function untypedUsage(): void {
  // Without an event map every type is accepted and messages are `any`.
  const t = new WebSocketTransport({ url: 'ws://127.0.0.1:8000/ws/stream' });
  t.on('anything', (e) => {
    const whatever: number = e.some.field;
    void whatever;
  });
  // @ts-expect-error: options are checked too
  new WebSocketTransport({ url: 'ws://x', reconect: false });
  // @ts-expect-error: url is required
  new WebSocketTransport({});
}
