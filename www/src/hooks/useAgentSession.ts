import { useEffect, useState } from 'react';
import initSession, { AgentSession, type AgentSessionOptions } from 'agentwire/session';

// The session's wasm module is separate from the transport's and loads once, on first use.
let loading: Promise<unknown> | null = null;
function sessionReady(): Promise<unknown> {
  loading ??= initSession().catch((error: unknown) => {
    loading = null;
    throw error;
  });
  return loading;
}

/**
 * One AgentSession for this component, freed on unmount; null until its wasm has loaded.
 * Created after a resolved promise, like agentwire/react's useTransport, so StrictMode's
 * immediate unmount-remount creates only one.
 */
export function useAgentSession(options?: AgentSessionOptions): AgentSession | null {
  const [session, setSession] = useState<AgentSession | null>(null);
  useEffect(() => {
    let disposed = false;
    let created: AgentSession | null = null;
    sessionReady().then(
      () => {
        if (disposed) return;
        created = new AgentSession(options);
        setSession(created);
      },
      (error: unknown) => console.error('AgentWire: the session wasm module failed to load', error),
    );
    return () => {
      disposed = true;
      if (created) {
        const freed = created;
        setSession((current) => (current === freed ? null : current));
        freed.free();
      }
    };
    // Options are read once, at creation (like useTransport's).
  }, []);
  return session;
}
