/**
 * kyso's own windows say what went wrong in elements named `error` or `…-problem`: each is an alert
 * (role="alert"), so a screen reader reads it out when it appears, not only a sighted user sees it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SOURCES = path.join(import.meta.dirname, '../../extension/src');
const windows = readdirSync(SOURCES, { recursive: true, encoding: 'utf8' }).filter((f) =>
  f.endsWith('.html'),
);

describe("problems in kyso's windows are announced", () => {
  it.each(windows)('%s', (file) => {
    const html = readFileSync(path.join(SOURCES, file), 'utf8');
    const problems = [...html.matchAll(/<[a-z]+\s[^>]*\bid="((?:[a-z-]+-)?(?:error|problem))"[^>]*>/g)];
    for (const [element, id] of problems) expect(element, id).toMatch(/\srole="alert"/);
  });

  it('the consent window has its three: a page not drawn, a document not shown, a failure', () => {
    const html = readFileSync(path.join(SOURCES, 'consent/consent.html'), 'utf8');
    const ids = [...html.matchAll(/\bid="((?:[a-z-]+-)?(?:error|problem))"/g)].map((m) => m[1]);
    expect(ids.sort()).toEqual(['content-problem', 'error', 'page-problem']);
  });
});
