/**
 * The built extension's background entry (what Chromium parses when its service worker wakes) holds
 * no document code: pdf-lib, the XML signature code and the certificate reader are reached only
 * through the offscreen document (Chromium) or a dynamic import (Firefox). Run after
 * `npm run build:extension`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { backgroundEntry, staticModuleGraph } from '../../bench/module-graph.js';
import { EXTENSION_DIST } from '../support/paths.js';

/** Strings only the document code carries (each checked to be in the preparer's graph below). */
const DOCUMENT_CODE_MARKERS = {
  'pdf-lib': 'pdf-lib',
  'PAdES byte range': '/ByteRange',
  'XMLDSig namespace': 'http://www.w3.org/2000/09/xmldsig#',
  // the certificate reader (shared/certificate/profile.ts), through its DER reader's own message
  'certificate reader': 'unsupported length',
};

const markersIn = (files: string[]) => {
  const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
  return Object.entries(DOCUMENT_CODE_MARKERS)
    .filter(([, marker]) => text.includes(marker))
    .map(([name]) => name);
};

describe('the background entry of the built extension', () => {
  let manifest: { background: { service_worker: string; scripts?: string[] }; permissions: string[] };
  beforeAll(() => {
    manifest = JSON.parse(readFileSync(path.join(EXTENSION_DIST, 'manifest.json'), 'utf8'));
  });

  it('imports no document code statically, and reaches it only through import()', async () => {
    const worker = await staticModuleGraph(backgroundEntry(EXTENSION_DIST), EXTENSION_DIST);
    expect(worker.files.length).toBeGreaterThan(1); // the loader and the background itself
    expect(markersIn(worker.files)).toEqual([]);
    // Firefox's event page loads the preparer on demand: the dynamic import leads to the document code.
    const onDemand = (
      await Promise.all(worker.dynamic.map((file) => staticModuleGraph(file, EXTENSION_DIST)))
    ).flatMap((graph) => graph.files);
    expect(markersIn(onDemand)).toEqual(Object.keys(DOCUMENT_CODE_MARKERS));
    // Firefox uses the same entry (background.scripts).
    expect(manifest.background.scripts).toEqual([manifest.background.service_worker]);
  });

  it("the offscreen document's scripts carry the document code (the markers are real)", async () => {
    expect(manifest.permissions).toContain('offscreen');
    const html = readFileSync(path.join(EXTENSION_DIST, 'src/documents/offscreen.html'), 'utf8');
    const scripts = [...html.matchAll(/<script type="module"[^>]* src="([^"]+)"/g)].map((m) =>
      path.join(EXTENSION_DIST, m[1]!),
    );
    expect(scripts).toHaveLength(1);
    const offscreen = await staticModuleGraph(scripts[0]!, EXTENSION_DIST);
    expect(markersIn(offscreen.files)).toEqual(Object.keys(DOCUMENT_CODE_MARKERS));
  });
});
