// The generated bindings as published (pkg/), after scripts/tidy-bindings.mjs: nothing a
// bundler would warn about, and the transport's free() is ours.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const MODULES = ['pkg/agentwire.js', 'pkg/session/agentwire_session.js'];

describe('published bindings', () => {
  it('WebSocketTransport has a single free(), the one that ends a live connection', () => {
    const source = read('pkg/agentwire.js');
    const start = source.indexOf('export class WebSocketTransport ');
    const body = source.slice(start, source.indexOf('\n}\n', start));
    expect(body.match(/\n {4}free\(\) \{/g)).toHaveLength(1);
    expect(body).toContain('wasm.websockettransport_free(this.__wbg_ptr)');
  });

  it.each(MODULES)('%s lists every module of its import object once', (path) => {
    const source = read(path);
    const keys = [...source.matchAll(/^ {8}"([^"]+)": import\d+,$/gm)].map((m) => m[1]);
    expect(keys.length).toBeGreaterThan(0);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
