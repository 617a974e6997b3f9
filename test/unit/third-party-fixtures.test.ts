/**
 * The vendors' plugin scripts under test/fixtures/third_party/plugins are what kyso's compatibility is
 * judged against, so they must stay byte for byte what their sources publish: each README states every
 * script's sha256 (as `first 8 hex…last hex`), and a formatter or an edit that changes a byte is caught
 * here rather than passing for the vendor's code. So must the signed PDFs under
 * test/fixtures/third_party/signed-pdfs, whose README states each one's size and full sha256.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const PLUGINS = path.join(import.meta.dirname, '../fixtures/third_party/plugins');

/** Every script of every vendor folder, with its folder's README. */
const scripts = readdirSync(PLUGINS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((vendor) => {
    const folder = path.join(PLUGINS, vendor.name);
    const readme = readFileSync(path.join(folder, 'README.md'), 'utf8');
    return readdirSync(folder)
      .filter((name) => name.endsWith('.js'))
      .map((name) => ({ name: `${vendor.name}/${name}`, file: path.join(folder, name), readme }));
  });

/** The abbreviated hashes a README states: `8132e435…a3acd`. */
const statedHashes = (readme: string) =>
  [...readme.matchAll(/([0-9a-f]{8})…([0-9a-f]{5,})/g)].map(([, head, tail]) => ({
    head: head!,
    tail: tail!,
  }));

describe('third-party plugin scripts are the unmodified copies their READMEs describe', () => {
  it('there are scripts to check', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(7);
  });
  it.each(scripts)('$name has the sha256 its README states', ({ file, readme }) => {
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    const stated = statedHashes(readme).find(({ head }) => sha256.startsWith(head));
    expect(stated, `${sha256} is not among ${JSON.stringify(statedHashes(readme))}`).toBeDefined();
    expect(sha256.endsWith(stated!.tail)).toBe(true);
  });
});

const SIGNED_PDFS = path.join(import.meta.dirname, '../fixtures/third_party/signed-pdfs');

describe('signed PDFs from other software are the unmodified copies their README describes', () => {
  const readme = readFileSync(path.join(SIGNED_PDFS, 'README.md'), 'utf8');
  const pdfs = readdirSync(SIGNED_PDFS).filter((name) => name.endsWith('.pdf'));
  it('there are files to check', () => {
    expect(pdfs.length).toBeGreaterThanOrEqual(7);
  });
  it.each(pdfs)('%s has the size and sha256 its README row states', (name) => {
    const bytes = readFileSync(path.join(SIGNED_PDFS, name));
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\` `));
    expect(row, `no README row for ${name}`).toBeDefined();
    const [size, sha256] = row!
      .split('|')
      .slice(-3, -1)
      .map((cell) => cell.trim());
    expect(Number(size!.replaceAll(',', ''))).toBe(bytes.length);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);
  });
});
