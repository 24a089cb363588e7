// JS tests of the React and Zustand bindings: jsdom for the hooks (against the real reference
// server on 127.0.0.1), plain Node for server-side rendering and the pure batching logic.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/js/**/*.test.{js,jsx}'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
  esbuild: { jsx: 'automatic' },
});
