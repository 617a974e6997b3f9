/**
 * The built extension's background entry (what Chromium parses when its service worker wakes) holds
 * no document code: pdf-lib, the XML signature code and the certificate reader are reached only
 * through the offscreen document (Chromium) or a dynamic import (Firefox). Run after
 * `npm run build:extension`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { init, parse } from 'es-module-lexer';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXTENSION_DIST } from '../support/paths.js';

/** Strings only the document code carries (each checked to be in the preparer's graph below). */
const DOCUMENT_CODE_MARKERS = {
  'pdf-lib': 'pdf-lib',
  'PAdES byte range': '/ByteRange',
  'XMLDSig namespace': 'http://www.w3.org/2000/09/xmldsig#',
  pkijs: 'pkijs',
};

/** A module and every module it imports statically, transitively (dynamic import() excluded). */
function staticGraph(entry: string): { files: string[]; dynamic: string[] } {
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
      const target = name.startsWith('/')
        ? path.join(EXTENSION_DIST, name)
        : path.resolve(path.dirname(file), name);
      // d === -1: a static import; d >= 0: import(); d === -2: import.meta.
      if (specifier.d === -1) visit(target);
      else if (specifier.d >= 0) dynamic.push(target);
    }
  };
  visit(entry);
  return { files, dynamic };
}

const markersIn = (files: string[]) => {
  const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
  return Object.entries(DOCUMENT_CODE_MARKERS)
    .filter(([, marker]) => text.includes(marker))
    .map(([name]) => name);
};

describe('the background entry of the built extension', () => {
  let manifest: { background: { service_worker: string; scripts?: string[] }; permissions: string[] };
  beforeAll(async () => {
    await init;
    manifest = JSON.parse(readFileSync(path.join(EXTENSION_DIST, 'manifest.json'), 'utf8'));
  });

  it('imports no document code statically, and reaches it only through import()', () => {
    const entry = path.join(EXTENSION_DIST, manifest.background.service_worker);
    const worker = staticGraph(entry);
    expect(worker.files.length).toBeGreaterThan(1); // the loader and the background itself
    expect(markersIn(worker.files)).toEqual([]);
    // Firefox's event page loads the preparer on demand: the dynamic import leads to the document code.
    const onDemand = worker.dynamic.flatMap((file) => staticGraph(file).files);
    expect(markersIn(onDemand)).toEqual(Object.keys(DOCUMENT_CODE_MARKERS));
    // Firefox uses the same entry (background.scripts).
    expect(manifest.background.scripts).toEqual([manifest.background.service_worker]);
  });

  it("the offscreen document's scripts carry the document code (the markers are real)", () => {
    expect(manifest.permissions).toContain('offscreen');
    const html = readFileSync(path.join(EXTENSION_DIST, 'src/documents/offscreen.html'), 'utf8');
    const scripts = [...html.matchAll(/<script type="module"[^>]* src="([^"]+)"/g)].map((m) =>
      path.join(EXTENSION_DIST, m[1]!),
    );
    expect(scripts).toHaveLength(1);
    expect(markersIn(staticGraph(scripts[0]!).files)).toEqual(Object.keys(DOCUMENT_CODE_MARKERS));
  });
});
