import { defineConfig } from 'vite';
import { sdkLibraryBuild } from './library-build.js';

// The VGCA-compatible shim as one classic script (it defines globals, as the plugin's script did).
export default defineConfig(
  sdkLibraryBuild(
    './vgca-shim.ts',
    { formats: ['iife'], name: 'kysoVgca', fileName: () => 'vgca-shim.js' },
    { emptyOutDir: false },
  ),
);
