// What the shipped wasm module is made of, by module: the release build that `scripts/build.sh`
// made (target/wasm32-unknown-unknown/release/agentwire.wasm, which keeps its function names),
// put through wasm-bindgen and wasm-opt with the package's own flags plus `-g`, so the function
// bodies are the shipped ones and still named. Function sizes are read from the code section
// and grouped by the Rust path of their names; the data section is counted as one item.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ROOT } from './paths.mjs';

/** The wasm-opt flags of Cargo.toml's [package.metadata.wasm-pack.profile.release]. */
function wasmOptFlags() {
  const manifest = readFileSync(join(ROOT, 'Cargo.toml'), 'utf8');
  const line = manifest.split('\n').find((l) => l.startsWith('wasm-opt = ['));
  return JSON.parse(line.slice('wasm-opt = '.length));
}

function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

/** { functions: [{ name, bytes }], dataBytes, totalBytes } of a module with a name section. */
function readModule(bytes) {
  let at = 8;
  let imported = 0;
  const bodies = [];
  const names = new Map();
  let dataBytes = 0;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = leb(bytes, at + 1);
    const end = start + size;
    if (id === 2) {
      let [count, p] = leb(bytes, start);
      for (; count > 0; count--) {
        let len;
        [len, p] = leb(bytes, p); p += len;
        [len, p] = leb(bytes, p); p += len;
        const kind = bytes[p++];
        if (kind === 0) { [, p] = leb(bytes, p); imported += 1; }
        else if (kind === 1) { p += 1; let flags; [flags, p] = leb(bytes, p); [, p] = leb(bytes, p); if (flags & 1) [, p] = leb(bytes, p); }
        else if (kind === 2) { let flags; [flags, p] = leb(bytes, p); [, p] = leb(bytes, p); if (flags & 1) [, p] = leb(bytes, p); }
        else if (kind === 3) p += 2;
        else [, p] = leb(bytes, p);
      }
    } else if (id === 10) {
      let [count, p] = leb(bytes, start);
      for (; count > 0; count--) {
        const [bodySize, bodyStart] = leb(bytes, p);
        bodies.push(bodySize);
        p = bodyStart + bodySize;
      }
    } else if (id === 11) {
      dataBytes = size;
    } else if (id === 0) {
      const [len, p] = leb(bytes, start);
      const sectionName = Buffer.from(bytes.subarray(p, p + len)).toString();
      if (sectionName === 'name') {
        let q = p + len;
        while (q < end) {
          const sub = bytes[q];
          const [subSize, subStart] = leb(bytes, q + 1);
          if (sub === 1) {
            let [count, r] = leb(bytes, subStart);
            for (; count > 0; count--) {
              let index;
              let nameLen;
              [index, r] = leb(bytes, r);
              [nameLen, r] = leb(bytes, r);
              names.set(index, Buffer.from(bytes.subarray(r, r + nameLen)).toString());
              r += nameLen;
            }
          }
          q = subStart + subSize;
        }
      }
    }
    at = end;
  }
  const functions = bodies.map((size, i) => ({ name: names.get(imported + i) ?? '?', bytes: size }));
  return { functions, dataBytes };
}

/** The module a function belongs to, from its (demangled, v0) name. */
function moduleOf(name) {
  const path = name.replace(/\[[0-9a-f]+\]/g, '');
  const own = /agentwire::(core|web)::(\w+)/.exec(path);
  if (/serde_wasm_bindgen/.test(path) && !own) return 'serde-wasm-bindgen';
  if (/web::options|websockettransport_new/.test(path)) return 'src/web/options.rs (serde derive, serde-wasm-bindgen)';
  if (/web::values/.test(path)) return 'src/web/values.rs (serde-wasm-bindgen out)';
  if (/serde_core|serde::/.test(path)) return 'serde';
  if (/core::fmt|flt2dec|bignum|Unexpected/.test(path)) return 'core::fmt (serde\'s error messages, float formatting)';
  if (own) return `src/${own[1]}/${own[2]}.rs`;
  if (/^websockettransport_/.test(path)) return 'exported methods (wasm-bindgen shims with the method bodies)';
  if (/^gloo_/.test(path) || /<gloo_/.test(path)) return 'gloo-timers, gloo-events';
  if (/js_sys|web_sys|wasm_bindgen|externref|__wbindgen/.test(path)) return 'wasm-bindgen, js-sys, web-sys runtime';
  if (/lol_alloc|alloc::|hashbrown|std::|core::|compiler_builtins|memcpy|memset|memmove/.test(path)) return 'std, alloc, core (collections, allocator)';
  return 'other';
}

/** [{ module, bytes }] largest first, plus the totals; null when the build or tools are missing. */
export function wasmBreakdown() {
  const built = join(ROOT, 'target', 'wasm32-unknown-unknown', 'release', 'agentwire.wasm');
  const dir = mkdtempSync(join(tmpdir(), 'agentwire-breakdown-'));
  try {
    const env = { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.HOME}/.cargo/bin:${process.env.PATH}` };
    execFileSync('wasm-bindgen', [built, '--out-dir', dir, '--target', 'web', '--keep-debug'], { env, stdio: 'ignore' });
    const optimized = join(dir, 'named.wasm');
    execFileSync('wasm-opt', [...wasmOptFlags(), '-g', join(dir, 'agentwire_bg.wasm'), '-o', optimized], { env, stdio: 'ignore' });
    const { functions, dataBytes } = readModule(readFileSync(optimized));
    const byModule = new Map();
    for (const f of functions) byModule.set(moduleOf(f.name), (byModule.get(moduleOf(f.name)) ?? 0) + f.bytes);
    byModule.set('data (strings, tables)', dataBytes);
    const modules = [...byModule.entries()].map(([module, bytes]) => ({ module, bytes })).sort((a, b) => b.bytes - a.bytes);
    const largest = [...functions].sort((a, b) => b.bytes - a.bytes).slice(0, 12)
      .map((f) => ({ name: f.name.replace(/\[[0-9a-f]+\]/g, '').slice(0, 120), bytes: f.bytes }));
    return { modules, largest, codeBytes: functions.reduce((sum, f) => sum + f.bytes, 0), dataBytes };
  } catch (error) {
    return { error: String(error.message ?? error).split('\n')[0] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
