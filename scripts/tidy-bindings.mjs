// Two edits to wasm-bindgen's output, each checked, so the build fails loudly if a wasm-bindgen
// upgrade changes what they rely on.
//
// 1. WebSocketTransport keeps one free(): ours (src/web/transport.rs). wasm-bindgen gives every
//    exported class a free() that drops the Rust value, and its garbage-collector finalizer
//    drops it the same way, so Rust cannot tell "the app called free()" from "the app forgot
//    the object". The transport needs to (a live connection outlives a forgotten object, as a
//    WebSocket does), so it exports its own free(); the generated one is removed here, as a
//    duplicate class member it would make bundlers warn.
// 2. The import object lists each snippet once. wasm-bindgen 0.2.130 emits one
//    `import * as importN from "./snippets/..."` and one object key per function the wasm
//    imports from a snippet directly: the same namespace object under one repeated key, which is
//    harmless but makes esbuild (and so Vite) print a duplicate-key warning per function. (The
//    session crate's module has snippets; the transport's has none.)
//
// Usage: node scripts/tidy-bindings.mjs pkg/agentwire.js (or pkg/session/agentwire_session.js)
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
let source = readFileSync(file, 'utf8');

function fail(problem) {
  console.error(`[build] tidy-bindings: ${file}: ${problem}; did wasm-bindgen's output change?`);
  process.exit(1);
}

// 1. (the transport's module only)
const generatedFree = /\n {4}free\(\) \{\n {8}const ptr = this\.__destroy_into_raw\(\);\n {8}wasm\.__wbg_websockettransport_free\(ptr, 0\);\n {4}\}/g;
const ourFree = /\n {4}free\(\) \{\n {8}wasm\.websockettransport_free\(this\.__wbg_ptr\);\n {4}\}/;
if (source.includes('export class WebSocketTransport ')) {
  const generatedCount = (source.match(generatedFree) ?? []).length;
  if (generatedCount !== 1 || !ourFree.test(source)) {
    fail(`expected the generated free() and ours, found ${generatedCount} generated and ${ourFree.test(source) ? 'ours' : 'not ours'}`);
  }
  source = source.replace(generatedFree, '');
}

// 2.
const firstName = new Map(); // module path -> the first importN bound to it
const dropped = new Set();
source = source.replace(/^import \* as (import\d+) from "([^"]+)"\n/gm, (line, name, path) => {
  if (!firstName.has(path)) {
    firstName.set(path, name);
    return line;
  }
  dropped.add(name);
  return '';
});
let keysDropped = 0;
source = source.replace(/^ {8}"([^"]+)": (import\d+),\n/gm, (line, path, name) => {
  if (!dropped.has(name)) return line;
  if (firstName.get(path) === undefined) fail(`import object key ${path} has no first import`);
  keysDropped += 1;
  return '';
});
if (keysDropped !== dropped.size) fail(`dropped ${dropped.size} imports but ${keysDropped} keys`);
for (const name of dropped) {
  if (new RegExp(`\\b${name}\\b`).test(source)) fail(`${name} is still used`);
}

writeFileSync(file, source);
