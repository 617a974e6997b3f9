/**
 * Encrypted PDFs (owner password only) whose objects sit in object streams: `kyso sign` signs them
 * on the token, and `kyso verify` must read them as readers do, decrypting the object streams
 * (its own pdf-lib load did not decrypt, and could not parse such a file at all). pdfsig judges too.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';
import { makeNssDb, pdfsig } from '../support/pdf-tools.js';
import { copyTestToken, type TestToken } from '../support/token.js';
import { kysoVerifyJson, padesSignArgs } from '../support/verifier-service.js';

const CORPUS_PDF = path.join(REPO_ROOT, 'test/fixtures/pdf-corpus/cups-default.pdf');

describe('kyso verify: encrypted PDFs with object streams', () => {
  let token: TestToken;
  let dir: string;
  let nssDb: string;

  beforeAll(() => {
    token = copyTestToken();
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-verify-encrypted-'));
    nssDb = makeNssDb(dir, [token.caPem]);
  });
  afterAll(() => {
    token.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `kyso sign` with key 01, the PIN on stdin. */
  const sign = (input: string, output: string) =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, padesSignArgs(input, output), {
        env: { ...process.env, ...token.env },
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (status) => resolve({ status, stderr }));
      child.stdin.end(`${token.pin}\n`);
    });

  const verify = (file: string) => kysoVerifyJson(file, token.caPem);

  it.each([
    ['AES-256', ['256']],
    ['AES-128', ['128', '--use-aes=y']],
  ])('%s, objects in object streams: signed, then TOTAL-PASSED; pdfsig agrees', async (name, encryption) => {
    const encrypted = path.join(dir, `${name}.pdf`);
    const qpdf = spawnSync('qpdf', [
      '--object-streams=generate',
      '--encrypt',
      '',
      'owner',
      ...encryption,
      '--',
      CORPUS_PDF,
      encrypted,
    ]);
    expect(qpdf.status, qpdf.stderr.toString()).toBe(0);
    // qpdf itself says the objects are compressed into object streams and the file is encrypted.
    const xref = spawnSync('qpdf', ['--show-xref', encrypted], { encoding: 'utf8' }).stdout;
    expect(xref).toMatch(/compressed; stream = \d+/);
    expect(spawnSync('qpdf', ['--is-encrypted', encrypted]).status).toBe(0);

    const signed = path.join(dir, `${name}-signed.pdf`);
    const signing = await sign(encrypted, signed);
    expect(signing.status, signing.stderr).toBe(0);

    const verified = await verify(signed);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.report?.indication).toBe('TOTAL-PASSED');
    const report = pdfsig(signed, nssDb);
    expect(
      report.signatures.map((s) => s.valid),
      report.output,
    ).toEqual([true]);
  });
});
