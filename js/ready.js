// Loads the wasm module once, however many callers ask at the same time.
// (wasm-bindgen's init would instantiate twice if a second call came before the first finished.)
import init from '../pkg/agentwire.js';

let loading = null;

/** Resolves once `WebSocketTransport` can be constructed. Safe to call any number of times. */
export function ready(input) {
  loading ??= init(input === undefined ? undefined : { module_or_path: input }).catch((error) => {
    loading = null; // let a later call try again (e.g. after a network error)
    throw error;
  });
  return loading;
}
