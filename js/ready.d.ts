/** Resolves once `WebSocketTransport` can be constructed. Safe to call any number of times. */
export function ready(input?: RequestInfo | URL | Response | BufferSource | WebAssembly.Module): Promise<unknown>;
