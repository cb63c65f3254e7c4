import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The inspector page: built into dist/inspector/ (shipped with the package,
 * served by `rnrkit inspect`). Relative asset URLs so the page works from
 * any path; no inline script or style, so it runs under a CSP without
 * 'unsafe-inline' or 'unsafe-eval'.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/inspector', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  worker: { format: 'es' },
});
