/**
 * Every JavaScript and TypeScript sample in README.md and docs/*.md, type-checked as a portal (or a
 * portal's server) would compile it: against the built packages (`@kyso/sdk` → dist/sdk,
 * `@kyso/verifier` → dist/verifier) and the verifier's sources, with the repository's strict compiler options. A sample that calls a function
 * that is not there, passes an option that does not exist, or misreads a result fails here.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KYSO_DIR, REPO_ROOT } from '../support/paths.js';

/** What the samples take from the portal's own page or server, not from kyso. */
const PORTAL_PRELUDE = `
declare const file: File;
declare const taxReturn: string;
declare const returnXml: string;
declare const invoiceXml: string;
declare const invoices: Array<{ name: string; xml: string }>;
declare const digest: Uint8Array;
declare const bar: { update(fraction: number): void };
declare function showHelp(problem: string, text: string): void;
declare function enableSignButton(extensionVersion: string): void;
declare function save(index: number, xml: string): void;
declare function report(index: number, code: string): void;
declare function reject(problems: string[]): void;
declare const cms: Uint8Array;
declare const content: Uint8Array;
declare const pdfBytes: Uint8Array;
declare const xmlText: string;
declare const deadlineStart: Date;
declare const deadlineEnd: Date;
declare const body: { cms: string };
declare const bytes: Uint8Array;
declare const detached: Uint8Array | undefined;
`;

interface Sample {
  source: string;
  line: number;
  code: string;
}

function samples(file: string): Sample[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const found: Sample[] = [];
  const fence = /^```(js|ts|javascript|typescript)\n([\s\S]*?)^```$/gm;
  for (const match of text.matchAll(fence)) {
    found.push({ source: file, line: text.slice(0, match.index).split('\n').length, code: match[2]! });
  }
  return found;
}

const docs = [
  'README.md',
  ...readdirSync(path.join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('code samples in the docs', () => {
  const all = docs.flatMap(samples);

  it('are found (README and docs/sdk.md hold the portal samples)', () => {
    expect(all.filter((s) => s.source === 'docs/sdk.md').length).toBeGreaterThanOrEqual(6);
    expect(all.some((s) => s.source === 'README.md' && s.code.includes("from '@kyso/sdk'"))).toBe(true);
  });

  it('type-check against the built SDK and the verifier', () => {
    // Inside the repository, so the samples resolve zod and @types/node as a portal's project would.
    const project = path.join(KYSO_DIR, 'doc-samples');
    rmSync(project, { recursive: true, force: true });
    mkdirSync(path.join(project, 'node_modules/@kyso'), { recursive: true });
    symlinkSync(path.join(REPO_ROOT, 'dist/sdk'), path.join(project, 'node_modules/@kyso/sdk'));
    symlinkSync(path.join(REPO_ROOT, 'dist/verifier'), path.join(project, 'node_modules/@kyso/verifier'));
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(path.join(project, 'portal.d.ts'), PORTAL_PRELUDE);
    const files = all.map((sample, i) => {
      const name = `${sample.source.replace(/[/.]/g, '_')}_line${sample.line}.ts`;
      // The verifier sample imports it as a server next to the repository would.
      const code = sample.code.replaceAll(
        "'./verifier/src/index.js'",
        `'${path.relative(project, path.join(REPO_ROOT, 'verifier/src/index.js'))}'`,
      );
      writeFileSync(path.join(project, name), `${code}\nexport {};\n`);
      return { name, sample, index: i };
    });
    const { compilerOptions } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: Record<string, unknown>;
    };
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { ...compilerOptions, noEmit: true },
        files: ['portal.d.ts', ...files.map((f) => f.name)],
      }),
    );
    let output = '';
    try {
      execFileSync(path.join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', project], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    // Name each failing sample by its place in the docs.
    const named = files.reduce(
      (text, f) => text.replaceAll(f.name, `${f.sample.source}:${f.sample.line}`),
      output,
    );
    expect(named).toBe('');
  });
});
