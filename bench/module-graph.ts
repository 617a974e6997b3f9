/**
 * The modules a built extension script loads: statically (parsed before it runs) and through
 * import() (only when that code runs). Read with es-module-lexer, the lexer Vite itself uses.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { init, parse } from 'es-module-lexer';

export interface ModuleGraph {
  /** The entry and every module it imports statically, transitively. */
  files: string[];
  /** Modules named by an import() in those files. */
  dynamic: string[];
  /** The static files' total size. */
  bytes: number;
}

/** `root`: the extension's directory, for absolute specifiers ("/assets/x.js"). */
export async function staticModuleGraph(entry: string, root: string): Promise<ModuleGraph> {
  await init;
  const files: string[] = [];
  const dynamic: string[] = [];
  const visit = (file: string) => {
    if (files.includes(file)) return;
    files.push(file);
    const source = readFileSync(file, 'utf8');
    const [imports] = parse(source, file);
    for (const specifier of imports) {
      // The bundler writes import(`./x.js`): a template literal without substitutions, its text is the name.
      const name = specifier.n ?? /^`([^`$]+)`$/.exec(source.slice(specifier.s, specifier.e))?.[1];
      if (!name?.startsWith('.') && !name?.startsWith('/')) continue;
      const target = name.startsWith('/') ? path.join(root, name) : path.resolve(path.dirname(file), name);
      // d === -1: a static import; d >= 0: import(); d === -2: import.meta.
      if (specifier.d === -1) visit(target);
      else if (specifier.d >= 0 && !dynamic.includes(target)) dynamic.push(target);
    }
  };
  visit(entry);
  return { files, dynamic, bytes: files.reduce((sum, f) => sum + statSync(f).size, 0) };
}

/** The background entry the built manifest names (Chromium's service worker; Firefox's background script). */
export function backgroundEntry(extensionDir: string): string {
  const manifest = JSON.parse(readFileSync(path.join(extensionDir, 'manifest.json'), 'utf8')) as {
    background: { service_worker: string };
  };
  return path.join(extensionDir, manifest.background.service_worker);
}
