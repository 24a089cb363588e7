// What the figures were measured on.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

import { CHROMIUM_PATH } from './browser.mjs';
import { packageRoot, ROOT } from './paths.mjs';

function run(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function machineInfo() {
  const lscpu = run('lscpu', []) ?? '';
  const field = (name) => lscpu.match(new RegExp(`^${name}:\\s*(.+)$`, 'm'))?.[1]?.trim() ?? null;
  let wasm = null;
  try {
    const file = join(packageRoot(), 'pkg', 'agentwire_bg.wasm');
    wasm = { file, bytes: statSync(file).size, mtime: statSync(file).mtime.toISOString() };
  } catch {}
  return {
    nproc: Number(run('nproc', [])) || cpus().length,
    cpuModel: field('Model name'),
    threadsPerCore: field('Thread\\(s\\) per core'),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: (() => {
      try {
        return readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="(.+)"$/m)?.[1] ?? null;
      } catch {
        return null;
      }
    })(),
    kernel: run('uname', ['-r']),
    chromium: run(CHROMIUM_PATH, ['--version']),
    node: process.version,
    commit: run('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
    dirty: (run('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src', 'js', 'pkg', 'server']) ?? '') !== '',
    wasm,
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

export function loadNow() {
  return loadavg().map((v) => Math.round(v * 100) / 100);
}
