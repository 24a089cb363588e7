// A short run of the chaos soak in its --redis mode (tests/soak/run.mjs --redis): two instances
// of the debug server on one redis-server, the page's transports failing over between them,
// through 22 faults: every kind twice, so the chat's instance is killed twice and redis-server
// restarted twice. The soak starts its own Redis, servers and browser; this checks its exit code
// and its last line. Needs redis-server (scripts/setup.sh installs it): without it the soak fails
// saying so.
import { describe, expect, it } from 'vitest';
import { REDIS_KINDS } from '../soak/faults.mjs';
import { expectCleanSoak } from './support/soak.js';

const FAULTS = REDIS_KINDS.length * 2;

describe('chaos soak against two instances and Redis (short)', () => {
  it(`loses, duplicates and reorders nothing through ${FAULTS} faults, instance kills and Redis restarts among them`, async () => {
    const output = await expectCleanSoak(FAULTS, ['--redis', '--server', 'debug', '--timeout', '85']);
    expect(output, 'the process faults ran').toMatch(/kill-instance 2, restart-redis 2/);
  }, 120_000);
});
