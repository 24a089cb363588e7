// Bundles the benchmark pages (one per client, identical apart from the client adapter) and the
// size-measurement entries with esbuild, into bench/dist.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

import { BENCH, packageRootOf } from './paths.mjs';

export const CLIENTS = ['raw', 'reconnecting-websocket', 'partysocket', 'socket.io', 'agentwire', 'agentwire-gloo-net'];
export const DIST = join(BENCH, 'dist');

/**
 * Resolves `agentwire` and `agentwire/<entry>` to this repository, through the root
 * package.json's `exports` (what an app that installed the package would get), and
 * `bench-client` to the adapter of the client being built.
 */
function resolvePlugin(clientName) {
  const root = packageRootOf(clientName);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return {
    name: 'bench-resolve',
    setup(build) {
      build.onResolve({ filter: /^bench-client$/ }, () => ({ path: join(BENCH, 'pages', 'clients', `${clientName}.js`) }));
      build.onResolve({ filter: /^agentwire(\/.*)?$/ }, (args) => {
        const subpath = args.path === 'agentwire' ? '.' : `./${args.path.slice('agentwire/'.length)}`;
        const target = pkg.exports[subpath];
        const file = typeof target === 'string' ? target : target?.default;
        if (!file) return { errors: [{ text: `agentwire does not export ${subpath}` }] };
        return { path: join(root, file) };
      });
    },
  };
}

/**
 * Peers, React and Zustand must come from bench/node_modules (the versions bench/package.json
 * pins), never from the root's: two copies of React in one page break hooks.
 */
function checkInputs(metafile, what) {
  const stray = Object.keys(metafile.inputs).filter((input) => /(^|\/)node_modules\//.test(input) && !input.startsWith('node_modules/'));
  if (stray.length) throw new Error(`${what}: bundled from the root node_modules instead of bench/node_modules: ${stray.join(', ')}`);
}

const PAGE_HTML = (clientName) => `<!doctype html>
<meta charset="utf-8">
<title>AgentWire bench: ${clientName}</title>
<link rel="icon" href="data:,">
<body>
<script type="module" src="./${clientName}.js"></script>
`;

/** The benchmark pages: dist/<client>.html + dist/<client>.js. Production React (profiling build). */
export async function buildPages(clients = CLIENTS) {
  mkdirSync(DIST, { recursive: true });
  for (const clientName of clients) {
    const result = await esbuild.build({
      // Aliases resolve from the working directory: bench/, whatever the caller's cwd.
      absWorkingDir: BENCH,
      metafile: true,
      entryPoints: [join(BENCH, 'pages', 'harness.js')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      sourcemap: 'linked',
      // Keep function names: CPU profiles of the pages must be readable.
      keepNames: true,
      jsx: 'automatic',
      define: { 'process.env.NODE_ENV': '"production"' },
      alias: { 'react-dom/client': 'react-dom/profiling' },
      outfile: join(DIST, `${clientName}.js`),
      plugins: [resolvePlugin(clientName)],
      logLevel: 'warning',
      // wasm-bindgen's glue lists each inline snippet under the same key: harmless.
      logOverride: { 'duplicate-object-key': 'silent' },
    });
    checkInputs(result.metafile, clientName);
    writeFileSync(join(DIST, `${clientName}.html`), PAGE_HTML(clientName));
  }
}

/**
 * Entries that import and use each client the same way (connect, listen for a type, send an
 * object, close), for the size measurement. Bundled with `--bundle --minify --format=esm`.
 */
const SIZE_ENTRIES = {
  raw: `
    const ws = new WebSocket(location.origin.replace('http', 'ws') + '/ws/stream');
    ws.onmessage = (e) => { const m = JSON.parse(e.data); if (m.type === 'message_delta') document.title = m.delta; };
    ws.onopen = () => ws.send(JSON.stringify({ type: 'chat', payload: { message: 'hi' } }));
    export const stop = () => ws.close();`,
  'reconnecting-websocket': `
    import ReconnectingWebSocket from 'reconnecting-websocket';
    const ws = new ReconnectingWebSocket(location.origin.replace('http', 'ws') + '/ws/stream');
    ws.addEventListener('message', (e) => { const m = JSON.parse(e.data); if (m.type === 'message_delta') document.title = m.delta; });
    ws.send(JSON.stringify({ type: 'chat', payload: { message: 'hi' } }));
    export const stop = () => ws.close();`,
  partysocket: `
    import { WebSocket } from 'partysocket';
    const ws = new WebSocket(location.origin.replace('http', 'ws') + '/ws/stream');
    ws.addEventListener('message', (e) => { const m = JSON.parse(e.data); if (m.type === 'message_delta') document.title = m.delta; });
    ws.send(JSON.stringify({ type: 'chat', payload: { message: 'hi' } }));
    export const stop = () => ws.close();`,
  'socket.io': `
    import { io } from 'socket.io-client';
    const socket = io(location.origin, { transports: ['websocket'] });
    socket.on('message_delta', (m) => { document.title = m.delta; });
    socket.emit('chat', { type: 'chat', payload: { message: 'hi' } });
    export const stop = () => socket.disconnect();`,
  agentwire: `
    import init, { WebSocketTransport } from 'agentwire';
    await init();
    const t = new WebSocketTransport({ url: location.origin.replace('http', 'ws') + '/ws/stream' });
    t.on('message_delta', (m) => { document.title = m.delta; });
    t.connect();
    t.send({ type: 'chat', payload: { message: 'hi' } });
    export const stop = () => t.free();`,
};
// The same entry: only the package behind 'agentwire' differs (resolvePlugin).
SIZE_ENTRIES['agentwire-gloo-net'] = SIZE_ENTRIES.agentwire;

/** Minified ESM bundles of SIZE_ENTRIES: { client: Uint8Array }. */
export async function buildSizeBundles(clients = CLIENTS) {
  const out = {};
  const dir = join(DIST, 'size');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const clientName of clients) {
    const result = await esbuild.build({
      absWorkingDir: BENCH,
      metafile: true,
      stdin: { contents: SIZE_ENTRIES[clientName], resolveDir: BENCH, loader: 'js' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      // The wasm file is fetched at run time (new URL(..., import.meta.url)), not bundled.
      plugins: [resolvePlugin(clientName)],
      logLevel: 'warning',
      logOverride: { 'duplicate-object-key': 'silent' },
    });
    checkInputs(result.metafile, `size entry ${clientName}`);
    out[clientName] = result.outputFiles[0].contents;
    writeFileSync(join(dir, `${clientName}.min.js`), out[clientName]);
  }
  return out;
}
