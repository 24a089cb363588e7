// The package as published: the public module is wasm-bindgen's own, exporting the Rust
// WebSocketTransport class, with one free() (ours) and no test hooks in the types; the bindings
// give bundlers nothing to warn about; and `npm pack` takes every file the entry points load.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const read = (path) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const BINDINGS = ['pkg/agentwire.js', 'pkg/session/agentwire_session.js'];

describe('published package', () => {
  it('the public module is the generated bindings of the Rust class, with the initialisers', () => {
    const module = read('pkg/agentwire.js');
    expect(module).toMatch(/^export class WebSocketTransport \{/m);
    expect(module).toContain('wasm.websockettransport_new(');
    expect(module).toMatch(/^export \{ initSync, __wbg_init as default \};$/m);
    // No hand-written JS in the transport's module but wasm-bindgen's inline snippet of the frame
    // reader (src/web/frame_reader.rs: bindings that read a frame in one call, issue 16).
    const imports = [...new Set([...module.matchAll(/^import .* from ['"]([^'"]+)['"];?$/gm)].map((m) => m[1]))];
    expect(imports).toEqual([expect.stringMatching(/^\.\/snippets\/agentwire-[0-9a-f]+\/inline0\.js$/)]);
    const snippet = read(`pkg/${imports[0].slice(2)}`);
    const exported = [...snippet.matchAll(/^export function (\w+)/gm)].map((m) => m[1]).sort();
    expect(exported).toEqual(['call_current', 'current_message', 'current_type', 'read_frame', 'take_thrown']);
    expect(snippet).not.toMatch(/class |WebSocket|setTimeout|queueMicrotask/);
  });

  it('the class has one free(), the one that ends the transport', () => {
    const module = read('pkg/agentwire.js');
    const frees = [...module.matchAll(/^ {4}free\(\) \{\n {8}(.*)$/gm)].map((m) => m[1]);
    expect(frees).toEqual(['wasm.websockettransport_free(this.__wbg_ptr);']);
  });

  it('the published types declare the generic class and leave the test hooks out', () => {
    const types = read('pkg/agentwire.d.ts');
    expect(types).toContain('export default function __wbg_init');
    // (wasm-bindgen's `InitOutput` lists every raw export; the API is the class.)
    const api = types.slice(types.indexOf('// ---- WebSocketTransport'));
    expect(api).toMatch(/export class WebSocketTransport<Events extends EventMap/);
    expect(api).not.toMatch(/debugResources|liveJsValues|TransportResources/);
  });

  it.each(BINDINGS)('%s lists every module of its import object once', (path) => {
    const source = read(path);
    const keys = [...source.matchAll(/^ {8}"([^"]+)": import\d+,$/gm)].map((m) => m[1]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('the npm package holds every file its entry points load, the wasm included', () => {
    const root = new URL('../../', import.meta.url).pathname;
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
    }));
    const packed = new Set(pack.files.map((f) => f.path));
    const manifest = JSON.parse(read('package.json'));
    const entries = Object.values(manifest.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)));
    // Follow relative imports (static and dynamic) and `new URL(..., import.meta.url)` from each entry.
    const seen = new Set();
    const visit = (path) => {
      const file = normalize(path).replace(/^\.\//, '');
      if (seen.has(file)) return;
      seen.add(file);
      if (!file.endsWith('.js')) return;
      const source = read(file);
      const refs = [
        ...source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g),
        ...source.matchAll(/new URL\(['"]([^'"]+)['"], import\.meta\.url\)/g),
      ].map((m) => m[1]);
      for (const ref of refs) visit(join(dirname(file), ref));
    };
    entries.filter((e) => e.endsWith('.js')).forEach(visit);
    // Declarations: what each entry's .d.ts imports, as the .d.ts next to the imported module.
    for (const types of entries.filter((e) => e.endsWith('.d.ts'))) {
      const file = normalize(types).replace(/^\.\//, '');
      seen.add(file);
      for (const [, ref] of read(file).matchAll(/from ['"](\.{1,2}\/[^'"]+)\.js['"]/g)) {
        seen.add(join(dirname(file), `${ref}.d.ts`));
      }
    }
    const missing = [...seen].filter((file) => !packed.has(file));
    expect(seen.has('pkg/agentwire.js')).toBe(true);
    expect(seen.has('pkg/agentwire_bg.wasm')).toBe(true);
    expect(seen.has('pkg/session/agentwire_session_bg.wasm')).toBe(true);
    expect(missing).toEqual([]);
  });
});
