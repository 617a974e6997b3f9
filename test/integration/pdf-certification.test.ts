/**
 * Certified PDFs (DocMDP, ISO 32000-1 §12.8.2.2) signed again. `kyso sign` refuses to sign a
 * document certified with "no changes" (P=1) and signs one that allows signatures (P=2), as pdfsig
 * confirms; `kyso verify` fails a P=1 certification followed by an approval signature (made here
 * with kyso's own prepare, its refusal bypassed) and passes P=2 then approved, and P=1 then a
 * document time-stamp. After P=2 it fails what the certification forbids — pages rewritten,
 * annotations added or changed, form fields added or changed beyond filling them in, a script
 * run on opening — and passes what it allows: a field filled in, an approval by kyso or poppler;
 * after P=3, an annotation added.
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
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PDFArray, PDFDict, PDFName, PDFRef, PDFString, type PDFObject } from 'pdf-lib';
import { appendIncrementalUpdate, serializePdfObject } from '../../shared/pdf/incremental.js';
import { addDocumentTimestamp } from '../../shared/pdf/long-term.js';
import { openPdfModel } from '../../shared/pdf/model.js';
import { previousXref, signPdf } from '../../shared/pdf/pades.js';
import { makeNssDb, pdfsig } from '../support/pdf-tools.js';
import { countPixels, renderPage } from '../support/pdf-raster.js';
import { formPdf, layeredPdf, onePagePdf } from '../support/sample-pdf.js';
import { makeSoftwareIdentity, padesSignerOf, type SoftwareIdentity } from '../support/software-signer.js';
import { copyTestToken, type TestToken } from '../support/token.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';
import { KYSO_CLI, kysoSignPades } from '../support/verifier-service.js';

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
  signatures: Array<{
    indication: string;
    subIndication?: string;
    problems: string[];
    details: string[];
    coverage?: { after: string; wholeDocument: boolean };
  }>;
}

describe('certified PDFs signed again', () => {
  let token: TestToken;
  let tsa: LocalTsa;
  let dir: string;
  let roots: string;
  let nssDb: string;
  let approver: SoftwareIdentity;
  let plain: string;
  let form: string;
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
    form = file('to-khai.pdf');
    writeFileSync(form, await formPdf('To khai so 15'));
  });
  afterAll(async () => {
    await tsa.close();
    token.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string) => path.join(dir, name);

  /** `kyso sign --format pades` with the PIN on stdin (empty: none is typed). */
  const sign = (input: string, output: string, cert: string, extra: string[] = [], pin = token.pin) =>
    kysoSignPades(token.env, { input, output, cert, extra, pin });

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

  /** A certification of `input` (the plain letter) by kyso sign with the RSA key and `--certify p`. */
  const certify = async (p: '1' | '2' | '3', input = plain) => {
    const certified = file(`certified-p${p}-${path.basename(input)}`);
    const r = await sign(input, certified, RSA_SIGNER, ['--certify', p]);
    expect(r.status, r.stderr).toBe(0);
    return certified;
  };

  type Change = (
    model: Awaited<ReturnType<typeof openPdfModel>>,
  ) => Array<{ ref: PDFRef; object: PDFObject }>;
  /** `certified` with one revision rewriting the objects `change` returns (each object changed in the model). */
  const changedBy = async (certified: Uint8Array, change: Change) => {
    const model = await openPdfModel(certified);
    // New objects are numbered after every number the file has used, as a PDF writer does.
    model.context.largestObjectNumber = Math.max(
      model.context.largestObjectNumber,
      previousXref(model).size - 1,
    );
    const updates = change(model).map(({ ref, object }) => ({ ref, body: serializePdfObject(object) }));
    return appendIncrementalUpdate(certified, model.context, updates, previousXref(model)).pdf;
  };

  /** The first page's content stream replaced by other text: a change no DocMDP level permits. */
  const pageTextRewritten: Change = (model) => {
    const contents = model.document.getPages()[0]!.node.get(PDFName.of('Contents'));
    const contentsRef = (contents instanceof PDFArray ? contents.get(0) : contents) as PDFRef;
    return [
      { ref: contentsRef, object: model.context.stream('BT /F1 24 Tf 72 700 Td (Cong van so 99) Tj ET') },
    ];
  };

  /** `certified` changed by `change` (changedBy), then an approval signature over that; kyso verify's answer. */
  const changedThenApproved = async (certified: Uint8Array, name: string, change: Change) => {
    const changed = await changedBy(certified, change);
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
    const verified = await changedThenApproved(certified, 'p2-page-changed-approved.pdf', pageTextRewritten);
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

  type Model = Awaited<ReturnType<typeof openPdfModel>>;

  /** `annotation` appended to page 1's /Annots (pdf-lib's addAnnot would normalize more of the page): the object changed. */
  const onPage = (model: Model, annotation: PDFRef) => {
    const page = model.document.getPages()[0]!;
    const annots = page.node.get(PDFName.of('Annots'));
    const array = annots instanceof PDFRef ? model.context.lookup(annots, PDFArray) : (annots as PDFArray);
    array.push(annotation);
    return annots instanceof PDFRef ? { ref: annots, object: array } : { ref: page.ref, object: page.node };
  };

  /** A FreeText annotation writing `text` over page 1, and page 1 with it in its /Annots. */
  const annotationAdded = (model: Model, text: string) => {
    const page = model.document.getPages()[0]!;
    const appearance = model.context.stream(`1 g 0 0 300 30 re f 0 g BT /F1 18 Tf 4 8 Td (${text}) Tj ET`, {
      Type: 'XObject',
      Subtype: 'Form',
      BBox: [0, 0, 300, 30],
      Resources: page.node.get(PDFName.of('Resources'))!,
    });
    const appearanceRef = model.context.register(appearance);
    const annotation = model.context.obj({
      Type: 'Annot',
      Subtype: 'FreeText',
      Rect: [68, 692, 368, 722],
      DA: PDFString.of('/F1 18 Tf 0 g'),
      Contents: PDFString.of(text),
      AP: { N: appearanceRef },
    });
    const annotationRef = model.context.register(annotation);
    return [
      { ref: appearanceRef, object: appearance },
      { ref: annotationRef, object: annotation },
      onPage(model, annotationRef),
    ];
  };

  it("certified with P=2, a note written over the page's text (an annotation added), then approved: DOCMDP_VIOLATION", async () => {
    const certified = new Uint8Array(readFileSync(await certify('2')));
    const verified = await changedThenApproved(certified, 'p2-annotated-approved.pdf', (model) =>
      annotationAdded(model, 'Cong van so 99'),
    );
    expect(verified.code).toBe(1);
    const [certification, approval] = verified.report.signatures;
    expect(certification).toMatchObject({
      indication: 'TOTAL-FAILED',
      subIndication: 'SIG_CONSTRAINTS_FAILURE',
      problems: ['DOCMDP_VIOLATION'],
    });
    expect(certification!.details.join('\n')).toMatch(
      /DocMDP P=2.*an annotation \(object \d+\) was added on page 1/,
    );
    expect(approval!.indication).toBe('TOTAL-PASSED');
  });

  it('certified with P=3 (annotations allowed), a note added, then approved: TOTAL-PASSED', async () => {
    const certified = new Uint8Array(readFileSync(await certify('3')));
    const verified = await changedThenApproved(certified, 'p3-annotated-approved.pdf', (model) =>
      annotationAdded(model, 'Da doc'),
    );
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.report.signatures.map((s) => s.problems)).toEqual([[], []]);
  });

  /** The form's text field "so_van_ban" (a field and its widget in one dictionary) and its reference. */
  const textField = (model: Model) => {
    const ref = model.document.getForm().getTextField('so_van_ban').ref;
    return { ref, field: model.context.lookup(ref, PDFDict) };
  };

  it('certified with P=2, the text field filled in (its value and appearance), then approved: TOTAL-PASSED', async () => {
    const certified = new Uint8Array(readFileSync(await certify('2', form)));
    const verified = await changedThenApproved(certified, 'p2-filled-approved.pdf', (model) => {
      const { ref, field } = textField(model);
      const appearance = model.context.stream('BT /Helv 12 Tf 2 8 Td (15/QD-UBND) Tj ET', {
        Type: 'XObject',
        Subtype: 'Form',
        BBox: [0, 0, 200, 24],
      });
      const appearanceRef = model.context.register(appearance);
      field.set(PDFName.of('V'), PDFString.of('15/QD-UBND'));
      field.set(PDFName.of('AP'), model.context.obj({ N: appearanceRef }));
      return [
        { ref: appearanceRef, object: appearance },
        { ref, object: field },
      ];
    });
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.report.signatures.map((s) => s.problems)).toEqual([[], []]);
  });

  it("certified with P=2, the text field's widget moved over the page's text (more than filling it in), then approved: DOCMDP_VIOLATION", async () => {
    const certified = new Uint8Array(readFileSync(await certify('2', form)));
    const verified = await changedThenApproved(certified, 'p2-field-moved-approved.pdf', (model) => {
      const { ref, field } = textField(model);
      field.set(PDFName.of('Rect'), model.context.obj([68, 692, 368, 722]));
      return [{ ref, object: field }];
    });
    expect(verified.code).toBe(1);
    expect(verified.report.signatures[0]!.problems).toEqual(['DOCMDP_VIOLATION']);
    expect(verified.report.signatures[0]!.details.join('\n')).toMatch(
      /DocMDP P=2.*the form field "so_van_ban" \(object \d+\) was changed \(more than its value and appearance\)/,
    );
  });

  it('certified with P=2, a new text field added on the page, then approved: DOCMDP_VIOLATION', async () => {
    const certified = new Uint8Array(readFileSync(await certify('2', form)));
    const verified = await changedThenApproved(certified, 'p2-field-added-approved.pdf', (model) => {
      const page = model.document.getPages()[0]!;
      const formRef = model.document.catalog.get(PDFName.of('AcroForm')) as PDFRef; // its /Fields direct
      const form = model.context.lookup(formRef, PDFDict);
      const added = model.context.obj({
        Type: 'Annot',
        Subtype: 'Widget',
        FT: 'Tx',
        T: PDFString.of('ghi_chu'),
        V: PDFString.of('Huy bo'),
        Rect: [68, 692, 368, 722],
        P: page.ref,
      });
      const addedRef = model.context.register(added);
      form.lookup(PDFName.of('Fields'), PDFArray).push(addedRef);
      return [{ ref: addedRef, object: added }, onPage(model, addedRef), { ref: formRef, object: form }];
    });
    expect(verified.code).toBe(1);
    expect(verified.report.signatures[0]!.problems).toEqual(['DOCMDP_VIOLATION']);
    expect(verified.report.signatures[0]!.details.join('\n')).toMatch(
      /DocMDP P=2.*a form field other than a signature "ghi_chu" \(object \d+\) was added/,
    );
  });

  it("certified with P=2, the note's appearance rewritten in place (an annotation changed), then approved: DOCMDP_VIOLATION", async () => {
    const certified = new Uint8Array(readFileSync(await certify('2', form)));
    let appearanceRef: PDFRef | undefined;
    const verified = await changedThenApproved(certified, 'p2-note-changed-approved.pdf', (model) => {
      const note = model.document
        .getPages()[0]!
        .node.Annots()!
        .asArray()
        .map((ref) => model.context.lookup(ref, PDFDict))
        .find((a) => a.get(PDFName.of('Subtype')) === PDFName.of('Text'))!;
      appearanceRef = note.lookup(PDFName.of('AP'), PDFDict).get(PDFName.of('N')) as PDFRef;
      // Another drawing under the same object number: what the certifier saw is gone.
      const appearance = model.context.stream('1 0 0 rg 0 0 20 20 re f', {
        Type: 'XObject',
        Subtype: 'Form',
        BBox: [0, 0, 20, 20],
      });
      return [{ ref: appearanceRef, object: appearance }];
    });
    expect(verified.code).toBe(1);
    expect(verified.report.signatures[0]!.problems).toEqual(['DOCMDP_VIOLATION']);
    expect(verified.report.signatures[0]!.details.join('\n')).toContain(
      `an annotation on page 1 was changed (object ${appearanceRef!.objectNumber})`,
    );
  });

  /** `certified` with one revision setting the text field's value (its appearance left as it was), written to `name`. */
  const filledIn = async (certified: string, name: string) => {
    const bytes = new Uint8Array(readFileSync(certified));
    const model = await openPdfModel(bytes);
    const { ref, field } = textField(model);
    field.set(PDFName.of('V'), PDFString.of('15/QD-UBND'));
    const update = [{ ref, body: serializePdfObject(field) }];
    writeFileSync(file(name), appendIncrementalUpdate(bytes, model.context, update, previousXref(model)).pdf);
    return file(name);
  };

  it('certified with P=1, the text field filled in (no signature after): DOCMDP_VIOLATION, as any change', async () => {
    const filled = await filledIn(await certify('1', form), 'p1-filled.pdf');
    const verified = await verify(filled);
    expect(verified.code).toBe(1);
    expect(verified.report.signatures[0]!.problems).toEqual([
      'DOCMDP_VIOLATION',
      'DOCUMENT_MODIFIED_AFTER_SIGNING',
    ]);
    expect(verified.report.signatures[0]!.details.join('\n')).toContain('DocMDP P=1');
  });

  it('certified with P=2, the text field filled in (no signature after): TOTAL-PASSED, the fill-in permitted and said to be unsigned; pdfsig: valid, not the total document', async () => {
    const filled = await filledIn(await certify('2', form), 'p2-filled-only.pdf');
    const seen = pdfsig(filled, nssDb);
    expect(
      seen.signatures.map((s) => s.valid && s.trusted),
      seen.output,
    ).toEqual([true]);
    expect(seen.output).toMatch(/Not total document signed/);
    const verified = await verify(filled);
    expect(verified.code, verified.stdout).toBe(0);
    const [certification] = verified.report.signatures;
    expect(certification).toMatchObject({
      indication: 'TOTAL-PASSED',
      problems: [],
      coverage: { after: 'permitted-changes', wholeDocument: false },
    });
    expect(certification!.details).toContainEqual(
      expect.stringMatching(
        /^warning: \d+ bytes were added after the certification, changes its DocMDP P=2 permits \(form filling\): no signature covers them$/,
      ),
    );
  });

  it('certified with P=2, approved by kyso sign, then the text field filled in: both TOTAL-PASSED, the fill-in permitted after the approval too; pdfsig: both valid', async () => {
    const approved = file('p2-form-approved.pdf');
    const r = await sign(await certify('2', form), approved, EC_SIGNER);
    expect(r.status, r.stderr).toBe(0);
    const filled = await filledIn(approved, 'p2-approved-then-filled.pdf');
    const seen = pdfsig(filled, nssDb);
    expect(
      seen.signatures.map((s) => s.valid && s.trusted),
      seen.output,
    ).toEqual([true, true]);
    const verified = await verify(filled);
    expect(verified.code, verified.stdout).toBe(0);
    const [certification, approval] = verified.report.signatures;
    expect(certification).toMatchObject({ indication: 'TOTAL-PASSED', problems: [] });
    expect(approval).toMatchObject({
      indication: 'TOTAL-PASSED',
      problems: [],
      coverage: { after: 'permitted-changes', wholeDocument: false },
    });
    expect(approval!.details).toContainEqual(
      expect.stringMatching(
        /^warning: \d+ bytes were added after this signature, changes the document's certification \(DocMDP P=2\) permits \(form filling\): no signature covers them$/,
      ),
    );
  });

  it("certified with P=2, approved by kyso sign, then the page's text rewritten: the approval DOCUMENT_MODIFIED_AFTER_SIGNING, the certification DOCMDP_VIOLATION", async () => {
    const approved = file('p2-plain-approved.pdf');
    const r = await sign(await certify('2'), approved, EC_SIGNER);
    expect(r.status, r.stderr).toBe(0);
    const changed = file('p2-approved-then-changed.pdf');
    writeFileSync(changed, await changedBy(new Uint8Array(readFileSync(approved)), pageTextRewritten));
    const verified = await verify(changed);
    expect(verified.code).toBe(1);
    const [certification, approval] = verified.report.signatures;
    expect(certification!.problems).toEqual(['DOCMDP_VIOLATION']);
    expect(approval).toMatchObject({
      problems: ['DOCUMENT_MODIFIED_AFTER_SIGNING'],
      coverage: { after: 'other' },
    });
  });

  it("certified with P=2, the page's text rewritten (no signature after): DOCMDP_VIOLATION and DOCUMENT_MODIFIED_AFTER_SIGNING", async () => {
    const certified = new Uint8Array(readFileSync(await certify('2')));
    const changed = file('p2-page-changed.pdf');
    writeFileSync(changed, await changedBy(certified, pageTextRewritten));
    const verified = await verify(changed);
    expect(verified.code).toBe(1);
    const [certification] = verified.report.signatures;
    expect(certification).toMatchObject({
      indication: 'TOTAL-FAILED',
      problems: ['DOCMDP_VIOLATION', 'DOCUMENT_MODIFIED_AFTER_SIGNING'],
      coverage: { after: 'other' },
    });
    expect(certification!.details.join('\n')).toMatch(/DocMDP P=2.*an object page 1 draws with/);
  });

  it("certified with P=2, the certification's own (signed) field given a visible appearance, then approved: DOCMDP_VIOLATION", async () => {
    const certified = new Uint8Array(readFileSync(await certify('2')));
    const verified = await changedThenApproved(
      certified,
      'p2-certification-restyled-approved.pdf',
      (model) => {
        const ref = model.document.getForm().getSignature('Signature1').ref;
        const widget = model.context.lookup(ref, PDFDict);
        const stamp = model.context.stream('BT /F1 12 Tf 4 8 Td (Da duyet: Nguoi Khac) Tj ET', {
          Type: 'XObject',
          Subtype: 'Form',
          BBox: [0, 0, 200, 30],
        });
        const stampRef = model.context.register(stamp);
        widget.set(PDFName.of('Rect'), model.context.obj([72, 72, 272, 102]));
        widget.set(PDFName.of('AP'), model.context.obj({ N: stampRef }));
        return [
          { ref: stampRef, object: stamp },
          { ref, object: widget },
        ];
      },
    );
    expect(verified.code).toBe(1);
    expect(verified.report.signatures[0]!.problems).toEqual(['DOCMDP_VIOLATION']);
    expect(verified.report.signatures[0]!.details.join('\n')).toMatch(
      /DocMDP P=2.*the signed signature field "Signature1" \(object \d+\) was changed/,
    );
  });

  it('certified with P=2, a script run on opening added to the catalog (/OpenAction), then approved: DOCMDP_VIOLATION', async () => {
    const certified = new Uint8Array(readFileSync(await certify('2')));
    const verified = await changedThenApproved(certified, 'p2-open-action-approved.pdf', (model) => {
      const catalogRef = model.context.trailerInfo.Root as PDFRef;
      const catalog = model.context.lookup(catalogRef, PDFDict);
      catalog.set(
        PDFName.of('OpenAction'),
        model.context.obj({ S: 'JavaScript', JS: PDFString.of("app.alert('Cong van so 99');") }),
      );
      return [{ ref: catalogRef, object: catalog }];
    });
    expect(verified.code).toBe(1);
    expect(verified.report.signatures[0]!.problems).toEqual(['DOCMDP_VIOLATION']);
    expect(verified.report.signatures[0]!.details.join('\n')).toMatch(
      /DocMDP P=2.*the catalog's \/OpenAction \(what a reader runs or opens with the document\) was changed/,
    );
  });

  it("certified with P=2, a layer of the page's text turned off (/OCProperties rewritten, no page object changed), then approved: DOCMDP_VIOLATION", async () => {
    const input = file('layered.pdf');
    writeFileSync(input, await layeredPdf('Cong van so 15', 'Chi duoc chi toi da 10 trieu'));
    const certified = await certify('2', input);
    let propertiesRef: PDFRef | undefined;
    const verified = await changedThenApproved(
      new Uint8Array(readFileSync(certified)),
      'p2-layer-hidden-approved.pdf',
      (model) => {
        propertiesRef = model.document.catalog.get(PDFName.of('OCProperties')) as PDFRef;
        const properties = model.context.lookup(propertiesRef, PDFDict);
        const layers = properties.lookup(PDFName.of('OCGs'), PDFArray);
        properties.set(PDFName.of('D'), model.context.obj({ ON: [], OFF: layers, Order: layers }));
        return [{ ref: propertiesRef, object: properties }];
      },
    );
    // What the change does: poppler no longer draws the layered line the certifier signed.
    const inked = (pdf: string) =>
      countPixels(renderPage(pdf), { x: 72, y: 640, width: 300, height: 30 }, (r, g, b) => r + g + b < 300);
    expect(inked(certified)).toBeGreaterThan(100);
    expect(inked(file('p2-layer-hidden-approved.pdf'))).toBe(0);
    expect(verified.code).toBe(1);
    expect(verified.report.signatures[0]!.problems).toEqual(['DOCMDP_VIOLATION']);
    expect(verified.report.signatures[0]!.details.join('\n')).toContain(
      `an object the catalog's /OCProperties names (object ${propertiesRef!.objectNumber}) was rewritten`,
    );
  });

  it('certified with P=2 by kyso, the form filled in and approved by pdfsig -add-signature (poppler): kyso verify TOTAL-PASSED', async () => {
    const filled = await filledIn(await certify('2', form), 'p2-filled.pdf');
    // The approver's key in the NSS database, as poppler signs with it.
    const run = promisify(execFile);
    const p12 = file('approver.p12');
    await run('openssl', [
      'pkcs12',
      '-export',
      '-in',
      file('sw-rsa.pem'),
      '-inkey',
      file('sw-rsa.key'),
      '-name',
      'approver',
      '-out',
      p12,
      '-passout',
      'pass:',
    ]);
    await run('pk12util', ['-i', p12, '-d', `sql:${nssDb}`, '-W', '']);
    const approved = file('p2-filled-poppler.pdf');
    await run('pdfsig', ['-nssdir', `sql:${nssDb}`, '-add-signature', '-nick', 'approver', filled, approved]);
    const verified = await verify(approved);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.report.signatures.map((s) => s.problems)).toEqual([[], []]);
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
