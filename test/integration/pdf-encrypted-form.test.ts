/**
 * A form encrypted with an owner password only (it opens without one, as agencies hand out forms
 * they do not want edited): kyso signs into its own field by name, honours the field's /Lock, and
 * extends it with a DSS, as in any file. The strings it reads (field names, the lock's fields) are
 * ciphertext in the file, or plain inside an encrypted object stream; what it writes must be
 * encrypted under the number it is written at. qpdf (decrypting) and pdfsig are the judges. The
 * whole corpus, encrypted, must read as it does in the clear (pages, warnings and their names).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendDss, readDss } from '../../shared/pdf/long-term.js';
import { decodePDFRawStream, PDFName, PDFRawStream } from 'pdf-lib';
import { openPdfModel, type PdfModel } from '../../shared/pdf/model.js';
import { signPdf } from '../../shared/pdf/pades.js';
import { findSignatureField } from '../../shared/pdf/signature-field.js';
import { pdfWarnings } from '../../shared/pdf/warnings.js';
import { verifyPdfSignatures } from '../../verifier/src/index.js';
import { makeNssDb, pdfsig } from '../support/pdf-tools.js';
import { REPO_ROOT } from '../support/paths.js';
import { makeSoftwareIdentity, padesSignerOf, type SoftwareIdentity } from '../support/software-signer.js';

const FORM = path.join(REPO_ROOT, 'test/fixtures/signature-fields/form.pdf');

/** A text string as kyso writes it and qpdf shows it: UTF-16BE with its byte order mark, in hex. */
const utf16Hex = (text: string) =>
  `feff${[...text.normalize('NFC')].map((c) => c.charCodeAt(0).toString(16).padStart(4, '0')).join('')}`;

interface QpdfField {
  fullname: string;
  fieldflags: number;
  value: string | null;
}

describe('kyso signs an encrypted form (owner password only)', () => {
  let dir: string;
  let identity: SoftwareIdentity;
  let nssDb: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-encrypted-form-'));
    identity = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Phạm Thị Mẫu/UID=CCCD:001199000555');
    nssDb = makeNssDb(dir, [identity.caPem]);
    // The certificate is issued "now": a signature a second later is inside its validity.
    await new Promise((resolve) => setTimeout(resolve, 1100));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The file as qpdf reads it, decrypted, every object out of object streams (QDF: strings as written). */
  const decrypted = (file: string) => {
    const out = `${file}.qdf`;
    execFileSync('qpdf', ['--decrypt', '--qdf', '--object-streams=disable', file, out]);
    return readFileSync(out, 'latin1');
  };
  const metadataOf = (model: PdfModel) => {
    const stream = model.document.catalog.lookup(PDFName.of('Metadata'));
    return stream instanceof PDFRawStream
      ? Buffer.from(decodePDFRawStream(stream).decode()).toString('latin1')
      : '';
  };
  /** What the consent window warns of when NguoiDeNghi is to be signed. */
  const windowWarnings = async (pdf: Uint8Array) => {
    const model = await openPdfModel(pdf);
    return pdfWarnings(model, findSignatureField(model, 'NguoiDeNghi'));
  };
  const fields = (file: string): QpdfField[] =>
    JSON.parse(execFileSync('qpdf', ['--json', '--json-key=acroform', file], { encoding: 'utf8' })).acroform
      .fields;

  it.each([
    ['AES-256, objects in the file', ['--encrypt', '', 'owner', '256', '--']],
    [
      'AES-256, objects in object streams',
      ['--object-streams=generate', '--encrypt', '', 'owner', '256', '--'],
    ],
    ['AES-128', ['--encrypt', '', 'owner', '128', '--use-aes=y', '--']],
    ['RC4-128', ['--allow-weak-crypto', '--encrypt', '', 'owner', '128', '--use-aes=n', '--']],
    [
      // RC4 decrypts anything: only the /EncryptMetadata rule keeps the clear XMP from being garbled.
      'RC4-128 (R4), XMP metadata in the clear',
      ['--allow-weak-crypto', '--encrypt', '', 'owner', '128', '--use-aes=n', '--cleartext-metadata', '--'],
    ],
  ])(
    '%s: signed into NguoiDeNghi by name, HoTen locked, names intact; a DSS reads back',
    async (name, qpdf) => {
      const form = path.join(dir, `${name.replace(/\W+/g, '-')}.pdf`);
      execFileSync('qpdf', [...qpdf, FORM, form]);
      expect(execFileSync('qpdf', ['--show-encryption', form], { encoding: 'utf8' })).toContain(
        'User password = ',
      );
      // Streams are read in the clear too: the XMP metadata, encrypted or left clear (/EncryptMetadata false).
      expect(metadataOf(await openPdfModel(readFileSync(form)))).toMatch(/^<\?xpacket begin=/);
      // The consent window's warnings name the same fields as for the form in the clear.
      expect(await windowWarnings(readFileSync(form))).toEqual(await windowWarnings(readFileSync(FORM)));
      expect((await windowWarnings(readFileSync(form))).map((w) => w.names)).toContainEqual(['HoTen']);

      const signed = await signPdf(
        readFileSync(form),
        { field: 'NguoiDeNghi', reason: 'Đồng ý tiếp nhận' },
        padesSignerOf({ der: identity.certificateDer, signer: identity.signer }),
      );
      const signedFile = `${form}.signed.pdf`;
      writeFileSync(signedFile, signed);

      // Every field keeps its name; the signed one has its value; the one its lock names is read-only.
      expect(fields(signedFile).map((f) => [f.fullname, f.fieldflags & 1, f.value !== null])).toEqual([
        ['HoTen', 1, false],
        ['NguoiDeNghi', 0, true],
        ['TiepNhan.CanBo', 0, false],
      ]);
      // The signature dictionary's strings decrypt to what kyso wrote: its reason, the FieldMDP lock.
      const clear = decrypted(signedFile);
      expect(clear).toMatch(
        new RegExp(`/TransformMethod /FieldMDP[\\s\\S]*/Fields \\[\\s*<${utf16Hex('HoTen')}>\\s*\\]`),
      );
      expect(clear).toContain(`/Reason <${utf16Hex('Đồng ý tiếp nhận')}>`);
      const [signature, empty] = pdfsig(signedFile, nssDb).signatures;
      expect(empty?.text).toContain('Signature Field Name: TiepNhan.CanBo');
      expect(signature?.text).toContain('Signature Field Name: NguoiDeNghi');
      expect(signature?.valid).toBe(true);
      const report = await verifyPdfSignatures(signed, {
        trustedRoots: [identity.caDer],
        revocation: { policy: 'off' },
      });
      expect(report.signatures[0]?.details).toEqual([]);
      expect(report.indication).toBe('TOTAL-PASSED');

      // The DSS's certificate stream is encrypted under its own number: qpdf decrypts it to the DER.
      const extended = await appendDss(signed, { certificates: [identity.caDer], ocsps: [], crls: [] });
      const extendedFile = `${form}.dss.pdf`;
      writeFileSync(extendedFile, extended);
      const certs = /\/Certs \[\s*(\d+) 0 R/.exec(decrypted(extendedFile))?.[1];
      expect(certs).toBeDefined();
      const certificate = execFileSync('qpdf', [
        `--show-object=${certs}`,
        '--filtered-stream-data',
        `${extendedFile}.qdf`,
      ]);
      expect(Buffer.compare(certificate, Buffer.from(identity.caDer))).toBe(0);
      expect((await readDss(extended)).certificates.map((c) => Buffer.from(c).toString('hex'))).toEqual([
        Buffer.from(identity.caDer).toString('hex'),
      ]);
      // pdfsig lists the form's other, empty signature field too.
      expect(pdfsig(extendedFile, nssDb).signatures.map((s) => s.valid)).toEqual([true, false]);
    },
  );

  it('every corpus PDF, as qpdf rewrites it in the clear and encrypted (AES-256, RC4-128): one model, the same pages and warnings, names and all', async () => {
    const corpus = path.join(REPO_ROOT, 'test/fixtures/pdf-corpus');
    const read = async (file: string) => {
      try {
        const model = await openPdfModel(readFileSync(file));
        return { pages: model.pageCount, warnings: pdfWarnings(model) };
      } catch (error) {
        return { refused: (error as { code?: string }).code };
      }
    };
    let compared = 0;
    for (const name of readdirSync(corpus).filter((f) => f.endsWith('.pdf'))) {
      const source = path.join(corpus, name);
      const clear = path.join(dir, `corpus-${name}`);
      // qpdf exits 3 for a file it wrote with warnings (a damaged one it repaired): both copies alike.
      const write = (args: string[]) => expect([0, 3]).toContain(spawnSync('qpdf', args).status);
      write([source, clear]);
      const expected = await read(clear);
      for (const method of [['256'], ['128', '--use-aes=n']]) {
        const encrypted = path.join(dir, `corpus-${method[0]}-${name}`);
        write(['--allow-weak-crypto', '--encrypt', '', 'owner', ...method, '--', source, encrypted]);
        expect(await read(encrypted), `${name}, ${method.join(' ')}`).toEqual(expected);
      }
      if (!('refused' in expected)) compared++;
    }
    // Most of the corpus opens: the comparison is not between two refusals.
    expect(compared).toBeGreaterThan(20);
  });
});
