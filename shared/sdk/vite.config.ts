import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The portal SDK as one ES module (dist/sdk/kyso.js) that a page can load or a bundler can import.
export default defineConfig({
  build: {
    outDir: fileURLToPath(new URL('../../dist/sdk', import.meta.url)),
    emptyOutDir: true,
    lib: {
      entry: fileURLToPath(new URL('./index.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'kyso.js',
    },
    target: 'es2022',
    minify: true,
  },
});
