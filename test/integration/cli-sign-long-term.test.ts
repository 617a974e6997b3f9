/**
 * `kyso sign --level B-LTA` with a SoftHSM token and the local TSA: the signature, then a DSS and a
 * document time-stamp appended by the CLI; `kyso verify` reads it back (the test token's
 * certificates name no OCSP/CRL, so the DSS holds the chain only and revocation is a warning); a
 * signer from the local revocation CA gets its CA (caIssuers) and an OCSP answer in the DSS.
 */
import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToBase64 } from '../../shared/encoding.js';
import { readDss } from '../../shared/pdf/long-term.js';
import { REPO_ROOT } from '../support/paths.js';
import { makeNssDb } from '../support/pdf-tools.js';
import { startRevocationCa, type RevocationCa } from '../support/revocation-ca.js';
import { copyTestToken, importIntoToken, type TestToken } from '../support/token.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';

const KYSO = path.join(REPO_ROOT, 'native-host/bin/kyso.js');

describe('kyso sign --level B-LT / B-LTA', () => {
  let token: TestToken;
  let tsa: LocalTsa;
  let ca: RevocationCa;
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    token = copyTestToken();
    [tsa, ca] = await Promise.all([startLocalTsa(), startRevocationCa()]);
    // A signer whose CA is on neither the token nor the command line: only its caIssuers address gives it.
    const signer = ca.issue('/C=VN/CN=Lê Thị Lưu Trữ/UID=CCCD:001199000777');
    importIntoToken(token, '06', signer.keyPath, signer.der);
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-cli-long-term-'));
    const doc = await PDFDocument.create();
    doc.addPage([595, 842]);
    writeFileSync(file('in.pdf'), await doc.save());
  });
  afterAll(async () => {
    await Promise.all([tsa.close(), ca.close()]);
    token.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Without blocking this process: the local TSA answers from here. */
  const run = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [KYSO, ...args], { env: { ...process.env, ...token.env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
      child.stdin.end(`${token.pin}\n`);
    });

  /** `kyso sign` of in.pdf as PAdES at `level` into `out`, time-stamped by the local TSA unless `withTsa` is false. */
  const signPades = (out: string, level: 'B-LT' | 'B-LTA', cert: string, withTsa = true) =>
    run([
      'sign',
      '--in',
      file('in.pdf'),
      '--out',
      file(out),
      '--format',
      'pades',
      '--level',
      level,
      ...(withTsa ? ['--tsa', tsa.url] : []),
      '--cert',
      cert,
      '--pin-stdin',
    ]);

  it('B-LTA: signature, DSS, document time-stamp; pdfsig and kyso verify accept it; B-LT without --tsa is refused', async () => {
    const signed = await signPades('lta.pdf', 'B-LTA', 'CCCD:001099012345');
    expect(signed.status, signed.stderr).toBe(0);
    // No revocation evidence could be had here (the test token's certificates name no OCSP/CRL and
    // no caIssuers): the user is told for which certificates, and the file is signed.
    expect(signed.stderr).toMatch(
      /^Cảnh báo \/ Warning: no revocation evidence for .*CCCD:001099012345: .+$/m,
    );
    expect(signed.stderr).toMatch(
      /^Cảnh báo \/ Warning: no revocation evidence for .*Time-Stamping Authority: names no OCSP responder or CRL$/m,
    );
    const pdf = readFileSync(file('lta.pdf'));
    const dss = await readDss(pdf);
    expect(dss.certificates.length).toBeGreaterThanOrEqual(2); // signer (and its CA) and the TSA
    const verified = await run([
      'verify',
      file('lta.pdf'),
      '--roots',
      token.caPem,
      '--tsa-roots',
      tsa.caPemPath,
      '--json',
    ]);
    expect(verified.status, verified.stdout + verified.stderr).toBe(0);
    const report = JSON.parse(verified.stdout) as {
      indication: string;
      signatures: Array<{ kind: string; level?: string; indication: string }>;
    };
    expect(report.indication).toBe('TOTAL-PASSED');
    expect(report.signatures.map((s) => [s.kind, s.level ?? null])).toEqual([
      ['signature', 'B-LTA'],
      ['document-timestamp', null],
    ]);
    // Read as a person reads it: by when the archive must be stamped again.
    const read = await run(['verify', file('lta.pdf'), '--roots', token.caPem, '--tsa-roots', tsa.caPemPath]);
    const tsaExpiry = new Date(new X509Certificate(tsa.tsaCertDer).validTo).toISOString();
    expect(read.stdout).toContain(
      `   renew before: ${tsaExpiry} (the TSA's certificate expires: kyso verify --extend B-LTA)`,
    );
    const nss = makeNssDb(dir, [token.caPem]);
    const { stdout } = await promisify(execFile)(
      'pdfsig',
      ['-no-ocsp', '-nssdir', `sql:${nss}`, file('lta.pdf')],
      { encoding: 'utf8' },
    );
    expect(stdout.split(/^Signature #\d+:$/m)[1]).toMatch(/Signature Validation: Signature is Valid\./);

    const noTsa = await signPades('lt.pdf', 'B-LT', 'CCCD:001099012345', false);
    expect(noTsa.status).toBe(2); // a usage problem, before the PIN
    expect(noTsa.stderr).toMatch(/B-LT needs --tsa/);
  }, 120_000);

  it('B-LTA whose document time-stamp is larger than its place in the PDF: TIMESTAMP_FAILED, not INTERNAL, nothing written', async () => {
    // The signature's time-stamp as usual, then a token over the 15 KiB DOCUMENT_TIMESTAMP_CONTENTS_BYTES.
    tsa.behave({ kind: 'large-token', extraBytes: 16 * 1024, afterGranting: 1 });
    const requests = tsa.requests;
    try {
      const signed = await signPades('lta-large.pdf', 'B-LTA', 'CCCD:001099012345');
      expect(tsa.requests).toBe(requests + 2);
      expect(signed.status).toBe(1);
      expect(signed.stderr).toMatch(
        /^Không lấy được dấu thời gian .* \/ the time-stamp token is too large \(\d+ bytes\) \(TIMESTAMP_FAILED\) \{"reason":"tsa-token-too-large","tokenBytes":\d+\}$/m,
      );
      expect(signed.stderr).not.toMatch(/INTERNAL|placeholder/);
      expect(existsSync(file('lta-large.pdf'))).toBe(false);
    } finally {
      tsa.behave({ kind: 'grant' });
    }
  }, 120_000);

  it("B-LT: the signer's CA, not on the token, is fetched from its caIssuers address, and its OCSP answer is in the DSS", async () => {
    const servedBefore = ca.served.ocsp;
    const signed = await signPades('lt-ca.pdf', 'B-LT', 'CCCD:001199000777');
    expect(signed.status, signed.stderr).toBe(0);
    // Only the TSA (whose certificates name no OCSP/CRL) lacks evidence now.
    expect(signed.stderr).not.toMatch(/no revocation evidence for .*Lưu Trữ/);
    expect(signed.stderr).toMatch(/no revocation evidence for .*Time-Stamping Authority/);
    const dss = await readDss(readFileSync(file('lt-ca.pdf')));
    expect(dss.certificates.map(bytesToBase64)).toContain(bytesToBase64(ca.caDer));
    expect(dss.ocsps).toHaveLength(1);
    expect(ca.served.ocsp).toBe(servedBefore + 1);
  }, 120_000);
});
