/**
 * Certified PDFs (DocMDP, ISO 32000-1 §12.8.2.2) signed again. `kyso sign` refuses to sign a
 * document certified with "no changes" (P=1) and signs one that allows signatures (P=2), as pdfsig
 * confirms; `kyso verify` fails a P=1 certification followed by an approval signature (made here
 * with kyso's own prepare, its refusal bypassed) and passes P=2 then approved, and P=1 then a
 * document time-stamp.
 */
import { execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PDFArray, PDFDict, PDFName, PDFRef, type PDFObject } from 'pdf-lib';
import { appendIncrementalUpdate, serializePdfObject } from '../../shared/pdf/incremental.js';
import { addDocumentTimestamp } from '../../shared/pdf/long-term.js';
import { openPdfModel } from '../../shared/pdf/model.js';
import { previousXref, signPdf } from '../../shared/pdf/pades.js';
import { makeNssDb, pdfsig } from '../support/pdf-tools.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { makeSoftwareIdentity, padesSignerOf, type SoftwareIdentity } from '../support/software-signer.js';
import { copyTestToken, type TestToken } from '../support/token.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';
import { KYSO_CLI } from '../support/verifier-service.js';

// In this process only (the CLI runs its own): kyso's prepare without the P=1 refusal, to make the
// file the verifier must fail.
vi.mock('../../shared/pdf/docmdp.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../shared/pdf/docmdp.js')>()),
  assertSignable: () => undefined,
}));

const RSA_SIGNER = 'CCCD:001099012345'; // key 01: the certifier
const EC_SIGNER = 'MST:0312345678'; // key 02: the approver

interface Report {
  indication: string;
  signatures: Array<{ indication: string; subIndication?: string; problems: string[]; details: string[] }>;
}

describe('certified PDFs signed again', () => {
  let token: TestToken;
  let tsa: LocalTsa;
  let dir: string;
  let roots: string;
  let nssDb: string;
  let approver: SoftwareIdentity;
  let plain: string;
  let tsaRoot: string;

  beforeAll(async () => {
    token = copyTestToken();
    tsa = await startLocalTsa();
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-certified-'));
    approver = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Người Duyệt');
    // Both CAs: the token's (the certifier, kyso sign) and the software approver's.
    roots = path.join(dir, 'roots');
    mkdirSync(roots);
    copyFileSync(token.caPem, path.join(roots, 'token-ca.pem'));
    copyFileSync(approver.caPem, path.join(roots, 'software-ca.pem'));
    nssDb = makeNssDb(dir, [token.caPem]);
    tsaRoot = file('tsa-ca.der');
    writeFileSync(tsaRoot, tsa.caDer);
    plain = file('cong-van.pdf');
    writeFileSync(plain, await onePagePdf('Cong van so 15'));
  });
  afterAll(async () => {
    await tsa.close();
    token.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string) => path.join(dir, name);

  /** `kyso sign --format pades` with the PIN on stdin (empty: none is typed). */
  const sign = (input: string, output: string, cert: string, extra: string[] = [], pin = token.pin) =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const args = ['sign', '--in', input, '--out', output, '--format', 'pades', '--cert', cert, ...extra];
      const child = spawn(process.execPath, [KYSO_CLI, ...args, '--pin-stdin'], {
        env: { ...process.env, ...token.env },
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (status) => resolve({ status, stderr }));
      child.stdin.end(`${pin}\n`);
    });

  const verify = async (pdf: string) => {
    const args = [
      KYSO_CLI,
      'verify',
      pdf,
      '--roots',
      roots,
      '--tsa-roots',
      tsaRoot,
      '--revocation',
      'off',
      '--json',
    ];
    const result = await promisify(execFile)(process.execPath, args).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    return { ...result, report: JSON.parse(result.stdout) as Report };
  };

  /** A certification by kyso sign with the RSA key and `--certify p`. */
  const certify = async (p: '1' | '2') => {
    const certified = file(`certified-p${p}.pdf`);
    const r = await sign(plain, certified, RSA_SIGNER, ['--certify', p]);
    expect(r.status, r.stderr).toBe(0);
    return certified;
  };

  /**
   * `certified` with one revision rewriting the objects `change` returns (each object changed in
   * the model), then an approval signature over that; kyso verify's answer.
   */
  const changedThenApproved = async (
    certified: Uint8Array,
    name: string,
    change: (model: Awaited<ReturnType<typeof openPdfModel>>) => Array<{ ref: PDFRef; object: PDFObject }>,
  ) => {
    const model = await openPdfModel(certified);
    const updates = change(model).map(({ ref, object }) => ({ ref, body: serializePdfObject(object) }));
    const changed = appendIncrementalUpdate(certified, model.context, updates, previousXref(model)).pdf;
    const approved = file(name);
    writeFileSync(
      approved,
      await signPdf(changed, {}, padesSignerOf({ der: approver.certificateDer, signer: approver.signer })),
    );
    return verify(approved);
  };

  it('certified with P=1: kyso sign refuses another signature with PDF_CERTIFIED before the PIN, and writes nothing', async () => {
    const certified = await certify('1');
    const out = file('p1-approved-by-cli.pdf');
    const r = await sign(certified, out, EC_SIGNER, [], '');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('PDF_CERTIFIED');
    expect(r.stderr).toContain('certified-no-changes');
    expect(r.stderr).not.toContain('Signing with'); // refused before the token was opened
    expect(existsSync(out)).toBe(false);
  });

  it('certified with P=2, then approved by kyso sign: pdfsig finds both valid; kyso verify TOTAL-PASSED', async () => {
    const certified = await certify('2');
    const approved = file('p2-approved.pdf');
    const r = await sign(certified, approved, EC_SIGNER);
    expect(r.status, r.stderr).toBe(0);
    const report = pdfsig(approved, nssDb);
    expect(
      report.signatures.map((s) => s.valid && s.trusted),
      report.output,
    ).toEqual([true, true]);
    const verified = await verify(approved);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.report.signatures.map((s) => s.indication)).toEqual(['TOTAL-PASSED', 'TOTAL-PASSED']);
  });

  it("certified with P=1, then approved (kyso's prepare, refusal bypassed): kyso verify fails the certification, DOCMDP_VIOLATION", async () => {
    const certified = new Uint8Array(readFileSync(await certify('1')));
    const approved = file('p1-approved.pdf');
    writeFileSync(
      approved,
      await signPdf(certified, {}, padesSignerOf({ der: approver.certificateDer, signer: approver.signer })),
    );
    const verified = await verify(approved);
    expect(verified.code).toBe(1);
    expect(verified.report.indication).toBe('TOTAL-FAILED');
    const [certification, approval] = verified.report.signatures;
    expect(certification).toMatchObject({
      indication: 'TOTAL-FAILED',
      subIndication: 'SIG_CONSTRAINTS_FAILURE',
      problems: ['DOCMDP_VIOLATION'],
    });
    expect(certification!.details.join('\n')).toContain('DocMDP P=1');
    expect(approval!.indication).toBe('TOTAL-PASSED'); // the approval's own bytes are sound
  });

  it('certified with P=1, a revision dropping /Perms from the catalog, then approved: still DOCMDP_VIOLATION (read from the signed revision)', async () => {
    const certified = new Uint8Array(readFileSync(await certify('1')));
    const verified = await changedThenApproved(certified, 'p1-perms-dropped-approved.pdf', (model) => {
      const catalogRef = model.context.trailerInfo.Root as PDFRef;
      const catalog = model.context.lookup(catalogRef, PDFDict);
      catalog.delete(PDFName.of('Perms'));
      return [{ ref: catalogRef, object: catalog }];
    });
    expect(verified.code).toBe(1);
    expect(verified.report.signatures[0]!.problems).toEqual(['DOCMDP_VIOLATION']);
  });

  it("certified with P=2, the page's text rewritten, then approved: kyso verify fails the certification, DOCMDP_VIOLATION", async () => {
    const certified = new Uint8Array(readFileSync(await certify('2')));
    const verified = await changedThenApproved(certified, 'p2-page-changed-approved.pdf', (model) => {
      const contents = model.document.getPages()[0]!.node.get(PDFName.of('Contents'));
      const contentsRef = (contents instanceof PDFArray ? contents.get(0) : contents) as PDFRef;
      const forged = model.context.stream('BT /F1 24 Tf 72 700 Td (Cong van so 99) Tj ET');
      return [{ ref: contentsRef, object: forged }];
    });
    expect(verified.code).toBe(1);
    expect(verified.report.indication).toBe('TOTAL-FAILED');
    const [certification, approval] = verified.report.signatures;
    expect(certification).toMatchObject({
      indication: 'TOTAL-FAILED',
      subIndication: 'SIG_CONSTRAINTS_FAILURE',
      problems: ['DOCMDP_VIOLATION'],
    });
    expect(certification!.details.join('\n')).toMatch(/DocMDP P=2.*an object page 1 draws with/);
    expect(approval!.indication).toBe('TOTAL-PASSED'); // the approval signed the changed page as it is
  });

  it("certified with P=2, the page's font swapped (no stream changed), then approved: DOCMDP_VIOLATION", async () => {
    const certified = new Uint8Array(readFileSync(await certify('2')));
    let fontRef: PDFRef | undefined;
    const verified = await changedThenApproved(certified, 'p2-font-changed-approved.pdf', (model) => {
      const fonts = model.document
        .getPages()[0]!
        .node.lookup(PDFName.of('Resources'), PDFDict)
        .lookup(PDFName.of('Font'), PDFDict);
      fontRef = fonts.get(fonts.keys()[0]!) as PDFRef;
      const font = model.context.lookup(fontRef, PDFDict);
      font.set(PDFName.of('BaseFont'), PDFName.of('Symbol')); // the same bytes drawn as Greek letters
      return [{ ref: fontRef, object: font }];
    });
    expect(verified.code).toBe(1);
    expect(verified.report.signatures[0]!.problems).toEqual(['DOCMDP_VIOLATION']);
    expect(verified.report.signatures[0]!.details.join('\n')).toMatch(
      new RegExp(`an object page 1 draws with \\(object ${fontRef!.objectNumber}\\)`),
    );
  });

  it('certified with P=2, the page tree turned upside down (/Rotate 180 the page inherits), then approved: DOCMDP_VIOLATION', async () => {
    const certified = new Uint8Array(readFileSync(await certify('2')));
    const verified = await changedThenApproved(certified, 'p2-rotated-approved.pdf', (model) => {
      const pagesRef = model.document.getPages()[0]!.node.get(PDFName.of('Parent')) as PDFRef;
      const pages = model.context.lookup(pagesRef, PDFDict);
      pages.set(PDFName.of('Rotate'), model.context.obj(180));
      return [{ ref: pagesRef, object: pages }];
    });
    expect(verified.code).toBe(1);
    expect(verified.report.signatures[0]!.problems).toEqual(['DOCMDP_VIOLATION']);
    expect(verified.report.signatures[0]!.details.join('\n')).toContain(
      'the page tree above page 1 was changed',
    );
  });

  it('certified with P=1, then a document time-stamp (validation data, allowed at every P): TOTAL-PASSED', async () => {
    const certified = new Uint8Array(readFileSync(await certify('1')));
    const stamped = file('p1-timestamped.pdf');
    writeFileSync(stamped, await addDocumentTimestamp(certified, tsa.url));
    const verified = await verify(stamped);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.report.signatures.map((s) => s.problems)).toEqual([[], []]);
  });
});
