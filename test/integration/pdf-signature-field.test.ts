/**
 * `kyso sign --field`: a form that already carries empty signature fields (test/fixtures/
 * signature-fields/form.pdf, written by Ghostscript from form.ps: "NguoiDeNghi" and
 * "TiepNhan.CanBo" on page 2) signed into them with the SoftHSM token, as Acrobat signs into a
 * field. pdfsig finds each signature valid under the field's own name and no field added; the
 * image is drawn in the field's box; `kyso verify` passes both. A field that cannot take the
 * signature is refused before the PIN.
 */
import { execFile } from 'node:child_process';
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
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFString } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificationOf } from '../../shared/pdf/docmdp.js';
import { blueSignaturePng } from '../support/pdf-images.js';
import { countPixels, isBlue, isDark, renderPage } from '../support/pdf-raster.js';
import { makeNssDb, pdfsig, pdftotext } from '../support/pdf-tools.js';
import {
  addSignerUnderLicensedCa,
  copyTestToken,
  issueOntoToken,
  pkcs11Tool,
  type TestToken,
} from '../support/token.js';
import { KYSO_CLI, kysoSignPades } from '../support/verifier-service.js';

/** Which of the form's other fields pdf-lib reads as read-only (Ff bit 1). */
async function readOnlyFields(pdf: string): Promise<string[]> {
  const form = (await PDFDocument.load(readFileSync(pdf))).getForm();
  return ['HoTen', 'TiepNhan.CanBo'].filter((name) => form.getField(name).isReadOnly());
}

const FORM = fileURLToPath(new URL('../fixtures/signature-fields/form.pdf', import.meta.url));
const RSA_SIGNER = 'CCCD:001099012345'; // key 01
const EC_SIGNER = 'MST:0312345678'; // key 02
/** Key 07, issued here: 王小明 has no glyphs in the field text's font (Liberation Serif). */
const CJK_SIGNER = 'HC:E1234567';
/** Key 08, issued here by a licensed CA (c8 on the token) under the token's test CA. */
const SUB_CA_SIGNER = 'CCCD:079200001234';
/** The fields' widgets, on page 2 (form.ps). */
const CAN_BO_BOX = { x: 300, y: 260, width: 240, height: 80 };
const NGUOI_DE_NGHI_BOX = { x: 300, y: 60, width: 240, height: 100 };

describe('kyso sign --field: into the PDF’s own empty signature fields', () => {
  let token: TestToken;
  let dir: string;
  let nssDb: string;
  let roots: string;

  beforeAll(() => {
    token = copyTestToken();
    issueOntoToken(token, '07', `/C=VN/CN=Vương 王小明/UID=${CJK_SIGNER}`);
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-sig-field-'));
    nssDb = makeNssDb(dir, [token.caPem]);
    roots = path.join(dir, 'roots');
    mkdirSync(roots);
    copyFileSync(token.caPem, path.join(roots, 'token-ca.pem'));
  });
  afterAll(() => {
    token.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string) => path.join(dir, name);

  /** The form with its field NguoiDeNghi changed by `edit`, written (whole, by pdf-lib) to `name`. */
  const formVariant = async (name: string, edit: (nguoiDeNghi: PDFDict) => void) => {
    const doc = await PDFDocument.load(readFileSync(FORM));
    const fields = doc.catalog.lookup(PDFName.of('AcroForm'), PDFDict).lookup(PDFName.of('Fields'), PDFArray);
    edit(
      fields
        .asArray()
        .map((item) => doc.context.lookup(item, PDFDict))
        .find((field) => field.lookup(PDFName.of('T'))?.toString() === '(NguoiDeNghi)')!,
    );
    writeFileSync(file(name), await doc.save({ useObjectStreams: false }));
    return file(name);
  };

  /** `kyso sign --format pades` with the PIN on stdin (empty: none is typed). */
  const sign = (input: string, output: string, cert: string, extra: string[], pin = token.pin) =>
    kysoSignPades(token.env, { input, output, cert, extra, pin });

  const verify = async (pdf: string) => {
    const args = [KYSO_CLI, 'verify', pdf, '--roots', roots, '--revocation', 'off', '--json'];
    const result = await promisify(execFile)(process.execPath, args).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    return {
      ...result,
      report: JSON.parse(result.stdout) as { indication: string; signatures: { indication: string }[] },
    };
  };

  /** pdfsig's entries: each field's name and whether its signature is valid and trusted. */
  const fieldsSeen = (pdf: string) => {
    const report = pdfsig(pdf, nssDb);
    return {
      output: report.output,
      fields: report.signatures.map((s) => ({
        name: /Signature Field Name: (.*)/.exec(s.text)?.[1],
        signed: !/not signed/.test(s.text),
        valid: s.valid && s.trusted,
      })),
    };
  };

  it('signs into TiepNhan.CanBo with an image in its box, then into NguoiDeNghi: pdfsig and kyso verify accept both, no field added', async () => {
    const image = file('chu-ky.png');
    writeFileSync(image, blueSignaturePng());
    const once = file('once.pdf');
    const r1 = await sign(FORM, once, RSA_SIGNER, ['--field', 'TiepNhan.CanBo', '--image', image]);
    expect(r1.status, r1.stderr).toBe(0);
    const first = fieldsSeen(once);
    expect(first.fields, first.output).toEqual([
      { name: 'NguoiDeNghi', signed: false, valid: false },
      { name: 'TiepNhan.CanBo', signed: true, valid: true },
    ]);
    // The image fills the field's box on page 2, and nothing of it is drawn in the other field's.
    expect(countPixels(renderPage(once, 2), CAN_BO_BOX, isBlue)).toBeGreaterThan(200);
    expect(countPixels(renderPage(once, 2), NGUOI_DE_NGHI_BOX, isBlue)).toBe(0);

    const twice = file('twice.pdf');
    const r2 = await sign(once, twice, EC_SIGNER, ['--field', 'NguoiDeNghi', '--reason', 'Đề nghị']);
    expect(r2.status, r2.stderr).toBe(0);
    const second = fieldsSeen(twice);
    expect(second.fields, second.output).toEqual([
      { name: 'NguoiDeNghi', signed: true, valid: true },
      { name: 'TiepNhan.CanBo', signed: true, valid: true },
    ]);
    const { code, report, stderr } = await verify(twice);
    expect(code, stderr).toBe(0);
    expect(report.indication).toBe('TOTAL-PASSED');
    expect(report.signatures.map((s) => s.indication)).toEqual(['TOTAL-PASSED', 'TOTAL-PASSED']);
    // NguoiDeNghi's lock (Include HoTen) made HoTen read-only as it was signed; CanBo has no lock.
    expect(await readOnlyFields(once)).toEqual([]);
    expect(await readOnlyFields(twice)).toEqual(['HoTen']);
  });

  it('a field signed without an image shows who signed and when in its box (the certificate’s holder, Vietnam time)', async () => {
    const signed = file('text-can-bo.pdf');
    const r = await sign(FORM, signed, RSA_SIGNER, ['--field', 'TiepNhan.CanBo']);
    expect(r.status, r.stderr).toBe(0);
    expect(countPixels(renderPage(FORM, 2), CAN_BO_BOX, isDark)).toBe(0);
    expect(countPixels(renderPage(signed, 2), CAN_BO_BOX, isDark)).toBeGreaterThan(100);
    // Nothing drawn outside it: the other field's box stays empty.
    expect(countPixels(renderPage(signed, 2), NGUOI_DE_NGHI_BOX, isDark)).toBe(0);
    // The text itself, as poppler reads it: the name the CLI says it signs with, and the time.
    const text = pdftotext(signed, 2);
    expect(r.stderr).toContain('Signing with: ');
    const holder = text.match(/Ký bởi: (.+)/)?.[1];
    expect(holder, text).toBeTruthy();
    expect(r.stderr).toContain(`Signing with: ${holder!.trim()}`);
    expect(text).toMatch(/Ngày ký: \d\d:\d\d:\d\d \d\d\/\d\d\/\d{4}/);
    const seen = fieldsSeen(signed);
    expect(seen.fields, seen.output).toEqual([
      { name: 'NguoiDeNghi', signed: false, valid: false },
      { name: 'TiepNhan.CanBo', signed: true, valid: true },
    ]);
  });

  it('a field locking All: every other field read-only in the signed revision, the other signature field too (no one signs it after); pdfsig and kyso verify accept it', async () => {
    const form = await formVariant('lock-all.pdf', (nguoi) =>
      nguoi.lookup(PDFName.of('Lock'), PDFDict).set(PDFName.of('Action'), PDFName.of('All')),
    );
    const signed = file('lock-all-signed.pdf');
    const r = await sign(form, signed, RSA_SIGNER, ['--field', 'NguoiDeNghi']);
    expect(r.status, r.stderr).toBe(0);
    expect(await readOnlyFields(form)).toEqual([]);
    expect(await readOnlyFields(signed)).toEqual(['HoTen', 'TiepNhan.CanBo']);
    const seen = fieldsSeen(signed);
    expect(seen.fields, seen.output).toEqual([
      { name: 'NguoiDeNghi', signed: true, valid: true },
      { name: 'TiepNhan.CanBo', signed: false, valid: false },
    ]);
    const { code, report, stderr } = await verify(signed);
    expect(code, stderr).toBe(0);
    expect(report.indication).toBe('TOTAL-PASSED');
    // The other signature field is locked with the rest: signing it would break NguoiDeNghi's lock.
    const after = file('lock-all-then-can-bo.pdf');
    const refused = await sign(signed, after, EC_SIGNER, ['--field', 'TiepNhan.CanBo'], '');
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('BAD_REQUEST');
    expect(refused.stderr).toContain('field-locked');
    expect(refused.stderr).not.toContain('Signing with'); // refused before the token was opened
    expect(existsSync(after)).toBe(false);
  });

  it('a field whose lock has PDF 2.0 /P 2: refused before the PIN as an approval; certified with --certify 2, pdfsig and kyso verify accept it', async () => {
    const form = await formVariant('lock-p2.pdf', (nguoi) =>
      nguoi.lookup(PDFName.of('Lock'), PDFDict).set(PDFName.of('P'), PDFNumber.of(2)),
    );
    const approval = file('lock-p2-approval.pdf');
    const refused = await sign(form, approval, RSA_SIGNER, ['--field', 'NguoiDeNghi'], '');
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('BAD_REQUEST');
    expect(refused.stderr).toContain('field-lock-permissions');
    expect(refused.stderr).not.toContain('Signing with'); // refused before the token was opened
    expect(existsSync(approval)).toBe(false);

    const certified = file('lock-p2-certified.pdf');
    const r = await sign(form, certified, RSA_SIGNER, ['--field', 'NguoiDeNghi', '--certify', '2']);
    expect(r.status, r.stderr).toBe(0);
    expect(certificationOf(await PDFDocument.load(readFileSync(certified)))?.permissions).toBe(2);
    const seen = fieldsSeen(certified);
    expect(seen.fields, seen.output).toEqual([
      { name: 'NguoiDeNghi', signed: true, valid: true },
      { name: 'TiepNhan.CanBo', signed: false, valid: false },
    ]);
    const { code, report, stderr } = await verify(certified);
    expect(code, stderr).toBe(0);
    expect(report.indication).toBe('TOTAL-PASSED');
  });

  it('refuses a field that is not there, not a signature field, or already signed: BAD_REQUEST before the PIN, nothing written', async () => {
    const signed = file('signed-can-bo.pdf');
    expect((await sign(FORM, signed, RSA_SIGNER, ['--field', 'TiepNhan.CanBo'])).status).toBe(0);
    for (const [input, field, problem] of [
      [FORM, 'KhongCo', 'field-not-found'],
      [FORM, 'HoTen', 'field-not-signature'],
      [signed, 'TiepNhan.CanBo', 'field-signed'],
    ] as const) {
      const out = file(`refused-${problem}.pdf`);
      const r = await sign(input, out, EC_SIGNER, ['--field', field], '');
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain('BAD_REQUEST');
      expect(r.stderr).toContain(problem);
      expect(r.stderr).not.toContain('Signing with'); // refused before the token was opened
      expect(existsSync(out)).toBe(false);
    }
  });

  it('refuses a certificate whose holder name the field’s text cannot draw: BAD_REQUEST naming the characters, before the PIN', async () => {
    const out = file('cjk-name-signed.pdf');
    const r = await sign(FORM, out, CJK_SIGNER, ['--field', 'NguoiDeNghi'], '');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('BAD_REQUEST');
    expect(r.stderr).toContain('U+738B U+5C0F U+660E');
    expect(r.stderr).not.toContain('Signing with'); // no PIN asked, the token not opened
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a field whose seed value requires a SubFilter kyso does not sign with: BAD_REQUEST naming it, before the PIN', async () => {
    const form = await formVariant('seed-subfilter.pdf', (nguoi) =>
      nguoi.set(PDFName.of('SV'), nguoi.context.obj({ Ff: 2, SubFilter: ['adbe.pkcs7.detached'] })),
    );
    const out = file('seed-subfilter-signed.pdf');
    const r = await sign(form, out, EC_SIGNER, ['--field', 'NguoiDeNghi'], '');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('BAD_REQUEST');
    expect(r.stderr).toContain('field-seed-value');
    expect(r.stderr).toContain('SubFilter');
    expect(r.stderr).not.toContain('Signing with');
    expect(existsSync(out)).toBe(false);
  });

  it('a field whose seed value requires a subject (/Cert /SubjectDN): another certificate is refused before the PIN, the holder’s signs', async () => {
    // Written by pdf-lib (whole save) into the Ghostscript form: UID of key 02 required.
    const form = await formVariant('seed-cert.pdf', (nguoi) =>
      nguoi.set(
        PDFName.of('SV'),
        nguoi.context.obj({
          Cert: nguoi.context.obj({ Ff: 8, SubjectDN: [{ UID: PDFString.of(EC_SIGNER) }] }),
        }),
      ),
    );
    const refusedOut = file('seed-cert-refused.pdf');
    const refused = await sign(form, refusedOut, RSA_SIGNER, ['--field', 'NguoiDeNghi'], '');
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('CERTIFICATE_NOT_USABLE');
    expect(refused.stderr).toContain('subject-dn');
    expect(refused.stderr).not.toContain('Signing with');
    expect(existsSync(refusedOut)).toBe(false);
    const out = file('seed-cert-signed.pdf');
    const r = await sign(form, out, EC_SIGNER, ['--field', 'NguoiDeNghi']);
    expect(r.status, r.stderr).toBe(0);
    const seen = fieldsSeen(out);
    expect(seen.fields, seen.output).toEqual([
      { name: 'NguoiDeNghi', signed: true, valid: true },
      expect.anything(),
    ]);
  });

  it('a field whose seed value requires an issuer further up (/Cert /Issuer: the root): a signer under a licensed CA the token holds signs (pdfsig trusting only the root accepts it); without that CA on the token it is refused before the PIN', async () => {
    // The token holds a licensed CA (issued by its test CA, the root) beside a signer it issued.
    const work = path.join(dir, 'licensed-ca');
    mkdirSync(work);
    addSignerUnderLicensedCa(token, work, {
      id: '08',
      caId: 'c8',
      subject: `/C=VN/CN=Phạm Thị Chi/UID=${SUB_CA_SIGNER}`,
    });
    const root = token.caDer();
    const form = await formVariant('seed-issuer-root.pdf', (nguoi) =>
      nguoi.set(
        PDFName.of('SV'),
        nguoi.context.obj({
          Cert: nguoi.context.obj({ Ff: 2, Issuer: [PDFHexString.of(root.toString('hex'))] }),
        }),
      ),
    );
    const out = file('seed-issuer-root-signed.pdf');
    const r = await sign(form, out, SUB_CA_SIGNER, ['--field', 'NguoiDeNghi']);
    expect(r.status, r.stderr).toBe(0);
    // pdfsig, trusting only the root: valid and trusted, the signature carrying the CA the token holds.
    const report = pdfsig(out, nssDb);
    const field = report.signatures.find((s) => s.text.includes('Signature Field Name: NguoiDeNghi'));
    expect(field?.valid && field.trusted, report.output).toBe(true);
    // kyso verify, given only the root, finds the path through the carried CA and the form's /Issuer met.
    const verified = await verify(out);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.report.indication).toBe('TOTAL-PASSED');

    // The licensed CA gone from the token: nothing leads from the signer to the root.
    pkcs11Tool(token, '--delete-object', '--type', 'cert', '--id', 'c8');
    const refusedOut = file('seed-issuer-root-refused.pdf');
    const refused = await sign(form, refusedOut, SUB_CA_SIGNER, ['--field', 'NguoiDeNghi'], '');
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('CERTIFICATE_NOT_USABLE');
    expect(refused.stderr).toContain('seed value Cert: issuer');
    expect(refused.stderr).not.toContain('Signing with');
    expect(existsSync(refusedOut)).toBe(false);
  });
});
