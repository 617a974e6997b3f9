import { fileURLToPath } from 'node:url';
import type { LibraryOptions, UserConfig } from 'vite';

/** One self-contained file in dist/sdk from `entry` (a file next to this one), minified for pages. */
export function sdkLibraryBuild(
  entry: string,
  lib: Omit<LibraryOptions, 'entry'>,
  options: { emptyOutDir: boolean },
): UserConfig {
  return {
    build: {
      outDir: fileURLToPath(new URL('../../dist/sdk', import.meta.url)),
      emptyOutDir: options.emptyOutDir,
      lib: { entry: fileURLToPath(new URL(entry, import.meta.url)), ...lib },
      target: 'es2022',
      minify: true,
    },
  };
}
