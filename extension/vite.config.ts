import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crx } from '@crxjs/vite-plugin';
import { defineConfig, type Plugin } from 'vite';
import manifest from './manifest.config.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.resolve(here, '../dist/extension');

/**
 * Firefox runs MV3 background code from `background.scripts` (Chrome uses `service_worker` and
 * ignores `scripts`), so the built manifest gets both, pointing at the same loader.
 */
function firefoxBackground(): Plugin {
  return {
    name: 'kyso-firefox-background',
    apply: 'build',
    enforce: 'post',
    writeBundle() {
      const file = path.join(outDir, 'manifest.json');
      const built = JSON.parse(readFileSync(file, 'utf8'));
      built.background = { ...built.background, scripts: [built.background.service_worker] };
      writeFileSync(file, `${JSON.stringify(built, null, 2)}\n`);
    },
  };
}

export default defineConfig({
  root: here,
  plugins: [crx({ manifest }), firefoxBackground()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { consent: path.join(here, 'src/consent/consent.html') } },
  },
  // The service worker must not request chunks from a dev server: build only.
  server: { strictPort: true },
});
