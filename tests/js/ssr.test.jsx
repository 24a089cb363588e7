// @vitest-environment node
// Server-side rendering: importing every entry in Node without `window` must not throw, and
// the hooks render the idle state without creating anything.
import { describe, expect, it } from 'vitest';

describe('server-side rendering', () => {
  it('imports every entry without a window', async () => {
    expect(typeof window).toBe('undefined');
    const core = await import('../../pkg/agentwire.js');
    const react = await import('../../js/react.js');
    const zustand = await import('../../js/zustand.js');
    expect(typeof core.WebSocketTransport).toBe('function');
    expect(typeof react.useTransport).toBe('function');
    expect(typeof zustand.bindTransport).toBe('function');
  });

  it('renders the idle snapshot on the server and creates no transport', async () => {
    const { renderToString } = await import('react-dom/server');
    const { useConnectionStatus, useTransport, useTransportSelector } = await import('../../js/react.js');
    const created = [];
    globalThis.WebSocket = class { constructor() { created.push(this); } };
    try {
      function Badge() {
        const transport = useTransport({ url: 'ws://127.0.0.1:1/ws/stream' });
        const snapshot = useConnectionStatus(transport);
        const queued = useTransportSelector(transport, (s) => s.queued);
        return <span>{`${snapshot.status}/${queued}/${transport === null}`}</span>;
      }
      expect(renderToString(<Badge />)).toBe('<span>idle/0/true</span>');
      expect(created).toEqual([]);
    } finally {
      delete globalThis.WebSocket;
    }
  });
});
