import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const src = (p: string) => fileURLToPath(new URL(`../${p}/src/index.ts`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: {
    alias: {
      '@parley/sdk': src('sdk'),
      '@parley/protocol': src('protocol'),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    rolldownOptions: {
      // The protocol package's zod schemas (frames.ts, http.ts) are for validating on the
      // server; the app imports only plain values (limits, errors) from it. Declaring the
      // package free of side effects lets the bundler drop the schemas and zod with them.
      treeshake: {
        moduleSideEffects: (id: string) => !/[\\/]packages[\\/]protocol[\\/]src[\\/]/.test(id),
      },
    },
  },
});
