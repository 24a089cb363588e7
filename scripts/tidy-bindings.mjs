// An edit to wasm-bindgen's output, checked, so the build fails loudly if a wasm-bindgen
// upgrade changes what it relies on.
//
// The import object lists each snippet once. wasm-bindgen 0.2.130 emits one
// `import * as importN from "./snippets/.../glue.js"` and one object key per function the wasm
// imports from it directly: the same namespace object under one repeated key, which is harmless
// but makes esbuild (and so Vite) print a duplicate-key warning per function.
//
// Usage: node scripts/tidy-bindings.mjs pkg/agentwire.js (or pkg/session/agentwire_session.js)
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
let source = readFileSync(file, 'utf8');

function fail(problem) {
  console.error(`[build] tidy-bindings: ${file}: ${problem}; did wasm-bindgen's output change?`);
  process.exit(1);
}

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
