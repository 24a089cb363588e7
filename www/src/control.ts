// The reference server's chaos API (server/README.md, "Control API"): the outage buttons.

interface ControlReply {
  ok: boolean;
  affected?: number;
  session_id?: string;
  error?: string;
}

async function post(path: string, body?: string): Promise<ControlReply> {
  const response = await fetch(path, { method: 'POST', body: body ?? null });
  const reply = (await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }))) as ControlReply;
  if (!response.ok || !reply.ok) throw new Error(reply.error ?? `HTTP ${response.status}`);
  return reply;
}

const connections = (reply: ControlReply) =>
  `${reply.affected ?? 0} connection${reply.affected === 1 ? '' : 's'}`;

/** A truncated frame: the transport reports a parse error and keeps going. */
export const GARBAGE_FRAME = '{"type":"tool_call","agent":"Researcher","args":{"symbol":';

export interface Outage {
  id: 'drop' | 'refuse' | 'silence' | 'garbage';
  label: string;
  hint: string;
  /** Does it, and says what happened (for the log). */
  run(): Promise<string>;
}

export const OUTAGES: readonly Outage[] = [
  {
    id: 'drop',
    label: 'Drop connections',
    hint: 'TCP cut, no close frame (1006)',
    run: async () => `dropped ${connections(await post('/control/drop'))}`,
  },
  {
    id: 'refuse',
    label: 'Refuse for 5 s',
    hint: 'drop, then 503 to every reconnect',
    run: async () => {
      await post('/control/refuse?ms=5000');
      return `refusing upgrades for 5 s; dropped ${connections(await post('/control/drop'))}`;
    },
  },
  {
    id: 'silence',
    label: 'Go silent',
    hint: 'socket stays open, nothing flows',
    run: async () => `silenced ${connections(await post('/control/silence?ms=15000'))} for 15 s`,
  },
  {
    id: 'garbage',
    label: 'Send garbage',
    hint: 'a malformed JSON frame',
    run: async () => {
      const reply = await post('/control/send?endpoint=stream', GARBAGE_FRAME);
      return `sent a malformed frame to ${connections(reply)}`;
    },
  },
];

/** Starts a session nobody chats in, so the tracking panel has something to follow. */
export async function startBackgroundSession(message: string): Promise<string> {
  const reply = await post(`/control/session?message=${encodeURIComponent(message)}&delay_ms=700`);
  return reply.session_id ?? '?';
}
