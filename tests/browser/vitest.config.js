// Browser tests: headless Chromium against the reference server on 127.0.0.1. Files run one at
// a time (2 cores, and each file starts its own server and browser page).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/browser/**/*.test.js'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
