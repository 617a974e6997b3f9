import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crx } from '@crxjs/vite-plugin';
import { build, defineConfig, type Plugin } from 'vite';
import { localeMessages } from './locales.js';
import { managedStorageSchema } from './managed-schema.js';
import manifest from './manifest.config.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Firefox runs MV3 background code from `background.scripts` (Chrome uses `service_worker` and
 * ignores `scripts`), so the built manifest gets both, pointing at the same loader.
 */
function firefoxBackground(outDir: string): Plugin {
  return {
    name: 'kyso-firefox-background',
    apply: 'build',
    enforce: 'post',
    writeBundle() {
      const file = path.join(outDir, 'manifest.json');
      const built = JSON.parse(readFileSync(file, 'utf8')) as {
        background: { service_worker: string; scripts?: string[] };
      };
      built.background = { ...built.background, scripts: [built.background.service_worker] };
      writeFileSync(file, `${JSON.stringify(built, null, 2)}\n`);
    },
  };
}

/** Writes _locales from the TypeScript catalogue (one source for the texts). */
function locales(outDir: string): Plugin {
  return {
    name: 'kyso-locales',
    apply: 'build',
    writeBundle() {
      for (const language of ['vi', 'en'] as const) {
        const dir = path.join(outDir, '_locales', language);
        mkdirSync(dir, { recursive: true });
        writeFileSync(
          path.join(dir, 'messages.json'),
          `${JSON.stringify(localeMessages(language), null, 2)}\n`,
        );
      }
    },
  };
}

/** Writes the manifest's managed_schema from the policy schema the extension reads the policy with. */
function managedSchema(outDir: string): Plugin {
  return {
    name: 'kyso-managed-schema',
    apply: 'build',
    writeBundle() {
      writeFileSync(
        path.join(outDir, 'managed-schema.json'),
        `${JSON.stringify(managedStorageSchema(), null, 2)}\n`,
      );
    },
  };
}

/**
 * pdf.js's CMaps, standard fonts and JPEG 2000 decoder, next to the extension's files. Without the
 * CMaps the consent window draws nothing for text in a CJK font that is not embedded (a predefined
 * CMap such as UniKS-UCS2-H); without the decoder, nothing for a JPEG 2000 image (scans): both are
 * signed all the same. The standard fonts give the 14 base fonts their metrics. Of pdf.js's wasm
 * directory only OpenJPEG's JavaScript build: the pages' CSP has no 'wasm-unsafe-eval', so pdf.js
 * falls back to it (JBIG2 and CCITT have fallbacks inside pdf.js).
 */
function pdfjsData(outDir: string): Plugin {
  return {
    name: 'kyso-pdfjs-data',
    apply: 'build',
    writeBundle() {
      const pdfjs = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
      for (const dir of ['cmaps', 'standard_fonts'])
        cpSync(path.join(pdfjs, dir), path.join(outDir, 'pdfjs', dir), { recursive: true });
      for (const file of ['openjpeg_nowasm_fallback.js', 'LICENSE_OPENJPEG', 'LICENSE_PDFJS_OPENJPEG'])
        cpSync(path.join(pdfjs, 'wasm', file), path.join(outDir, 'pdfjs', 'wasm', file));
    },
  };
}

/**
 * The plugin emulation runs in the page's world, registered at run time per origin: a classic
 * script (no imports), so it is built on its own, as one IIFE, next to the extension's files.
 */
function pluginMainWorld(outDir: string): Plugin {
  return {
    name: 'kyso-plugin-main-world',
    apply: 'build',
    async closeBundle() {
      await build({
        configFile: false,
        logLevel: 'warn',
        build: {
          outDir: path.join(outDir, 'plugins'),
          emptyOutDir: false,
          target: 'es2022',
          minify: true,
          lib: {
            entry: path.join(here, 'src/plugins/main-world.ts'),
            formats: ['iife'],
            name: 'kysoPlugins',
            fileName: () => 'main-world.js',
          },
        },
      });
    },
  };
}

/**
 * The head every extension page shares (consent window, options, plugin prompt), written once:
 * each page's HTML keeps only its own module, which imports the page's stylesheets.
 */
function extensionPageHead(): Plugin {
  return {
    name: 'kyso-extension-page-head',
    transformIndexHtml: {
      order: 'pre',
      handler: () => [
        { tag: 'meta', attrs: { charset: 'utf-8' }, injectTo: 'head-prepend' },
        {
          tag: 'meta',
          attrs: { name: 'viewport', content: 'width=device-width, initial-scale=1' },
          injectTo: 'head-prepend',
        },
        { tag: 'title', children: 'kyso', injectTo: 'head-prepend' },
      ],
    },
  };
}

/**
 * `--mode bench` builds dist/extension-bench, whose consent can be auto-approved for benchmarks.
 * Every other build has __KYSO_BENCH__ = false, so that code is not even in it.
 */
export default defineConfig(({ mode }) => {
  const bench = mode === 'bench';
  const outDir = path.resolve(here, bench ? '../dist/extension-bench' : '../dist/extension');
  return {
    root: here,
    define: { __KYSO_BENCH__: JSON.stringify(bench) },
    plugins: [
      extensionPageHead(),
      crx({ manifest }),
      firefoxBackground(outDir),
      locales(outDir),
      managedSchema(outDir),
      pluginMainWorld(outDir),
      pdfjsData(outDir),
    ],
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      rollupOptions: {
        input: {
          consent: path.join(here, 'src/consent/consent.html'),
          options: path.join(here, 'src/options/options.html'),
          prompt: path.join(here, 'src/plugins/prompt.html'),
          offscreen: path.join(here, 'src/documents/offscreen.html'),
        },
      },
    },
    // The service worker must not request chunks from a dev server: build only.
    server: { strictPort: true },
  };
});
