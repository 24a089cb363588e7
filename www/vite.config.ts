// The demo is built into www/dist and served by the reference server at / (scripts/start.sh),
// so every URL the app uses is same-origin. `npm run dev` proxies the same paths to a reference
// server on :8000 (start it with `cargo run -p agentwire-server -- --port 8000`).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const serverOrigin = process.env.AGENTWIRE_SERVER ?? 'http://127.0.0.1:8000';
// `agentwire` is a `file:..` link: its real path (the repository root) is outside www/.
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  // Relative asset URLs: the build works wherever dist/ is served from.
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  resolve: {
    // agentwire/react imports 'react' from the package's own folder; it must be the app's copy.
    dedupe: ['react', 'react-dom', 'zustand'],
  },
  server: {
    host: '127.0.0.1',
    // The repository root holds both this app and the linked package.
    fs: { allow: [packageRoot] },
    proxy: {
      '/ws': { target: serverOrigin.replace(/^http/, 'ws'), ws: true },
      '/control': serverOrigin,
      '/charts': serverOrigin,
      '/agui': serverOrigin,
    },
  },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // The wasm is ~tens of KB; keep it a separate file rather than a base64 data URL.
    assetsInlineLimit: 0,
  },
});
