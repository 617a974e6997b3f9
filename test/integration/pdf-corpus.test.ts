/**
 * Real PDFs from other producers (test/fixtures/pdf-corpus, sources in its README), each signed
 * twice through the extension's document path and the real host on the SoftHSM test token (its EC
 * key, as begin-batch / sign-batch carry a PDF's digest): both signatures valid for pdfsig, qpdf --check
 * clean, the same page count and page text as the original — or a typed refusal before the window.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KysoError } from '../../shared/protocol/errors.js';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../shared/version.js';
import {
  hostDocumentSigner,
  signPdfThroughExtension,
  type DocumentSigner,
} from '../support/extension-document-path.js';
import { HostProcess } from '../support/host-process.js';
import { makeNssDb, pdfsig, writePdf } from '../support/pdf-tools.js';
import { copyTestToken, type TestToken } from '../support/token.js';

const CORPUS = new URL('../fixtures/pdf-corpus/', import.meta.url);
const files = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.pdf'))
  .sort();

/** Files the model refuses, and why: each refusal is a reading of the file, checked here. */
const REFUSED: Record<string, { code: string; problem: string }> = {
  // A linearized file cut at 17 KB: its only startxref says 0 and its /Prev (101358) is past the
  // end; poppler reports "Invalid XRef entry" and rebuilds. Nothing designates its objects.
  'pdf-parse-03-invalid.pdf': { code: 'PDF_DAMAGED', problem: 'no-xref' },
};

let dir: string;
let token: TestToken;
let host: HostProcess;
let signer: DocumentSigner;
let nssDb: string;

const pageCount = (file: string) =>
  Number(/^Pages:\s+(\d+)/m.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1]);
const text = (file: string) =>
  execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kyso-corpus-'));
  token = copyTestToken();
  host = new HostProcess(token.env);
  const hello = await host.request('hello', {
    protocolVersion: PROTOCOL_VERSION,
    extensionVersion: KYSO_VERSION,
  });
  if (!hello.ok) throw new Error(JSON.stringify(hello.error));
  const listed = await host.request('list-certificates', {});
  if (!listed.ok) throw new Error(JSON.stringify(listed.error));
  const ec = (listed.result as { certificates: CertificateEntry[] }).certificates.find((c) =>
    c.id.endsWith('/02'),
  )!;
  signer = hostDocumentSigner(host, ec.id, token.pin);
  nssDb = makeNssDb(dir, [token.caPem]);
});
afterAll(async () => {
  await host?.close();
  token?.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('a corpus of real PDFs: signed twice, or refused with a typed error', () => {
  it('holds at least 25 files', () => expect(files.length).toBeGreaterThanOrEqual(25));

  for (const name of files) {
    it(
      name,
      async () => {
        const bytes = new Uint8Array(readFileSync(new URL(name, CORPUS)));
        const original = writePdf(dir, name, bytes);
        let once: Uint8Array;
        try {
          once = (await signPdfThroughExtension(bytes, signer)).signedPdf;
        } catch (error) {
          expect(error).toBeInstanceOf(KysoError);
          expect({ code: (error as KysoError).code, problem: (error as KysoError).details?.problem }).toEqual(
            REFUSED[name],
          );
          return;
        }
        expect(REFUSED[name], `${name} was expected to be refused`).toBeUndefined();
        const twice = (await signPdfThroughExtension(once, signer)).signedPdf;
        const signed = writePdf(dir, `signed-${name}`, twice);

        const report = pdfsig(signed, nssDb);
        expect(report.signatures, report.output).toHaveLength(2);
        for (const signature of report.signatures) expect(signature.valid, report.output).toBe(true);
        const check = spawnSync('qpdf', ['--check', signed], { encoding: 'utf8' });
        // qpdf's status 3 is "warnings": only allowed when the original already has them.
        const originalCheck = spawnSync('qpdf', ['--check', original], { encoding: 'utf8' });
        expect(check.status === 0 || check.status === originalCheck.status, check.stdout + check.stderr).toBe(
          true,
        );
        expect(pageCount(signed)).toBe(pageCount(original));
        expect(text(signed)).toBe(text(original));
      },
      120_000,
    );
  }
});
