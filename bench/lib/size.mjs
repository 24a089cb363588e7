// 6. Size: the bytes a user ships, raw and gzip -9, measured the same way for every client.
//  - Every client: the minified ESM bundle esbuild makes of an entry that imports and uses it.
//  - AgentWire also ships its wasm module (fetched at run time, not bundled): added, gzipped on
//    its own as a server sends it.
//  Also reported for AgentWire: its files as published (pkg/agentwire.js, wasm-bindgen's module,
//  unminified, plus the wasm; each gzipped on its own), what an app loading the package without a
//  bundler would fetch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { buildSizeBundles } from './build.mjs';
import { wasmBreakdown } from './breakdown.mjs';
import { isAgentWire, packageRootOf } from './paths.mjs';

const gzip9 = (bytes) => gzipSync(bytes, { level: 9 }).length;

export async function measureSizes(clients) {
  const bundles = await buildSizeBundles(clients);
  const result = {};
  for (const client of clients) {
    if (isAgentWire(client)) {
      const root = packageRootOf(client);
      const files = [join(root, 'pkg', 'agentwire_bg.wasm'), join(root, 'pkg', 'agentwire.js')];
      const published = files.map((file) => {
        const bytes = readFileSync(file);
        return { file: file.slice(root.length + 1), raw: bytes.length, gzip: gzip9(bytes) };
      });
      const wasm = published[0];
      const bundle = bundles[client];
      result[client] = {
        raw: wasm.raw + bundle.length,
        gzip: wasm.gzip + gzip9(bundle),
        parts: [wasm, { file: `bench/dist/size/${client}.min.js`, raw: bundle.length, gzip: gzip9(bundle) }],
        // Of the package under test only: the variant's release build is not kept.
        ...(client === 'agentwire' ? { breakdown: wasmBreakdown() } : {}),
        published: {
          what: 'the wasm plus pkg/agentwire.js as published, unminified',
          raw: published.reduce((sum, p) => sum + p.raw, 0),
          gzip: published.reduce((sum, p) => sum + p.gzip, 0),
          parts: published,
        },
      };
    } else {
      result[client] = { raw: bundles[client].length, gzip: gzip9(bundles[client]), parts: [{ file: `bench/dist/size/${client}.min.js`, raw: bundles[client].length, gzip: gzip9(bundles[client]) }] };
    }
  }
  return result;
}
