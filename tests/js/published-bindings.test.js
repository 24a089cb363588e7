// The package as published (pkg/): the public module is the JS shell, it shares glue.js with the
// engine's bindings, and the bindings give bundlers nothing to warn about.
import { readdirSync, readFileSync } from 'node:fs';
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
});
