// The page's two connections, created with agentwire/react and fed into the store with
// agentwire/zustand, the way an application would.
import { useEffect } from 'react';
import type { WebSocketTransport } from 'agentwire';
import { useAgentSession, useConnectionStatus, useTransport, useTransportEvent } from 'agentwire/react';
import { bindSession, bindTransport } from 'agentwire/zustand';
import type { AgentSession } from 'agentwire/session';
import { HEARTBEAT, QUEUE, RECONNECT, STREAM_URL, TRACKING_URL } from '../config';
import type { StreamEvents, StreamOutgoing, TrackingEvents, TrackingOutgoing } from '../protocol';
import { chatUiHandlers } from '../state/chatUi';
import { describeError, describeStatus, logHandlers } from '../state/log';
import { actions, demoStore } from '../state/store';
import { missingSessions, trackingHandlers } from '../state/tracking';
import type { LogSource } from '../state/types';

export type StreamTransport = WebSocketTransport<StreamEvents, StreamOutgoing>;
export type TrackingTransport = WebSocketTransport<TrackingEvents, TrackingOutgoing>;

const TRANSPORT_OPTIONS = { reconnect: RECONNECT, heartbeat: HEARTBEAT, queue: QUEUE };

/** Status changes and transport errors go to the log panel. Returns the unsubscribers. */
function logTransport(transport: WebSocketTransport<any, any>, source: LogSource) {
  const offStatus = transport.onStatus((event) => actions.log({ source, level: 'status', text: describeStatus(event) }));
  const offError = transport.onError((error) => actions.log({ source, level: 'error', text: describeError(error) }));
  return () => {
    offStatus();
    offError();
  };
}

export function useDemoTransports(): {
  stream: StreamTransport | null;
  tracking: TrackingTransport | null;
  session: AgentSession | null;
} {
  // Shared by the page's open tabs (agentwire/full, loaded by useTransport for `share`): one
  // socket for all of them, the chat streaming into each.
  const stream = useTransport<StreamEvents, StreamOutgoing>({ url: STREAM_URL, share: true, ...TRANSPORT_OPTIONS });
  const tracking = useTransport<TrackingEvents, TrackingOutgoing>({ url: TRACKING_URL, ...TRANSPORT_OPTIONS });
  // The chat's state (messages, agents, tool calls, progress, charts) is folded in Rust.
  const session = useAgentSession({ maxMessages: 100, maxLogEntries: 0 });

  useEffect(() => {
    if (!stream || !session) return undefined;
    const unbindSession = bindSession(stream, session, demoStore, { key: 'chat' });
    const unbindUi = bindTransport(stream, demoStore, chatUiHandlers);
    const offInterrupt = stream.onStatus((event) => {
      if (event.previous !== 'connected') return;
      // The server stops a chat whose client left: what is buffered is all that will come.
      unbindSession.flush();
      unbindUi.flush();
      actions.interruptAnswer();
    });
    return () => {
      unbindSession();
      unbindUi();
      offInterrupt();
    };
  }, [stream, session]);

  useEffect(() => {
    if (!stream) return undefined;
    const unbindLog = bindTransport(stream, demoStore, logHandlers<StreamEvents>('stream'));
    const offLog = logTransport(stream, 'stream');
    const offQueueLoss = stream.onError((error) => {
      if (error.kind === 'queue_expired' || error.kind === 'queue_overflow') actions.markQueuedDropped(error.count ?? 1);
    });
    return () => {
      unbindLog();
      offLog();
      offQueueLoss();
    };
  }, [stream]);

  useEffect(() => {
    if (!tracking) return undefined;
    const unbindTracking = bindTransport(tracking, demoStore, trackingHandlers);
    const unbindLog = bindTransport(tracking, demoStore, logHandlers<TrackingEvents>('tracking'));
    const offLog = logTransport(tracking, 'tracking');
    return () => {
      unbindTracking();
      unbindLog();
      offLog();
    };
  }, [tracking]);

  // The tracking server pings clients that stay quiet; answer like its protocol asks.
  useTransportEvent(tracking, 'ping', () => {
    tracking?.send({ type: 'pong' });
  });
  // After a reconnect: ask how the sessions that finished while we were away ended.
  useTransportEvent(tracking, 'active_sessions', (event) => {
    for (const sessionId of missingSessions(demoStore.getState().tracking, event.data.sessions)) {
      tracking?.send({ type: 'get_session_state', session_id: sessionId });
    }
  });

  // Messages queued while offline went out once the queue is empty again on a live connection.
  const { queued, status } = useConnectionStatus(stream);
  useEffect(() => {
    if (queued === 0 && status === 'connected') actions.markQueuedSent();
  }, [queued, status]);

  return { stream, tracking, session };
}
