// Compile-time checks of the resume protocol's types: the options, the snapshot and status
// fields, the gap error, and sendWithAck.
import {
  WebSocketTransport,
  type AckError,
  type AckFrame,
  type StatusEvent,
  type TransportError,
  type TransportSnapshot,
} from 'agentwire';

type Outgoing = { type: 'chat'; id?: string; payload: { message: string } };

export async function resumeUsage(): Promise<void> {
  const t = new WebSocketTransport<{}, Outgoing>({ url: 'ws://127.0.0.1:8000/ws/stream', resume: true, ackIdField: 'id' });
  // @ts-expect-error: resume is a boolean
  new WebSocketTransport({ url: 'ws://127.0.0.1:8000/ws/stream', resume: 'yes' });

  const snapshot: TransportSnapshot = t.getSnapshot();
  const session: string | null = snapshot.sessionId;
  const lastSeq: number = snapshot.lastSeq;
  const resumed: boolean = snapshot.resumed;
  void [session, lastSeq, resumed];

  t.onStatus((event: StatusEvent) => {
    const continued: boolean = event.resumed;
    void continued;
  });
  t.onError((error: TransportError) => {
    if (error.kind === 'gap') {
      const expected: number | undefined = error.expected;
      const received: number | undefined = error.received;
      void [expected, received];
    }
  });

  const ack: AckFrame = await t.sendWithAck({ type: 'chat', payload: { message: 'Compare NVDA and AMD' } }, { timeoutMs: 5000 });
  const id: string = ack.id;
  const duplicate: boolean | undefined = ack.duplicate;
  void [id, duplicate];
  await t.sendWithAck({ type: 'chat', id: 'c-1', payload: { message: 'again' } });
  // @ts-expect-error: only the app's outgoing messages
  await t.sendWithAck({ type: 'unknown' });
  // @ts-expect-error: a message that carries an id must be an object, not a string
  await t.sendWithAck('{"type":"chat"}');
  // @ts-expect-error: timeoutMs is a number
  await t.sendWithAck({ type: 'chat', payload: { message: '' } }, { timeoutMs: '5s' });

  try {
    await t.sendWithAck({ type: 'chat', payload: { message: 'maybe' } });
  } catch (error) {
    const kind = (error as AckError).kind;
    const known: 'ack_timeout' | 'disconnected' | 'freed' | 'queue_overflow' | 'serialize' | string = kind;
    void known;
  }
}
