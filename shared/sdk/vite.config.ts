import { defineConfig } from 'vite';
import { sdkLibraryBuild } from './library-build.js';

// The portal SDK as one ES module (dist/sdk/kyso.js) that a page can load or a bundler can import.
export default defineConfig(
  sdkLibraryBuild('./index.ts', { formats: ['es'], fileName: () => 'kyso.js' }, { emptyOutDir: true }),
);
