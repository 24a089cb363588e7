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

/** The package of client `agentwire-gloo-net`: the transport built with `--features
 * gloo-net-socket` (scripts/bench.sh puts it there). */
export const GLOO_NET_VARIANT = join(BENCH, 'out', 'gloo-net');

/** The package a client's page loads: the variant's for `agentwire-gloo-net`, else the one under test. */
export function packageRootOf(client) {
  return client === 'agentwire-gloo-net' ? GLOO_NET_VARIANT : packageRoot();
}

/** Whether `client` is AgentWire (the package under test, or its gloo-net socket build). */
export const isAgentWire = (client) => client === 'agentwire' || client === 'agentwire-gloo-net';
