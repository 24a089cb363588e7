// Compile-time checks of agentwire/http with the session and the Zustand binding: an AG-UI app
// feeds an AgentSession from HttpAgentTransport as it would from a WebSocketTransport.
import { createStore } from 'zustand/vanilla';
import { bindSession } from 'agentwire/zustand';
import { HttpAgentTransport } from 'agentwire/http';
import { AgentSession, type SessionSnapshot } from 'agentwire/session';

const store = createStore<{ agui: SessionSnapshot | null }>()(() => ({ agui: null }));
const transport = new HttpAgentTransport('/agui', { reconnect: { initialDelayMs: 500 } });
const session = new AgentSession();
const unbind = bindSession(transport, session, store, { key: 'agui' });
const off: () => void = transport.on('TEXT_MESSAGE_CONTENT', () => {});
off();
unbind();
// @ts-expect-error: bindSession needs something with on('*') that returns its remover
bindSession({ on() {} }, session, store);
