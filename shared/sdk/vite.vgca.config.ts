import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The VGCA-compatible shim as one classic script (it defines globals, as the plugin's script did).
export default defineConfig({
  build: {
    outDir: fileURLToPath(new URL('../../dist/sdk', import.meta.url)),
    emptyOutDir: false,
    lib: {
      entry: fileURLToPath(new URL('./vgca-shim.ts', import.meta.url)),
      formats: ['iife'],
      name: 'kysoVgca',
      fileName: () => 'vgca-shim.js',
    },
    target: 'es2022',
    minify: true,
  },
});
