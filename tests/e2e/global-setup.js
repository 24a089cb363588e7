// Builds the demo into www/dist (as scripts/start.sh does) when it is missing or older than its
// inputs: the demo's sources and config, and the package it uses (pkg/, js/).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './support/demo-server.js';

const WWW = join(ROOT, 'www');
const BUILT = join(WWW, 'dist', 'index.html');

/** Newest modification time under `path` (a file or a folder), 0 if it does not exist. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

function inputsNewest() {
  const demoInputs = readdirSync(WWW)
    .filter((name) => !['dist', 'node_modules'].includes(name))
    .map((name) => join(WWW, name));
  return Math.max(...demoInputs.map(newest), newest(join(ROOT, 'pkg')), newest(join(ROOT, 'js')));
}

export default function setup() {
  if (!existsSync(join(WWW, 'node_modules'))) {
    throw new Error("www/node_modules is missing: run 'bash scripts/setup.sh' (or 'npm --prefix www ci')");
  }
  if (!existsSync(join(ROOT, 'pkg', 'agentwire_bg.wasm'))) {
    throw new Error("pkg/ is not built: run 'bash scripts/build.sh'");
  }
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= inputsNewest()) return;
  const started = Date.now();
  // Vitest sets NODE_ENV=test, which would make vite build bundle React's development build;
  // build as scripts/start.sh does.
  const { NODE_ENV: _, ...env } = process.env;
  const build = spawnSync('npm', ['--prefix', WWW, 'run', 'build'], { cwd: ROOT, env, encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(`npm --prefix www run build failed (exit ${build.status}):\n${build.stdout}\n${build.stderr}`);
  }
  console.log(`[e2e] built www/dist in ${Date.now() - started} ms`);
}
