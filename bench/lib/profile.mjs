// Reads a V8 CPU profile (CDP Profiler.stop): self time per function (names and places from the
// bundle's source map), and per category, heaviest first.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve as resolvePath } from 'node:path';

/**
 * wasm-bindgen's glue is one anonymous function per import, under a key naming it
 * (`__wbg_parse_e95f…: function(arg0) {…}`): the key names a profile line better than its place.
 */
function importNamer(mapFile) {
  const files = new Map();
  return (original, line) => {
    const path = resolvePath(dirname(mapFile), original);
    if (!files.has(path)) files.set(path, existsSync(path) ? readFileSync(path, 'utf8').split('\n') : []);
    const lines = files.get(path);
    for (let i = Math.min(line, lines.length - 1); i >= 0 && i > line - 12; i--) {
      const match = /^\s*__wbg_(?:__wbindgen_)?(\w+?)_[0-9a-f]{16}\s*:/.exec(lines[i]);
      if (match) return `wasm-bindgen import '${match[1]}'`;
      if (i < line && /^\s*\},?\s*$/.test(lines[i])) break;
    }
    return null;
  };
}

function loadSourceMap(file) {
  if (!file || !existsSync(file)) return null;
  try {
    return new SourceMap(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return null;
  }
}

/** Where a sample's time goes, in words a reader of the report understands. */
function categorize(frame, original) {
  const name = frame.functionName;
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)') return 'browser internals (Blink/V8 native: socket, events)';
  if (name === 'wasm-to-js' || name === 'js-to-wasm') return 'wasm<->JS transitions';
  if (frame.url.endsWith('.wasm')) return 'AgentWire wasm';
  if (name === 'now') return 'performance.now()';
  if (original?.includes('node_modules/react') || original?.includes('node_modules/scheduler')) return 'React';
  if (original?.includes('node_modules/zustand')) return 'Zustand';
  if (original?.includes('node_modules/')) return `client library (${original.split('node_modules/')[1].split('/')[0]})`;
  if (original?.includes('pkg/agentwire.js')) return 'wasm-bindgen glue (pkg/agentwire.js)';
  if (original && /(^|\/)js\/[\w.-]+\.js$/.test(original)) return 'agentwire/zustand, agentwire/react (js/)';
  if (original?.includes('pages/clients/')) return 'client adapter (JSON.parse, dispatch)';
  if (original?.includes('pages/')) return 'benchmark page (listener, harness)';
  if (!frame.url) return `native: ${name || '(anonymous)'}`;
  return 'other JS';
}

/**
 * { top: [{ name, selfMs, selfPct }], categories: [{ category, selfMs, selfPct }], totalMs }.
 * `sourceMapFile`: the page bundle's map, to name minified functions.
 */
export function summarizeCpuProfile(profile, { limit = 20, sourceMapFile } = {}) {
  const map = loadSourceMap(sourceMapFile);
  const nameImport = map ? importNamer(sourceMapFile) : () => null;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const resolved = new Map();
  const resolve = (node) => {
    if (resolved.has(node.id)) return resolved.get(node.id);
    const frame = node.callFrame;
    let name = frame.functionName || '(anonymous)';
    let original = null;
    if (map && frame.url.endsWith('.js') && frame.lineNumber >= 0) {
      const entry = map.findEntry(frame.lineNumber, frame.columnNumber);
      if (entry?.originalSource) {
        original = entry.originalSource;
        const where = `${original.replace(/^(\.\.\/)+/, '')}:${entry.originalLine + 1}`;
        const glueImport = original.endsWith('pkg/agentwire.js') ? nameImport(original, entry.originalLine) : null;
        name = glueImport ? `${glueImport} (${where})` : `${entry.name ?? name} (${where})`;
      }
    } else if (frame.url) {
      name = `${name} (${frame.url.split('/').pop()})`;
    }
    const out = { name, category: categorize(frame, original) };
    resolved.set(node.id, out);
    return out;
  };
  const self = new Map();
  const categories = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    const { name, category } = resolve(node);
    self.set(name, (self.get(name) ?? 0) + delta);
    categories.set(category, (categories.get(category) ?? 0) + delta);
    total += delta;
  }
  const rows = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([key, us]) => ({ key, selfMs: us / 1000, selfPct: (us / total) * 100 }));
  return {
    totalMs: total / 1000,
    top: rows(self).slice(0, limit).map(({ key, ...r }) => ({ name: key, ...r })),
    categories: rows(categories).map(({ key, ...r }) => ({ category: key, ...r })),
  };
}
