// The demo end to end: www/ built as `npm start` builds it, served by the reference server,
// driven in headless Chromium. One file, run alone (2 cores; it starts a server and a browser).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['tests/e2e/**/*.test.js'],
    environment: 'node',
    globalSetup: ['tests/e2e/global-setup.js'],
    fileParallelism: false,
    testTimeout: 60_000,
    // The global setup may have to build the demo (tsc + vite build).
    hookTimeout: 180_000,
  },
});
