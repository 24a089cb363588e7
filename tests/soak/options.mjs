// The soak's command line, pure.
import { KINDS, PROCESS_KINDS, REDIS_KINDS } from './faults.mjs';

export const USAGE = `usage: npm run soak -- [--faults N] [--only KIND,...] [--redis] [--timeout SECONDS] [--server debug|release] [--verbose]
  --faults N         faults to inject (default 1000)
  --only KIND,...    cycle through these kinds only (default all: ${KINDS.join(', ')};
                     with --redis also ${PROCESS_KINDS.join(', ')})
  --redis            two instances sharing a redis-server the soak starts (append-only file, so a
                     restart keeps the streams); every transport's url lists both, control faults
                     go to both, and the cycle adds kill-instance (SIGKILL the chat's instance,
                     restart it on its port) and restart-redis (SIGKILL redis-server, restart it)
  --timeout SECONDS  hard bound on the whole run (default 120 + 1 per fault)
  --server KIND      debug: target/debug/agentwire-server (cargo build -p agentwire-server);
                     release: target/server/agentwire-server (cargo build --profile server)
                     (default release; AGENTWIRE_SERVER_BIN overrides both)
  --verbose          a line per fault, and the page's console
env AGENTWIRE_PKG=DIR soaks another build of pkg/ (e.g. bench/out/gloo-net/pkg)`;

export function parseSoakArgs(argv) {
  const options = { faults: 1000, kinds: null, redis: false, timeoutS: null, server: 'release', verbose: false, help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--faults') options.faults = wholeNumber(flag, value(), 0);
    else if (flag === '--only') {
      options.kinds = value().split(',').filter(Boolean);
      const unknown = options.kinds.filter((kind) => !REDIS_KINDS.includes(kind));
      if (options.kinds.length === 0 || unknown.length) throw new Error(`--only takes kinds among ${REDIS_KINDS.join(', ')}; got ${unknown.join(', ') || 'none'}\n${USAGE}`);
    } else if (flag === '--redis' && inline === undefined) options.redis = true;
    else if (flag === '--timeout') options.timeoutS = wholeNumber(flag, value(), 1);
    else if (flag === '--server') {
      options.server = value();
      if (!['debug', 'release'].includes(options.server)) throw new Error(`--server is debug or release, got ${options.server}\n${USAGE}`);
    } else if (flag === '--verbose' && inline === undefined) options.verbose = true;
    else if ((flag === '--help' || flag === '-h') && inline === undefined) options.help = true;
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const needRedis = (options.kinds ?? []).filter((kind) => PROCESS_KINDS.includes(kind));
  if (needRedis.length && !options.redis) throw new Error(`${needRedis.join(', ')} need --redis\n${USAGE}`);
  options.kinds ??= options.redis ? REDIS_KINDS : KINDS;
  options.timeoutS ??= 120 + options.faults;
  return options;
}

function wholeNumber(flag, text, min) {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new Error(`${flag} takes a whole number >= ${min}, got ${text}\n${USAGE}`);
  return n;
}
