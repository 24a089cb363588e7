// @vitest-environment jsdom
// The React hooks against the real reference server: StrictMode, unmount, selectors, events.
import { StrictMode, useRef } from 'react';
import { act, cleanup, render } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useAgentSession, useConnectionStatus, useTransport, useTransportEvent, useTransportSelector } from '../../js/react.js';
import { countSockets, loadSessionWasm, loadWasm, startServer, waitFor } from './support.js';

let server;
let sockets;

beforeAll(async () => {
  await loadWasm();
  await loadSessionWasm();
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(() => {
  cleanup();
  sockets?.restore();
});

function Badge({ url, onTransport, onRender }) {
  const transport = useTransport({ url, reconnect: { initialDelayMs: 50, jitter: 0 } });
  const snapshot = useConnectionStatus(transport);
  onTransport?.(transport);
  onRender?.(snapshot);
  return <output>{snapshot.status}</output>;
}

describe('useTransport', () => {
  it('creates one transport and opens one socket under StrictMode', async () => {
    sockets = countSockets();
    const transports = new Set();
    const view = render(
      <StrictMode>
        <Badge url={server.ws('/ws/echo')} onTransport={(t) => t && transports.add(t)} />
      </StrictMode>,
    );
    await waitFor(() => view.container.textContent === 'connected', { what: 'connected' });
    expect(transports.size).toBe(1);
    expect(sockets.created.length).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(sockets.created.length).toBe(1);
    expect((await server.log()).echo.connections).toBeGreaterThanOrEqual(1);
  });

  it('frees the transport on unmount: the socket closes and nothing reconnects', async () => {
    sockets = countSockets();
    const view = render(<Badge url={server.ws('/ws/echo')} />);
    await waitFor(() => view.container.textContent === 'connected', { what: 'connected' });
    view.unmount();
    const socket = sockets.created[0];
    await waitFor(() => socket.readyState === WebSocket.CLOSED, { what: 'the socket closed' });
    await new Promise((r) => setTimeout(r, 300));
    expect(sockets.created.length).toBe(1);
  });

  it('a url list written inline keeps its transport across renders; new URLs make a new one', async () => {
    sockets = countSockets();
    const transports = new Set();
    function Failover({ urls, tick }) {
      const transport = useTransport({ url: [...urls], reconnect: { initialDelayMs: 50, jitter: 0 } });
      if (transport) transports.add(transport);
      return <output data-tick={tick}>{useConnectionStatus(transport).status}</output>;
    }
    const urls = [server.ws('/ws/echo')];
    const view = render(<Failover urls={urls} tick={0} />);
    await waitFor(() => view.container.textContent === 'connected', { what: 'connected' });
    for (let tick = 1; tick <= 5; tick++) view.rerender(<Failover urls={urls} tick={tick} />);
    await new Promise((r) => setTimeout(r, 100));
    expect(transports.size).toBe(1);
    expect(sockets.created.length).toBe(1);
    view.rerender(<Failover urls={[server.ws('/ws/echo?second=1')]} tick={6} />);
    await waitFor(() => transports.size === 2 && view.container.textContent === 'connected', { what: 'the new transport connected' });
    expect(sockets.created.length).toBe(2);
  });

  it('renders idle until the transport exists, then follows its status', async () => {
    const seen = [];
    const snapshots = [];
    const view = render(<Badge url={server.ws('/ws/echo')} onRender={(s) => { seen.push(s.status); snapshots.push(s); }} />);
    await waitFor(() => view.container.textContent === 'connected', { what: 'connected' });
    expect(seen[0]).toBe('idle');
    // The idle stand-in has every field of a real snapshot, with the values of one not yet connected.
    expect(Object.keys(snapshots[0]).sort()).toEqual(Object.keys(snapshots.at(-1)).sort());
    expect(snapshots[0]).toMatchObject({ url: null, sessionId: null, lastSeq: 0, resumed: false });
    expect(seen.at(-1)).toBe('connected');
    expect(seen).toContain('connecting');
  });
});

describe('useTransportSelector', () => {
  it('re-renders only when the selected value changes', async () => {
    let renders = 0;
    let transport;
    function Connected({ url }) {
      transport = useTransport({ url, autoConnect: false });
      const isConnected = useTransportSelector(transport, (s) => s.status === 'connected');
      renders += 1;
      return <output>{String(isConnected)}</output>;
    }
    const view = render(<Connected url={server.ws('/ws/echo')} />);
    await waitFor(() => transport, { what: 'the transport' });
    await act(async () => { await transport.connect(); });
    await waitFor(() => view.container.textContent === 'true', { what: 'connected' });
    const rendersWhenConnected = renders;
    // Queue length changes the snapshot but not the selection.
    await act(async () => {
      transport.disconnect();
      await new Promise((r) => setTimeout(r, 20));
    });
    expect(view.container.textContent).toBe('false');
    const afterDisconnect = renders;
    expect(afterDisconnect - rendersWhenConnected).toBe(1);
  });
});

describe('useTransportEvent', () => {
  it('delivers messages to the latest handler and unsubscribes on unmount', async () => {
    const received = [];
    let transport;
    function Listener({ url, tag }) {
      transport = useTransport({ url });
      useTransportEvent(transport, 'note', (m) => received.push(`${tag}:${m.n}`));
      return null;
    }
    const view = render(<Listener url={server.ws('/ws/echo')} tag="a" />);
    await waitFor(() => transport?.status === 'connected', { what: 'connected' });
    transport.send({ type: 'note', n: 1 });
    await waitFor(() => received.length === 1, { what: 'the first note' });
    view.rerender(<Listener url={server.ws('/ws/echo')} tag="b" />);
    transport.send({ type: 'note', n: 2 });
    await waitFor(() => received.length === 2, { what: 'the second note' });
    expect(received).toEqual(['a:1', 'b:2']);
    const listenersBefore = transport.debugResources().messageListeners;
    const kept = transport;
    view.unmount();
    expect(listenersBefore).toBe(1);
    // The transport itself was freed with the component: closed, nothing left registered.
    expect(kept.status).toBe('disconnected');
    expect(kept.debugResources()).toMatchObject({ sockets: 0, timers: 0, messageListeners: 0 });
  });
});

describe('useAgentSession', () => {
  it('creates one session under StrictMode, feeds it, and frees it on unmount', async () => {
    const sessions = new Set();
    let current;
    function Chat() {
      const session = useAgentSession({ maxMessages: 10 });
      if (session) sessions.add(session);
      current = session;
      return <output>{session ? 'ready' : 'loading'}</output>;
    }
    const view = render(<StrictMode><Chat /></StrictMode>);
    await waitFor(() => view.container.textContent === 'ready', { what: 'the session' });
    expect(sessions.size).toBe(1);
    current.applyMany([
      { type: 'message_delta', message_id: 'm1', delta: 'Hello, ' },
      { type: 'message_delta', message_id: 'm1', delta: 'world' },
    ]);
    expect(current.getSnapshot().messages.map((m) => m.content)).toEqual(['Hello, world']);
    const kept = current;
    view.unmount();
    expect(() => kept.apply({ type: 'message_delta', message_id: 'm1', delta: '!' })).toThrow();
  });
});
