// A short run of the chaos soak (`npm run soak`, tests/soak/run.mjs): 100 faults, each kind
// at least 12 times, against the debug server npm test builds. The soak starts its own server and
// browser; this checks its exit code and its last line.
import { describe, it } from 'vitest';
import { expectCleanSoak } from './support/soak.js';

const FAULTS = 100;

describe('chaos soak (short)', () => {
  it(`loses, duplicates and reorders nothing in either direction through ${FAULTS} faults`, async () => {
    await expectCleanSoak(FAULTS, ['--server', 'debug', '--timeout', '240']);
  }, 300_000);
});
