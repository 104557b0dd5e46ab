import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  main: {
    build: {
      // Bundled (tree-shaken) instead of required from node_modules: kysely's 279 files and zod's
      // every locale cost ~400 ms of module loading at each start (npm run bench -- startup).
      externalizeDeps: { exclude: ['kysely', 'zod'] },
      rollupOptions: {
        input: {
          // The Electron entry and the web-mode entry share every module but the shell.
          index: resolve(__dirname, 'src/main/index.ts'),
          serve: resolve(__dirname, 'src/main/serve.ts'),
          // Long batches' worker thread (src/main/workers/batch-runner.ts loads out/main/batch-worker.js).
          'batch-worker': resolve(__dirname, 'src/main/workers/batch-worker.ts'),
          // Counts over the whole directory (src/main/workers/read-runner.ts loads out/main/read-worker.js).
          'read-worker': resolve(__dirname, 'src/main/workers/read-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src/preload/index.ts') } },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
    plugins: [react()],
  },
});
