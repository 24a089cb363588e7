// Where things are: the repository root and bench/.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH, '..');

/**
 * Where the agentwire package under test is: this repository, or another checkout's root (with
 * package.json, pkg/ and js/) given by `--package-root` (env AGENTWIRE_PACKAGE_ROOT), to measure
 * a candidate build against the same peers.
 */
export function packageRoot() {
  return process.env.AGENTWIRE_PACKAGE_ROOT ?? ROOT;
}
