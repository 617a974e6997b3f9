/**
 * `kyso sign` for PDFs and XML, against a SoftHSM token, judged by pdfsig, pdftotext/pdftoppm and
 * xmlsec1: what a tax filer does with the file their desktop software wrote.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument, PDFName, PDFString, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorMessage } from '../../shared/protocol/errors.js';
import { REPO_ROOT } from '../support/paths.js';
import { differentialPdfs } from '../support/pdf-builder.js';
import { blueSignaturePng } from '../support/pdf-images.js';
import { makeNssDb, pdfsig, pdftotext, verifyPdfSignatureCms } from '../support/pdf-tools.js';
import { countPixels, isBlue, renderPage } from '../support/pdf-raster.js';
import {
  REAL_EINVOICE_CODED,
  REAL_EINVOICES_SIGNED,
  REAL_EINVOICES_UNSIGNED,
  REAL_HTKK,
  REAL_HTKK_NAMES_AFTER_HEADER,
} from '../support/fixtures.js';
import { copyTestToken, type TestToken } from '../support/token.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';
import { kysoVerifyJson } from '../support/verifier-service.js';
import { xmlsecSignatureIntact, xmlsecVerify } from '../support/xmlsec.js';

const KYSO = path.join(REPO_ROOT, 'native-host/bin/kyso.js');
const HTKK = readFileSync(new URL('../fixtures/xml/htkk-01gtgt.xml', import.meta.url), 'utf8');
const EINVOICE = readFileSync(new URL('../fixtures/xml/einvoice-gtgt.xml', import.meta.url), 'utf8');
const RSA_SIGNER = 'CCCD:001099012345'; // key 01
const EC_SIGNER = 'MST:0312345678'; // key 02

describe('kyso sign: PDF and XML', () => {
  let token: TestToken;
  let tsa: LocalTsa;
  let dir: string;
  let nssDb: string;
  let pdf: string;

  beforeAll(async () => {
    token = copyTestToken();
    tsa = await startLocalTsa();
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-cli-formats-'));
    nssDb = makeNssDb(dir, [token.caPem]);
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    for (const text of ['To khai', 'Phu luc'])
      doc.addPage([595, 842]).drawText(text, { x: 72, y: 500, size: 14, font });
    pdf = path.join(dir, 'to-khai.pdf');
    writeFileSync(pdf, await doc.save());
  });
  afterAll(async () => {
    await tsa.close();
    token.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the CLI without blocking this process: the local TSA answers from here. */
  const run = (options: Record<string, string | true>, pin = token.pin) =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      // Each option a flag with its argument (true: a flag alone), as `kyso sign --help` lists them.
      const args = Object.entries(options).flatMap(([name, value]) =>
        value === true ? [`--${name}`] : [`--${name}`, value],
      );
      const child = spawn(process.execPath, [KYSO, 'sign', ...args, '--pin-stdin'], {
        env: { ...process.env, ...token.env },
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (status) => resolve({ status, stderr }));
      child.stdin.end(`${pin}\n`);
    });
  const file = (name: string) => path.join(dir, name);
  /** pdfsig finds one signature, valid, and qpdf finds the file sound. */
  const expectOneValidSignature = (signed: string) => {
    const report = pdfsig(signed, nssDb);
    expect(
      report.signatures.map((s) => s.valid),
      report.output,
    ).toEqual([true]);
    expect(spawnSync('qpdf', ['--check', signed]).status).toBe(0);
  };
  /** A document the CLI must refuse before asking for the PIN (none is typed). */
  const signWithoutPin = (input: string, format: 'pades' | 'xml-htkk') =>
    run({ in: input, out: file(format === 'pades' ? 'x.pdf' : 'x.xml'), format, cert: RSA_SIGNER }, '');

  it('PAdES B-T with the Decree 30 text stamp, then a second signature with an image: pdfsig accepts both', async () => {
    const stamped = file('stamped.pdf');
    const r1 = await run({
      in: pdf,
      out: stamped,
      format: 'pades',
      level: 'B-T',
      tsa: tsa.url,
      cert: RSA_SIGNER,
      stamp: 'Số: 15/TB-CT',
      reason: 'Nộp tờ khai',
    });
    expect(r1.status, r1.stderr).toBe(0);
    const once = pdfsig(stamped, nssDb);
    expect(once.signatures, once.output).toHaveLength(1);
    expect(once.signatures[0]!.valid && once.signatures[0]!.trusted, once.output).toBe(true);
    expect(pdftotext(stamped)).toContain('Số: 15/TB-CT');
    const verified = await verifyPdfSignatureCms(readFileSync(stamped), {
      timestampRoots: [new Uint8Array(tsa.caDer)],
    });
    expect(verified.timestamp).toMatchObject({ present: true, valid: true });

    const image = file('chu-ky.png');
    writeFileSync(image, blueSignaturePng());
    const twice = file('twice.pdf');
    const rect = { x: 340, y: 90, width: 200, height: 80 };
    const r2 = await run({
      in: stamped,
      out: twice,
      format: 'pades',
      cert: EC_SIGNER,
      image,
      rect: `${rect.x}, ${rect.y}, ${rect.width}, ${rect.height}`,
      page: '2',
    });
    expect(r2.status, r2.stderr).toBe(0);
    const report = pdfsig(twice, nssDb);
    expect(report.signatures, report.output).toHaveLength(2);
    for (const s of report.signatures) expect(s.valid && s.trusted, report.output).toBe(true);
    expect(countPixels(renderPage(twice, 2), rect, isBlue)).toBeGreaterThan(200);

    const tampered = new Uint8Array(readFileSync(twice));
    tampered[7] = tampered[7] === 0x37 ? 0x36 : 0x37;
    writeFileSync(file('tampered.pdf'), tampered);
    expect(pdfsig(file('tampered.pdf'), nssDb).signatures.every((s) => !s.valid)).toBe(true);
  });

  it('B-T without --tsa, a file that is not a PDF, and a wrong PIN: refused, nothing written', async () => {
    const out = file('none.pdf');
    const noTsa = await run({ in: pdf, out, format: 'pades', level: 'B-T', cert: RSA_SIGNER });
    // A usage problem (exit 2), its first line naming what is missing.
    expect(noTsa.status).toBe(2);
    expect(noTsa.stderr.split('\n')[0]).toContain('--level B-T needs --tsa');
    writeFileSync(file('to-khai.txt'), 'not a PDF');
    const notPdf = await run({ in: file('to-khai.txt'), out, format: 'pades', cert: RSA_SIGNER });
    expect(notPdf.status).toBe(1);
    const wrongPin = await run({ in: pdf, out, format: 'pades', cert: RSA_SIGNER }, '000000');
    expect(wrongPin.status).toBe(1);
    expect(wrongPin.stderr).toContain('PIN_INCORRECT');
    expect(existsSync(out)).toBe(false);
  });

  it('--image/--seal missing, a folder, or not an image: BAD_REQUEST naming the option and file before the PIN, nothing written', async () => {
    const out = file('no-image.pdf');
    writeFileSync(file('chu-ky.png'), 'not a PNG');
    const refusals: Array<[Record<string, string>, string]> = [
      [{ image: file('khong-co.png') }, `cannot read ${file('khong-co.png')}`],
      [{ seal: dir }, `cannot read ${dir}`],
      [
        { image: file('chu-ky.png') },
        `--image ${file('chu-ky.png')}: signature and seal images must be PNG or JPEG`,
      ],
    ];
    for (const [images, problem] of refusals) {
      // No PIN typed: the refusal must come before it is asked.
      const r = await run(
        { in: pdf, out, format: 'pades', cert: RSA_SIGNER, rect: '340,90,200,80', ...images },
        '',
      );
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.trim()).toBe(`${errorMessage('BAD_REQUEST', 'vi')} / ${problem} (BAD_REQUEST)`);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('--rect with an empty, zero or off-page side is refused as usage (exit 2), not signed as an image nobody sees', async () => {
    const out = file('no-rect.pdf');
    writeFileSync(file('chu-ky-that.png'), blueSignaturePng());
    for (const rect of ['340,90,,80', '340,90,200,0', '340,90,20000,80']) {
      const r = await run(
        { in: pdf, out, format: 'pades', cert: RSA_SIGNER, image: file('chu-ky-that.png'), rect },
        '',
      );
      expect(r.status, `${rect}: ${r.stderr}`).toBe(2);
      expect(r.stderr, rect).toContain('--rect x,y,w,h');
    }
    expect(existsSync(out)).toBe(false);
  });

  /** qpdf's JSON of every object (qpdf 11, --json=2): an independent reading of the structure. */
  function qpdfObjects(pdfFile: string): Record<string, { value: Record<string, unknown> }> {
    const json = JSON.parse(
      execFileSync('qpdf', ['--json=2', '--json-key=qpdf', pdfFile], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      }),
    );
    return json.qpdf[1];
  }

  it('--certify 2: a DocMDP certification qpdf reads (catalog /Perms, /Reference with /P 2) and pdfsig accepts; a signed PDF cannot be certified', async () => {
    const certified = file('certified.pdf');
    const r = await run({ in: pdf, out: certified, format: 'pades', cert: RSA_SIGNER, certify: '2' });
    expect(r.status, r.stderr).toBe(0);
    const objects = qpdfObjects(certified);
    const root = (objects.trailer!.value as { '/Root': string })['/Root'];
    const perms = (objects[`obj:${root}`]!.value as { '/Perms': { '/DocMDP': string } })['/Perms'];
    const signature = objects[`obj:${perms['/DocMDP']}`]!.value as {
      '/Type': string;
      '/Reference': Array<{ '/TransformMethod': string; '/TransformParams': { '/P': number } }>;
    };
    expect(signature['/Type']).toBe('/Sig');
    expect(signature['/Reference'][0]!['/TransformMethod']).toBe('/DocMDP');
    expect(signature['/Reference'][0]!['/TransformParams']['/P']).toBe(2);
    expectOneValidSignature(certified);

    const again = await run({
      in: certified,
      out: file('certified-twice.pdf'),
      format: 'pades',
      cert: RSA_SIGNER,
      certify: '1',
    });
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('certify-after-signature');
  });

  it('bad documents get typed, translated refusals before the PIN: ambiguous, encrypted, damaged, too large; owner-password-only PDFs sign; warnings are printed', async () => {
    const hostile = file('revert.pdf');
    writeFileSync(hostile, differentialPdfs().find((p) => p.name === 'revert-xref')!.bytes);
    const ambiguous = await signWithoutPin(hostile, 'pades');
    expect(ambiguous.status).toBe(1);
    expect(ambiguous.stderr).toContain('PDF_AMBIGUOUS');
    expect(ambiguous.stderr).toContain(errorMessage('PDF_AMBIGUOUS', 'vi'));

    const encrypted = file('encrypted.pdf');
    execFileSync('qpdf', ['--encrypt', 'u', 'o', '256', '--', pdf, encrypted]);
    const locked = await signWithoutPin(encrypted, 'pades');
    expect(locked.stderr).toContain('PDF_ENCRYPTED');
    expect(locked.stderr).toContain(errorMessage('PDF_ENCRYPTED', 'vi'));
    expect(locked.stderr).not.toContain('ignoreEncryption');

    // A damaged file from another producer (test/fixtures/pdf-corpus): typed, never pdf-lib's words.
    const damaged = await signWithoutPin(
      new URL('../fixtures/pdf-corpus/pdf-parse-03-invalid.pdf', import.meta.url).pathname,
      'pades',
    );
    expect(damaged.status).toBe(1);
    expect(damaged.stderr).toContain('PDF_DAMAGED');
    expect(damaged.stderr).toContain(errorMessage('PDF_DAMAGED', 'vi'));
    expect(damaged.stderr).not.toMatch(/Expected instance|PDFDict|pdf-lib/);

    // An owner password only (readers open it without asking): signed, and pdfsig accepts it.
    const ownerOnly = file('owner-only.pdf');
    execFileSync('qpdf', ['--encrypt', '', 'chu-so-huu', '256', '--modify=none', '--', pdf, ownerOnly]);
    const ownerSigned = file('owner-only-signed.pdf');
    const owner = await run({ in: ownerOnly, out: ownerSigned, format: 'pades', cert: RSA_SIGNER });
    expect(owner.status, owner.stderr).toBe(0);
    expectOneValidSignature(ownerSigned);

    const huge = file('huge.pdf');
    writeFileSync(huge, '%PDF-1.7\n');
    truncateSync(huge, 17 * 1024 * 1024);
    const tooLarge = await signWithoutPin(huge, 'pades');
    expect(tooLarge.stderr).toContain('DOCUMENT_TOO_LARGE');
    expect(tooLarge.stderr).toContain('16 MiB');

    // A stamp its font cannot draw (a Chinese name): BAD_REQUEST naming the characters, not after the PIN.
    const undrawable = await run(
      { in: pdf, out: file('x.pdf'), format: 'pades', cert: RSA_SIGNER, stamp: 'Người ký: 王小明' },
      '',
    );
    expect(undrawable.status).toBe(1);
    expect(undrawable.stderr).toContain('BAD_REQUEST');
    expect(undrawable.stderr).toContain('U+738B U+5C0F U+660E');

    const doctype = file('doctype.xml');
    writeFileSync(doctype, HTKK.replace('<HSoThueDTu', '<!DOCTYPE HSoThueDTu>\n<HSoThueDTu'));
    const dtd = await signWithoutPin(doctype, 'xml-htkk');
    expect(dtd.stderr).toContain('XML_NOT_ACCEPTED');
    expect(dtd.stderr).toContain('DOCTYPE_NOT_ALLOWED');

    const withJs = file('js.pdf');
    const doc = await PDFDocument.load(readFileSync(pdf));
    doc.catalog.set(
      PDFName.of('OpenAction'),
      doc.context.obj({ S: 'JavaScript', JS: PDFString.of('app.alert(1)') }),
    );
    writeFileSync(withJs, await doc.save());
    const warned = await run({ in: withJs, out: file('js-signed.pdf'), format: 'pades', cert: RSA_SIGNER });
    expect(warned.status, warned.stderr).toBe(0);
    expect(warned.stderr).toContain('pdf-javascript');
  });

  const xmlsec = (xmlFile: string) =>
    xmlsecVerify(dir, readFileSync(xmlFile), token.caPem, `verified-${path.basename(xmlFile)}`);

  it('an HTKK tax return (RSA, and rsa-sha1 on request) and an e-invoice (ECDSA): xmlsec1 verifies, a changed figure fails', async () => {
    const input = file('tk.xml');
    writeFileSync(input, HTKK);
    const signed = file('tk.signed.xml');
    const r1 = await run({ in: input, out: signed, format: 'xml-htkk', cert: RSA_SIGNER });
    expect(r1.status, r1.stderr).toBe(0);
    expect(xmlsec(signed).ok, xmlsec(signed).output).toBe(true);
    writeFileSync(
      file('tk.changed.xml'),
      readFileSync(signed, 'utf8').replace('<kyKKhai>10/2026</kyKKhai>', '<kyKKhai>11/2026</kyKKhai>'),
    );
    expect(xmlsec(file('tk.changed.xml')).ok).toBe(false);

    const sha1 = file('tk.sha1.xml');
    const r2 = await run({ in: input, out: sha1, format: 'xml-htkk', cert: RSA_SIGNER, sha1: true });
    expect(r2.status, r2.stderr).toBe(0);
    expect(readFileSync(sha1, 'utf8')).toContain('xmldsig#rsa-sha1');
    expect(xmlsec(sha1).ok, xmlsec(sha1).output).toBe(true);
    const ecSha1 = await run({
      in: input,
      out: file('ec-sha1.xml'),
      format: 'xml-htkk',
      cert: EC_SIGNER,
      sha1: true,
    });
    expect(ecSha1.status).toBe(1);

    const invoice = file('hd.xml');
    writeFileSync(invoice, EINVOICE);
    const r3 = await run({
      in: invoice,
      out: file('hd.signed.xml'),
      format: 'xml-einvoice',
      cert: EC_SIGNER,
    });
    expect(r3.status, r3.stderr).toBe(0);
    expect(readFileSync(file('hd.signed.xml'), 'utf8')).toContain('ecdsa-sha256');
    expect(xmlsec(file('hd.signed.xml')).ok).toBe(true);

    // A document that does not fit the profile is refused before the PIN (an empty PIN would fail otherwise).
    const mismatch = await run({ in: invoice, out: file('x.xml'), format: 'xml-htkk', cert: RSA_SIGNER }, '');
    expect(mismatch.status).toBe(1);
    expect(mismatch.stderr).toContain('PROFILE_MISMATCH');
  });

  it('a real HTKK return with appendices signs, also with the field names genuine returns repeat after the header; xmlsec1 and kyso verify accept each', async () => {
    const documents = Object.entries({ 'the return': REAL_HTKK, ...REAL_HTKK_NAMES_AFTER_HEADER });
    for (const [index, [what, xml]] of documents.entries()) {
      const name = `real-${index}`;
      writeFileSync(file(`${name}.xml`), xml);
      const signed = file(`${name}.signed.xml`);
      const result = await run({
        in: file(`${name}.xml`),
        out: signed,
        format: 'xml-htkk',
        cert: RSA_SIGNER,
      });
      expect(result.status, `${what}: ${result.stderr}`).toBe(0);
      expect(xmlsec(signed).ok, `${what}: ${xmlsec(signed).output}`).toBe(true);
      // Its taxpayer is not the token's: signed, with the warning, and kyso verify names the party.
      expect(result.stderr, what).toContain('(0401985971)');
      const verified = await kysoVerifyJson(signed, token.caPem);
      expect(verified.code, `${what}: ${verified.stderr}`).toBe(0);
      const [signature] = verified.report!.signatures;
      expect(signature, what).toMatchObject({
        indication: 'TOTAL-PASSED',
        party: { role: 'taxpayer', taxCodes: ['0401985971'], signerCarries: false },
      });
    }
  });

  it('a tax return names who signs it: without --cert the one certificate with its tax code signs; another signs with a warning', async () => {
    const own = file('tk-own.xml');
    writeFileSync(own, HTKK.replace('<mst>0101234567</mst>', '<mst>0312345678</mst>'));
    const chosen = await run({ in: own, out: file('tk-own.signed.xml'), format: 'xml-htkk' });
    expect(chosen.status, chosen.stderr).toBe(0);
    expect(chosen.stderr).toContain('Signing with: Công ty TNHH Ký Số Việt MST:0312345678');
    expect(chosen.stderr).not.toContain('Warning');
    expect(xmlsec(file('tk-own.signed.xml')).ok).toBe(true);

    const other = await run({
      in: own,
      out: file('tk-other.signed.xml'),
      format: 'xml-htkk',
      cert: RSA_SIGNER,
    });
    expect(other.status, other.stderr).toBe(0);
    expect(other.stderr).toContain(
      'Warning: chứng thư số không mang mã số thuế của tài liệu (0312345678): cơ quan thuế có thể không nhận chữ ký này / the certificate does not carry the document’s tax code (0312345678)',
    );

    // A return whose taxpayer none of the certificates is: nothing is chosen for the user.
    const input = file('tk-none.xml');
    writeFileSync(input, HTKK);
    const none = await run({ in: input, out: file('tk-none.signed.xml'), format: 'xml-htkk' }, '');
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('several certificates match');
  });
  it('an e-invoice co-signed by the buyer (xml-einvoice-buyer): DSCKS holds NBan then NMua, xmlsec1 verifies both signatures, kyso verify both; a second buyer signature is refused', async () => {
    const invoice = file('hd-buyer.xml');
    writeFileSync(invoice, EINVOICE);
    const bySeller = file('hd-buyer.seller.xml');
    const seller = await run({ in: invoice, out: bySeller, format: 'xml-einvoice', cert: EC_SIGNER });
    expect(seller.status, seller.stderr).toBe(0);
    const byBoth = file('hd-buyer.both.xml');
    const buyer = await run({ in: bySeller, out: byBoth, format: 'xml-einvoice-buyer', cert: RSA_SIGNER });
    expect(buyer.status, buyer.stderr).toBe(0);

    const signed = readFileSync(byBoth, 'utf8');
    expect(signed).toMatch(
      /<DSCKS>\s*<NBan><Signature[^]*<\/NBan>\s*<NMua><Signature[^]*<\/NMua>\s*<\/DSCKS>/,
    );
    const slotSignature = (slot: string) => `//*[local-name()='${slot}']/*[local-name()='Signature']`;
    for (const slot of ['NBan', 'NMua']) {
      const verified = xmlsecVerify(
        dir,
        signed,
        token.caPem,
        `both-${slot}.xml`,
        undefined,
        slotSignature(slot),
      );
      expect(verified.ok, `${slot}: ${verified.output}`).toBe(true);
    }
    // The buyer's signature covers the invoice data too: a changed figure breaks it.
    const changed = signed.replace('<SHDon>', '<SHDon>9');
    expect(changed).not.toBe(signed);
    expect(
      xmlsecVerify(dir, changed, token.caPem, 'both-changed.xml', undefined, slotSignature('NMua')).ok,
    ).toBe(false);
    const report = await kysoVerifyJson(byBoth, token.caPem);
    expect(report.code, report.stderr).toBe(0);
    const { signatures } = report.report!;
    expect(signatures.map((s) => s.indication)).toEqual(['TOTAL-PASSED', 'TOTAL-PASSED']);

    const again = await run(
      { in: byBoth, out: file('x.xml'), format: 'xml-einvoice-buyer', cert: RSA_SIGNER },
      '',
    );
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('ALREADY_SIGNED');
  });
  it("a seller signs real invoices as its software holds them before signing (their signatures and the tax office's code taken off): into DSCKS/NBan, beside what the provider wrote around it; xmlsec1 and kyso verify accept it", async () => {
    for (const [name, xml] of Object.entries(REAL_EINVOICES_UNSIGNED)) {
      writeFileSync(file(`${name}.unsigned.xml`), xml);
      const signedFile = file(`${name}.seller.xml`);
      const result = await run({
        in: file(`${name}.unsigned.xml`),
        out: signedFile,
        format: 'xml-einvoice',
        cert: RSA_SIGNER,
      });
      expect(result.status, `${name}: ${result.stderr}`).toBe(0);
      const signed = readFileSync(signedFile, 'utf8');
      // Into the seller's holder; the provider's own parts kept (VNPT's Fkey after DSCKS, the empty holders).
      expect(signed, name).toMatch(
        /<DSCKS><NBan><Signature [^]*<\/Signature><\/NBan>(<NMua\/><CCKSKhac\/><CQT\/>)?<\/DSCKS>/,
      );
      if (name === 'vnpt') expect(signed).toContain('</DSCKS><Fkey>VNPTHPG2022000001228</Fkey></HDon>');
      const verified = xmlsecVerify(dir, signed, token.caPem, `${name}.seller-check.xml`);
      expect(verified.ok, `${name}: ${verified.output}`).toBe(true);
      const report = await kysoVerifyJson(signedFile, token.caPem);
      expect(report.code, `${name}: ${report.stderr}`).toBe(0);
      const [signature] = report.report!.signatures;
      expect(signature, name).toMatchObject({ indication: 'TOTAL-PASSED', party: { role: 'seller' } });
    }
  });

  it("a buyer co-signs real invoices as it receives them (VNPT's, VNInvoice's, and one the tax office gave its code and signed): its signature goes into DSCKS/NMua, and every signature verifies in xmlsec1 and kyso verify; the tax office's message itself is no invoice to sign", async () => {
    const { tct202, vnpt, vninvoice } = REAL_EINVOICES_SIGNED;
    // The buyer receives the HDon (the message 202 goes to the seller's provider).
    const coded = REAL_EINVOICE_CODED;
    const documents = [
      { name: 'vnpt', xml: vnpt, parties: ['seller', 'buyer'] },
      { name: 'vninvoice', xml: vninvoice, parties: ['seller', undefined] }, // its buyer names no tax code
      { name: 'coded', xml: coded, parties: ['seller', 'buyer', 'tax-authority'] },
    ];
    for (const { name, xml, parties } of documents) {
      writeFileSync(file(`${name}.xml`), xml);
      const signedFile = file(`${name}.buyer.xml`);
      const result = await run({
        in: file(`${name}.xml`),
        out: signedFile,
        format: 'xml-einvoice-buyer',
        cert: RSA_SIGNER,
      });
      expect(result.status, `${name}: ${result.stderr}`).toBe(0);
      const signed = readFileSync(signedFile, 'utf8');
      // The buyer's Signature fills the invoice's NMua slot (an empty <NMua/> in the coded one), the others kept.
      const slots = [...signed.matchAll(/<(NBan|NMua|CQT)><Signature/g)].map((match) => match[1]);
      expect(slots, name).toEqual(parties.length === 3 ? ['NBan', 'NMua', 'CQT'] : ['NBan', 'NMua']);
      for (const at of parties.keys()) {
        const verified = xmlsecSignatureIntact(dir, signed, `${name}-check.xml`, at + 1);
        expect(verified.ok, `${name} #${at + 1}: ${verified.output}`).toBe(true);
      }
      const { signatures } = (await kysoVerifyJson(signedFile, token.caPem)).report!;
      expect(
        signatures.map((s) => s.party?.role),
        name,
      ).toEqual(parties);
      // The buyer's is kyso's, under the test CA: it passes. The others are intact (not TOTAL-FAILED);
      // their issuers' chains are not trusted here.
      expect(
        signatures.map((s) => s.indication),
        name,
      ).toEqual(parties.map((_, at) => (at === 1 ? 'TOTAL-PASSED' : 'INDETERMINATE')));
    }

    // The tax office's message (TDiep) is not an invoice: refused before the PIN, naming its root.
    writeFileSync(file('tct202.xml'), tct202);
    const message = await run(
      { in: file('tct202.xml'), out: file('x.xml'), format: 'xml-einvoice-buyer', cert: RSA_SIGNER },
      '',
    );
    expect(message.status).toBe(1);
    expect(message.stderr).toContain('the root element is <TDiep>, not <HDon>');
  });

  it('an e-invoice saved with a byte-order mark (as Windows tools write it) signs and verifies (xmlsec1, kyso verify); bytes that are not UTF-8 are refused before the PIN', async () => {
    const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
    const invoice = file('hd-bom.xml');
    writeFileSync(invoice, Buffer.concat([BOM, Buffer.from(EINVOICE)]));
    const signed = file('hd-bom.signed.xml');
    const result = await run({ in: invoice, out: signed, format: 'xml-einvoice', cert: EC_SIGNER });
    expect(result.status, result.stderr).toBe(0);
    expect(xmlsec(signed).ok, xmlsec(signed).output).toBe(true);
    // The signed file as a Windows tool would save it again: with the mark in front.
    const withMark = file('hd-bom.signed-again.xml');
    writeFileSync(withMark, Buffer.concat([BOM, readFileSync(signed)]));
    expect(xmlsec(withMark).ok, xmlsec(withMark).output).toBe(true);
    const verified = spawnSync(
      process.execPath,
      [KYSO, 'verify', withMark, '--roots', token.caPem, '--revocation', 'off'],
      {
        encoding: 'utf8',
      },
    );
    expect(verified.status, verified.stdout + verified.stderr).toBe(0);

    const latin1 = file('hd-latin1.xml');
    writeFileSync(latin1, Buffer.from(EINVOICE.replace('</DLHDon>', '<Ghi>Hà Nội</Ghi></DLHDon>'), 'latin1'));
    const refused = await run(
      { in: latin1, out: file('x.xml'), format: 'xml-einvoice', cert: EC_SIGNER },
      '',
    );
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('XML_NOT_ACCEPTED');
  });
});
