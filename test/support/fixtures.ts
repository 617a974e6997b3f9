import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';

/** An XML document from test/fixtures/xml. */
export const xmlFixture = (name: string) =>
  readFileSync(path.join(REPO_ROOT, 'test/fixtures/xml', name), 'utf8');
/** An HTKK 01/GTGT tax return. */
export const HTKK_RETURN = xmlFixture('htkk-01gtgt.xml');
/** A Circular 78 e-invoice. */
export const EINVOICE = xmlFixture('einvoice-gtgt.xml');
