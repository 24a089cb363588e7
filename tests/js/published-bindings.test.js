// The package as published: the public module is the JS shell, it shares glue.js with the
// engine's bindings, the bindings give bundlers nothing to warn about, and `npm pack` takes
// every file the entry points load.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const read = (path) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const BINDINGS = ['pkg/agentwire_bindings.js', 'pkg/session/agentwire_session.js'];

describe('published package', () => {
  it('the shell imports the very glue.js module the engine imports, so both share its state', () => {
    const [snippetDir] = readdirSync(new URL('../../pkg/snippets/', import.meta.url));
    const glue = `./snippets/${snippetDir}/src/web/glue.js`;
    expect(read('pkg/agentwire_bindings.js')).toContain(`from "${glue}"`);
    expect(read('pkg/agentwire.js')).toContain(`from '${glue}';`);
    expect(read('pkg/agentwire.js')).not.toContain("from './glue.js'");
  });

  it('exports the class, the initialisers and nothing of the engine', async () => {
    const shell = read('pkg/agentwire.js');
    expect(shell).toMatch(/^export class WebSocketTransport \{/m);
    expect(shell).toContain('export { init as default, initSync };');
    expect(read('pkg/agentwire.d.ts')).not.toMatch(/\bEngine\b/);
  });

  it.each(BINDINGS)('%s lists every module of its import object once', (path) => {
    const source = read(path);
    const keys = [...source.matchAll(/^ {8}"([^"]+)": import\d+,$/gm)].map((m) => m[1]);
    expect(keys.length).toBeGreaterThan(0);
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
    expect(seen.has('pkg/agentwire_bindings.js')).toBe(true);
    expect(seen.has('pkg/agentwire_bg.wasm')).toBe(true);
    expect(seen.has('pkg/agentwire_bindings.d.ts')).toBe(true);
    expect(missing).toEqual([]);
  });
});
