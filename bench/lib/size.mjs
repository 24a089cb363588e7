// 6. Size: the bytes a user ships, raw and gzip -9.
//  - AgentWire: pkg/agentwire_bg.wasm + pkg/agentwire.js (the wasm-bindgen glue) + pkg/snippets/**,
//    as published (each file gzipped on its own, as a server would send it, and summed).
//    Also reported: the wasm plus the glue as a bundler ships it (esbuild --minify), for comparison
//    on the peers' terms.
//  - Peers: the minified ESM bundle esbuild makes of an entry that imports and uses the client.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { buildSizeBundles } from './build.mjs';
import { packageRoot } from './paths.mjs';

const gzip9 = (bytes) => gzipSync(bytes, { level: 9 }).length;

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

export async function measureSizes(clients) {
  const bundles = await buildSizeBundles(clients);
  const result = {};
  for (const client of clients) {
    if (client === 'agentwire') {
      const root = packageRoot();
      const files = [join(root, 'pkg', 'agentwire_bg.wasm'), join(root, 'pkg', 'agentwire.js'), ...filesUnder(join(root, 'pkg', 'snippets'))];
      const parts = files.map((file) => {
        const bytes = readFileSync(file);
        return { file: file.slice(root.length + 1), raw: bytes.length, gzip: gzip9(bytes) };
      });
      const wasm = parts[0];
      const bundle = bundles[client];
      result[client] = {
        raw: parts.reduce((s, p) => s + p.raw, 0),
        gzip: parts.reduce((s, p) => s + p.gzip, 0),
        parts,
        bundled: {
          what: 'agentwire_bg.wasm + esbuild --bundle --minify of an entry using it (glue + snippets inlined)',
          raw: wasm.raw + bundle.length,
          gzip: wasm.gzip + gzip9(bundle),
          jsRaw: bundle.length,
          jsGzip: gzip9(bundle),
        },
      };
    } else {
      result[client] = { raw: bundles[client].length, gzip: gzip9(bundles[client]), parts: [{ file: `bench/dist/size/${client}.min.js`, raw: bundles[client].length, gzip: gzip9(bundles[client]) }] };
    }
  }
  return result;
}
