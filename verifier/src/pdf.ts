/**
 * PAdES: every signature and document time-stamp of a PDF. A signature covers its revision; what
 * was appended after the last signature may only be long-term validation data (a DSS, document
 * time-stamps: ETSI EN 319 142-1 B-LT/B-LTA), anything else is DOCUMENT_MODIFIED_AFTER_SIGNING.
 * A certification that allows no changes (DocMDP P=1) fails if anything but such data follows it;
 * one that allows form filling and signing (P=2, P=3) fails on what else changed after it (docmdp.ts).
 */
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRef, PDFStream, type PDFObject } from 'pdf-lib';
import * as pkijs from 'pkijs';
import { verifyTimeStampToken } from '../../shared/cms/verify-timestamp.js';
import { parseSignedData } from '../../shared/cms/long-term.js';
import {
  DssTooLargeError,
  pdfSignatureFields,
  readDss,
  type DssContents,
  type PdfSignatureField,
} from '../../shared/pdf/long-term.js';
import { certificationOf, type DocMdpPermissions } from '../../shared/pdf/docmdp.js';
import { PdfDocumentError } from '../../shared/pdf/errors.js';
import { openPdfModel } from '../../shared/pdf/model.js';
import { STRUCTURE_STREAM_LIMITS } from '../../shared/pdf/xref.js';
import { buildChain, describeCertificate, parseCertificate } from './certificates.js';
import { changesNotAllowed } from './docmdp.js';
import { lockedFieldsChanged } from './fieldmdp.js';
import { InputError, cmsReport } from './cms.js';
import {
  addProblem,
  assertVerifyOptions,
  finish,
  judgeTimestampPath,
  signerIdentity,
  type Draft,
  type ExistenceProof,
  type TimestampRefusal,
  type VerifyOptions,
} from './judge.js';
import { sameExcept, sameObject, sameOrAbsent } from './pdf-objects.js';
import type { EmbeddedEvidence } from './revocation.js';
import { judgeSeedValue } from './seed-value.js';
import {
  overall,
  type Coverage,
  type Problem,
  type SignatureReport,
  type VerificationReport,
} from './report.js';

/** A PDF date, D:YYYYMMDDHHmmSS with an optional offset (+07'00'). */
export function pdfDate(value: string): Date | undefined {
  const d = /D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:([+-])(\d{2})'?(\d{2})?)?/.exec(value);
  if (!d) return undefined;
  const [, y, mo, da, h, mi, s, sign, oh, om] = d;
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(oh ?? 0) * 60 + Number(om ?? 0)) : 0;
  return new Date(
    Date.UTC(Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(s)) - offset * 60_000,
  );
}

/** Why readers may not show what was signed, in kyso's words (the problem names what was found). */
function unreadableSentence(error: unknown): string {
  if (error instanceof PdfDocumentError && error.code === 'PDF_AMBIGUOUS')
    return `the PDF reads differently in different readers (${error.problem}): what a viewer shows may not be what was signed`;
  const problem = error instanceof PdfDocumentError ? ` (${error.problem})` : '';
  return `the PDF's structure is damaged${problem}: readers repair it each their own way, and may show what was not signed`;
}

interface ReadPdf {
  doc: PDFDocument;
  /** Set when readers could resolve the file differently: every signature then fails with it. */
  unreadable?: string;
}

/**
 * The PDF as readers resolve it: the objects its cross-reference chain designates (pdf-lib's own
 * loader keeps the last definition of an object in the file, designated or not, so a revision
 * could show readers one object and the verifier another). A file readers could resolve
 * differently is still read by pdf-lib's loader, to report its signatures, each of them failed.
 */
async function readPdf(pdf: Uint8Array): Promise<ReadPdf> {
  if (Buffer.from(pdf.subarray(0, 1024)).indexOf('%PDF-') < 0)
    throw new InputError('not a PDF (no %PDF- header)', 'UNKNOWN_FORMAT');
  try {
    return { doc: (await openPdfModel(pdf)).document };
  } catch (error) {
    if (error instanceof PdfDocumentError && error.code === 'PDF_ENCRYPTED')
      throw new InputError('the PDF is encrypted with a password', 'UNKNOWN_FORMAT');
    // Before pdf-lib's loader, which would inflate the same streams whole.
    if (error instanceof PdfDocumentError && error.problem === 'stream-too-large')
      throw new InputError(
        `the PDF's cross-reference or object streams decode to more than ${STRUCTURE_STREAM_LIMITS.streamBytes} bytes each or ${STRUCTURE_STREAM_LIMITS.totalBytes} in all`,
        'TOO_LARGE',
      );
    const doc = await PDFDocument.load(pdf, {
      updateMetadata: false,
      ignoreEncryption: true,
      throwOnInvalidObject: true,
    }).catch(() => undefined);
    if (!doc || !(doc.context.lookup(doc.context.trailerInfo.Root) instanceof PDFDict))
      throw new InputError('the PDF cannot be parsed', 'UNKNOWN_FORMAT');
    return { doc, unreadable: unreadableSentence(error) };
  }
}

/** The PDF as readers resolve it; InputError for one they could resolve differently. */
export async function loadPdf(pdf: Uint8Array): Promise<PDFDocument> {
  const { doc, unreadable } = await readPdf(pdf);
  if (unreadable) throw new InputError(unreadable, 'UNKNOWN_FORMAT');
  return doc;
}

/**
 * A field or widget whose value is a document time-stamp, and that shows nothing: a visible
 * appearance added after signing could draw anything over the signed page.
 */
function isDocumentTimestampField(doc: PDFDocument, item: PDFObject): boolean {
  const field = doc.context.lookup(item);
  if (!(field instanceof PDFDict)) return false;
  const value = field.lookupMaybe(PDFName.of('V'), PDFDict);
  const type = value?.lookupMaybe(PDFName.of('Type'), PDFName)?.decodeText();
  const subFilter = value?.lookupMaybe(PDFName.of('SubFilter'), PDFName)?.decodeText();
  if (type !== 'DocTimeStamp' && subFilter !== 'ETSI.RFC3161') return false;
  // An action runs when the widget is shown or touched (JavaScript could rewrite the page).
  if (field.has(PDFName.of('A')) || field.has(PDFName.of('AA'))) return false;
  const rect = field
    .lookupMaybe(PDFName.of('Rect'), PDFArray)
    ?.asArray()
    .map((n) => ('asNumber' in n ? (n as unknown as { asNumber(): number }).asNumber() : NaN));
  const invisible = !rect || (rect.length === 4 && (rect[2]! - rect[0]! === 0 || rect[3]! - rect[1]! === 0));
  return invisible || !field.has(PDFName.of('AP'));
}

/**
 * `after` keeps `before`'s items in order and adds only document time-stamp fields; those are
 * put in `accepted` (the only new objects readers may reach through an /Annots or /Fields list).
 */
function onlyTimestampsAdded(
  before: PDFObject | undefined,
  after: PDFObject | undefined,
  oldDoc: PDFDocument,
  doc: PDFDocument,
  accepted: Set<PDFObject>,
): boolean {
  const list = (d: PDFDocument, o: PDFObject | undefined) => {
    const resolved = o instanceof PDFRef ? d.context.lookup(o) : o;
    return resolved instanceof PDFArray ? resolved.asArray() : resolved === undefined ? [] : undefined;
  };
  const a = list(oldDoc, before);
  const b = list(doc, after);
  if (!a || !b || b.length < a.length) return false;
  if (!a.every((item, i) => sameObject(item, b[i]))) return false;
  const added = b.slice(a.length);
  if (!added.every((item) => isDocumentTimestampField(doc, item))) return false;
  for (const item of added) accepted.add(item);
  return true;
}

/** The trailer still names the signed document: its catalog, its information dictionary, its encryption. */
function sameTrailer(oldDoc: PDFDocument, doc: PDFDocument): boolean {
  const before = oldDoc.context.trailerInfo;
  const after = doc.context.trailerInfo;
  return (
    before.Root instanceof PDFRef &&
    before.Root === after.Root &&
    sameOrAbsent(before.Info, after.Info) &&
    sameOrAbsent(before.Encrypt, after.Encrypt)
  );
}

/** The lists a document time-stamp field is added to: a page's /Annots, the AcroForm's /Fields. */
const FIELD_LISTS = new Set(['Annots', 'Fields']);

/**
 * Whether readers reach an object the signed revision did not have, other than through the
 * catalog's `exemptKeys` (/DSS) or a document time-stamp field `accepted` in an /Annots or
 * /Fields list: they would show what no signature covers (a signed page whose /Contents names an
 * object that did not exist yet, defined afterwards). Reached through an ordinary key, even an
 * object the DSS also names counts.
 */
function reachesNewObject(
  oldDoc: PDFDocument,
  doc: PDFDocument,
  accepted: Set<PDFObject>,
  exemptKeys: string[],
): boolean {
  const { Root, Info } = doc.context.trailerInfo;
  const catalog = doc.context.lookup(Root);
  // Seen per context: an array met under /Annots skips accepted items, under another key it does not.
  const seen = { list: new Set<PDFObject>(), other: new Set<PDFObject>() };
  const pending: Array<[PDFObject, string | undefined]> = [Root, Info]
    .filter((o): o is PDFObject => o !== undefined)
    .map((o) => [o, undefined]);
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [object, key] = next;
    const inList = key !== undefined && FIELD_LISTS.has(key);
    const visited = inList ? seen.list : seen.other;
    if (visited.has(object)) continue;
    visited.add(object);
    if (object instanceof PDFRef) {
      const resolved = doc.context.lookup(object);
      if (resolved === undefined) continue; // null to readers as well
      if (oldDoc.context.lookup(object) === undefined) return true;
      pending.push([resolved, key]);
    } else if (object instanceof PDFDict || object instanceof PDFStream) {
      const dict = object instanceof PDFStream ? object.dict : object;
      for (const [name, value] of dict.entries()) {
        const entry = name.decodeText();
        if (dict === catalog && exemptKeys.includes(entry)) continue;
        pending.push([value, entry]);
      }
    } else if (object instanceof PDFArray) {
      for (const item of object.asArray()) if (!(inList && accepted.has(item))) pending.push([item, key]);
    }
  }
  return false;
}

/** A revision of the file (its first `covered` bytes), read through its own xref chain; undefined when it cannot be. */
type RevisionReader = (covered: number) => Promise<PDFDocument | undefined>;

/** Each revision read once per verification: the checks of one signature look at the same one. */
function revisionReader(pdf: Uint8Array): RevisionReader {
  const read = new Map<number, Promise<PDFDocument | undefined>>();
  return (covered) => {
    let revision = read.get(covered);
    if (!revision) {
      revision = openPdfModel(pdf.subarray(0, covered)).then(
        (model) => model.document,
        () => undefined,
      );
      read.set(covered, revision);
    }
    return revision;
  };
}

/** The entries of a DSS dictionary (ISO 32000-2 §12.8.4.3) that an update may add evidence to. */
const DSS_EVIDENCE = Object.fromEntries(['Certs', 'OCSPs', 'CRLs', 'VRI'].map((key) => [key, () => true]));

/**
 * Whether the revisions after `covered` bytes only add validation data (DSS) and document
 * time-stamps: the trailer names the signed catalog, every signed object is unchanged but for
 * those additions, and every new object readers can reach hangs from the DSS or such a field.
 */
async function onlyValidationDataAfter(
  revision: RevisionReader,
  covered: number,
  doc: PDFDocument,
): Promise<boolean> {
  // The signed revision as its own xref chain designates it (a revision that cannot be read alone is not one).
  const oldDoc = await revision(covered);
  if (!oldDoc || !sameTrailer(oldDoc, doc)) return false;
  const catalogRef = oldDoc.context.trailerInfo.Root;
  // A DSS the signed revision had may be extended in place (kyso's own B-LTA renewal does so).
  const oldDssRef = oldDoc.context.lookupMaybe(catalogRef, PDFDict)?.get(PDFName.of('DSS'));
  const accepted = new Set<PDFObject>();
  const added = (b: PDFObject | undefined, a: PDFObject | undefined) =>
    onlyTimestampsAdded(b, a, oldDoc, doc, accepted);
  const acroFormRule = { Fields: added, SigFlags: () => true };
  const exemptKeys = ['DSS'];
  /** An AcroForm where the signed catalog had none: only document time-stamp fields in it. */
  const newAcroForm = (a: PDFObject | undefined) => {
    const form = a === undefined ? undefined : doc.context.lookup(a);
    const ok = form instanceof PDFDict && sameExcept(doc.context.obj({}), form, acroFormRule);
    if (ok) exemptKeys.push('AcroForm');
    return ok;
  };
  let changes = 0; // bytes that change no object (junk after %%EOF) are not validation data either
  for (const [ref, before] of oldDoc.context.enumerateIndirectObjects()) {
    const after = doc.context.lookup(ref);
    if (sameObject(before, after)) continue;
    if (!(before instanceof PDFDict) || !(after instanceof PDFDict)) {
      // An indirect /Annots or /Fields array.
      if (before instanceof PDFArray && after instanceof PDFArray && added(before, after)) {
        changes++;
        continue;
      }
      return false;
    }
    if (ref === oldDssRef) {
      if (!sameExcept(before, after, DSS_EVIDENCE)) return false;
      changes++;
      continue;
    }
    const isCatalog =
      ref === catalogRef || before.lookupMaybe(PDFName.of('Type'), PDFName)?.decodeText() === 'Catalog';
    const isPage = before.lookupMaybe(PDFName.of('Type'), PDFName)?.decodeText() === 'Page';
    const isAcroForm = before.has(PDFName.of('Fields'));
    const ok = isCatalog
      ? sameExcept(before, after, {
          DSS: () => true,
          AcroForm: (b, a) =>
            sameObject(b, a) ||
            (b instanceof PDFDict && a instanceof PDFDict && sameExcept(b, a, acroFormRule)) ||
            (b === undefined && newAcroForm(a)),
        })
      : isPage
        ? sameExcept(before, after, { Annots: added })
        : isAcroForm && sameExcept(before, after, acroFormRule);
    if (!ok) return false;
    changes++;
  }
  return changes > 0 && !reachesNewObject(oldDoc, doc, accepted, exemptKeys);
}

async function documentTimestampReport(
  field: PdfSignatureField,
  signed: Uint8Array,
  options: VerifyOptions,
  validationTime: Date,
  laterProof: ExistenceProof | undefined,
  /** The file's DSS: revocation evidence about the TSA's path too. */
  dss: EmbeddedEvidence,
): Promise<SignatureReport> {
  const report: Draft = { kind: 'document-timestamp', format: 'PAdES', problems: [], details: [] };
  // SHA-1 in the token is judged by the sunset where its TSA is judged at all (timestampRoots); else refused.
  const check = await verifyTimeStampToken(
    field.contents,
    { data: signed },
    options.timestampRoots ? { trustedRoots: options.timestampRoots, legacyHashes: true } : {},
  );
  for (const problem of check.problems)
    addProblem(
      report,
      // Only an imprint that differs shows the document changed; one of a refused hash proves nothing.
      /imprint does not match/.test(problem)
        ? 'DIGEST_MISMATCH'
        : /malformed|not a/i.test(problem)
          ? 'MALFORMED'
          : 'TIMESTAMP_INVALID',
      problem,
    );
  let tsaReadable = true;
  // Legacy cryptography, or a TSA certificate expired or revoked, with nothing proving the token from before: its time proves nothing (judge.ts).
  let refusal: TimestampRefusal | undefined;
  let renewBefore: Date | undefined;
  try {
    if (check.tsaCertificate) report.signer = signerIdentity(check.tsaCertificate);
  } catch {
    tsaReadable = false;
    addProblem(report, 'MALFORMED', "the time-stamping authority's certificate cannot be read");
  }
  if (check.tsaCertificate && tsaReadable) {
    const tsa = parseCertificate(check.tsaCertificate);
    const carried = (parseSignedData(field.contents)?.signedData.certificates ?? []).filter(
      (c): c is typeof tsa => 'subject' in c,
    );
    if (options.timestampRoots) {
      const chain = await buildChain(
        tsa,
        carried,
        options.timestampRoots.map(parseCertificate),
        check.time ?? new Date(),
      );
      report.chain = chain.path.map(describeCertificate);
      const path = chain.valid ? chain.path : [tsa];
      const judged = await judgeTimestampPath(
        { path, legacy: check.legacy },
        options,
        dss,
        validationTime,
        laterProof,
      );
      refusal = judged.refusal;
      // Nothing later proves this one: the archive must be stamped again before its TSA's certificate expires.
      if (!refusal && !laterProof) renewBefore = judged.expires;
      if (refusal) addProblem(report, refusal.problem, `the document time-stamp: ${refusal.sentence}`);
      else for (const rescued of judged.rescued) report.details.push(`the document time-stamp: ${rescued}`);
    } else
      report.details.push(
        'warning: no timestampRoots given: the time-stamping authority is not checked against a root',
      );
  }
  if (check.time) {
    Object.assign(report, {
      signingTime: check.time,
      ...(!refusal && { timeSource: 'timestamp' }),
      timestamp: {
        time: check.time,
        ...(report.signer && { tsa: report.signer.name }),
        ...(renewBefore && !report.problems.length && { renewBefore }),
      },
    });
  }
  return finish(report);
}

/**
 * The DocMDP permissions a signature certified its document with, read from the revision it signed
 * (a later one could drop /Perms or rewrite the signature dictionary): that revision's catalog
 * /Perms /DocMDP must name this very signature, by its /ByteRange.
 */
async function certifiedPermissions(
  revision: RevisionReader,
  field: PdfSignatureField,
): Promise<DocMdpPermissions | undefined> {
  const [, , c, d] = field.byteRange;
  const signed = await revision(c + d);
  const certification = signed && certificationOf(signed);
  return certification?.byteRange?.join(' ') === field.byteRange.join(' ')
    ? certification.permissions
    : undefined;
}

interface Certification {
  field: PdfSignatureField;
  permissions: DocMdpPermissions;
}

/** The document's certification: the first signature its signed revision's /Perms /DocMDP names, and its permissions. */
async function documentCertification(
  revision: RevisionReader,
  fields: PdfSignatureField[],
): Promise<Certification | undefined> {
  for (const field of fields) {
    if (field.documentTimestamp) continue;
    const permissions = await certifiedPermissions(revision, field);
    if (permissions !== undefined) return { field, permissions };
  }
  return undefined;
}

/**
 * What a certification allows after it. With "no changes" (P=1): nothing but validation data (a
 * DSS, document time-stamps); a later signature, or any other change, voids it. P=2 and P=3 allow
 * later signatures and form filling (P=3 also annotations), not changed pages, other annotation
 * changes or other field changes (changesNotAllowed). The certification's permissions hold after
 * every later signature too: a form filled in after an approval is permitted (ISO 32000-1 §12.8.2.2;
 * Acrobat and pdfsig agree). Undefined when no certification speaks for what follows the field, or
 * nothing follows it; `permits` when all that follows is allowed.
 */
async function docMdpJudgement(
  revision: RevisionReader,
  field: PdfSignatureField,
  coverage: Coverage,
  doc: PDFDocument,
  certification: Certification | undefined,
): Promise<{ violation: string } | { permits: 2 | 3 } | undefined> {
  if (field.documentTimestamp || coverage.after === 'none' || coverage.after === 'validation-data')
    return undefined;
  if (certification && certification.field !== field) {
    // An approval after a certification: what follows it is judged by the certification's own
    // permissions (which judges it too, from its own revision); a violation is the certification's.
    const { permissions } = certification;
    if (coverage.after !== 'other' || (permissions !== 2 && permissions !== 3)) return undefined;
    if (certification.field.byteRange[2] + certification.field.byteRange[3] > coverage.coveredBytes)
      return undefined;
    const signed = await revision(coverage.coveredBytes);
    return signed && !changesNotAllowed(signed, doc, permissions) ? { permits: permissions } : undefined;
  }
  const permissions = certification?.permissions;
  if (permissions === 2 || permissions === 3) {
    const certified = await revision(field.byteRange[2] + field.byteRange[3]);
    if (!certified) return undefined;
    const changed = changesNotAllowed(certified, doc, permissions);
    return changed
      ? {
          violation: `the document was certified with form filling${permissions === 3 ? ', annotations' : ''} and signing allowed (DocMDP P=${permissions}), and after the certification ${changed}`,
        }
      : { permits: permissions };
  }
  if (permissions !== 1) return undefined;
  const what =
    coverage.after === 'later-signatures' ? 'a later signature' : 'changes other than validation data';
  return {
    violation: `the document was certified with no changes allowed (DocMDP P=1), and ${coverage.bytesAfter} bytes were added after the certification: ${what}`,
  };
}

const PDF_WHITESPACE = /[\0\t\n\f\r ]/g;

/**
 * Whether the ByteRange leaves out the signature's /Contents hex string and nothing else (as Adobe
 * and Poppler's "total document signed" require): a wider hole holds bytes no signature covers,
 * which can be rewritten after signing (a page's text) while the signature still verifies.
 */
function holeIsContents(pdf: Uint8Array, field: PdfSignatureField): boolean {
  const [, b, c] = field.byteRange;
  if (field.contents.length === 0 || c - b < 2 || pdf[b] !== 0x3c || pdf[c - 1] !== 0x3e) return false;
  const hex = Buffer.from(pdf.subarray(b + 1, c - 1))
    .toString('latin1')
    .replace(PDF_WHITESPACE, '');
  if (!/^[0-9A-Fa-f]*$/.test(hex)) return false;
  // The CMS cannot be in the signed bytes it signs: a string in the hole that begins with it is /Contents.
  const decoded = Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex');
  return decoded.subarray(0, field.contents.length).equals(field.contents);
}

/** A finished report with one more problem, its outcome judged again. */
function withProblem(report: SignatureReport, problem: Problem, detail: string): SignatureReport {
  const problems = [...report.problems];
  const details = [...report.details];
  addProblem({ problems, details }, problem, detail);
  return finish({ ...report, problems, details });
}

/**
 * The signature judged against its field's seed value (seed-value.ts): SEED_VALUE_NOT_MET naming
 * each required constraint it breaks.
 */
async function withSeedValue(
  report: SignatureReport,
  at: {
    pdf: Uint8Array;
    doc: PDFDocument;
    revision: RevisionReader;
    field: PdfSignatureField;
    dss: DssContents;
    options: VerifyOptions;
    certification: Certification | undefined;
  },
): Promise<SignatureReport> {
  const { pdf, doc, revision, field, dss, options, certification } = at;
  const parsed = parseSignedData(field.contents);
  const covered = field.byteRange[2] + field.byteRange[3];
  const signed = covered === pdf.length ? doc : await revision(covered);
  if (!parsed || !signed) return report;
  const carried = (parsed.signedData.certificates ?? []).flatMap((c) =>
    c instanceof pkijs.Certificate ? [new Uint8Array(c.toSchema().toBER())] : [],
  );
  const judgement = judgeSeedValue(
    signed,
    {
      byteRange: field.byteRange,
      ...parsed,
      ...(report.signer && { certificate: report.signer.certificate }),
      chain: report.chain ?? [],
      ...(certification?.field === field && { certify: certification.permissions }),
    },
    [...carried, ...dss.certificates, ...(options.intermediates ?? []), ...options.trustedRoots],
  );
  for (const warning of judgement.warnings) report.details.push(`warning: ${warning}`);
  if (judgement.broken.length === 0) return report;
  return withProblem(
    report,
    'SEED_VALUE_NOT_MET',
    `the form's signature field requires (seed value /SV) what this signature is not: ${judgement.broken.join(', ')}`,
  );
}

/**
 * Every signature and document time-stamp of a PDF, in the order they were added. The last
 * signature must cover the whole file but for validation data appended after it (DSS, document
 * time-stamps); earlier ones cover their own revision.
 */
export async function verifyPdfSignatures(
  pdf: Uint8Array,
  options: VerifyOptions,
): Promise<VerificationReport> {
  assertVerifyOptions(options);
  const validationTime = options.validationTime ?? new Date();
  const { doc, unreadable } = await readPdf(pdf);
  const revision = revisionReader(pdf);
  const fields = pdfSignatureFields(doc);
  const dss = await readDss(doc).catch((error: unknown) => {
    if (error instanceof DssTooLargeError) throw new InputError(error.message, 'TOO_LARGE');
    throw error;
  });
  const signatures: SignatureReport[] = [];
  const lastSignature = fields.filter((f) => !f.documentTimestamp).at(-1);
  const certification = unreadable ? undefined : await documentCertification(revision, fields);
  // Newest first: a document time-stamp that passes proves all it covers existed by its time, which
  // lets an earlier time-stamp of legacy cryptography count (EN 319 102-1 §5.6.2.2).
  const proofs: { covered: number; proof: ExistenceProof }[] = [];
  for (const index of newestFirst(fields)) {
    const field = fields[index]!;
    const [a, b, c, d] = field.byteRange;
    const covered = c + d;
    const laterProof = proofs
      .filter((p) => p.covered > covered)
      .reduce<ExistenceProof | undefined>(
        (earliest, { proof }) => (earliest && earliest.time <= proof.time ? earliest : proof),
        undefined,
      );
    if (
      !field.byteRange.every(Number.isInteger) ||
      a !== 0 ||
      b < 0 ||
      c < b ||
      d < 0 ||
      covered > pdf.length
    ) {
      signatures[index] = finish({
        kind: field.documentTimestamp ? 'document-timestamp' : 'signature',
        format: 'PAdES',
        problems: ['MALFORMED'],
        details: [
          field.byteRange.every(Number.isInteger)
            ? `the ByteRange (${field.byteRange.join(' ')}) is not two ranges in order within the file, the first from byte 0`
            : 'the ByteRange is not four whole numbers (two ranges): what the signature covers cannot be told',
        ],
      });
      continue;
    }
    const signed = Buffer.concat([pdf.subarray(0, b), pdf.subarray(c, c + d)]);
    const claimed = field.claimedTime ? pdfDate(field.claimedTime) : undefined;
    let report = field.documentTimestamp
      ? await documentTimestampReport(field, signed, options, validationTime, laterProof, dss)
      : await cmsReport(
          field.contents,
          { content: signed },
          { ...options, validationTime },
          { format: 'PAdES', ...(claimed && { claimedTime: claimed }), external: dss, laterProof },
        );
    const holeOk = holeIsContents(pdf, field);
    if (!holeOk)
      report = withProblem(
        report,
        'MALFORMED',
        `the ByteRange leaves out more than the signature's /Contents (bytes ${b} to ${c}): what is there is covered by no signature, and may have been changed after signing`,
      );
    const later = fields.filter((f) => f !== field && f.byteRange[2] + f.byteRange[3] > covered);
    const coverage: Coverage = {
      coveredBytes: covered,
      fileBytes: pdf.length,
      wholeDocument: covered === pdf.length && holeOk,
      bytesAfter: pdf.length - covered,
      after:
        covered === pdf.length
          ? 'none'
          : later.some((f) => !f.documentTimestamp)
            ? 'later-signatures'
            : 'other',
    };
    if (coverage.after === 'other' && !unreadable && (await onlyValidationDataAfter(revision, covered, doc)))
      coverage.after = 'validation-data';
    if (unreadable) report = withProblem(report, 'MALFORMED', unreadable);
    const docMdp = unreadable
      ? undefined
      : await docMdpJudgement(revision, field, coverage, doc, certification);
    // The fields this signature locked (FieldMDP), changed by what follows it: later signatures too.
    const signedRevision =
      !unreadable &&
      !field.documentTimestamp &&
      coverage.after !== 'none' &&
      coverage.after !== 'validation-data'
        ? await revision(covered)
        : undefined;
    const lockedChanged = signedRevision && lockedFieldsChanged(signedRevision, doc, field.byteRange);
    if (lockedChanged && lockedChanged.length > 0)
      report = withProblem(
        report,
        'FIELDMDP_VIOLATION',
        `form fields this signature locks (FieldMDP) were changed after it: ${lockedChanged.map((name) => JSON.stringify(name)).join(', ')}`.slice(
          0,
          1000,
        ),
      );
    if (!field.documentTimestamp && !unreadable)
      report = await withSeedValue(report, { pdf, doc, revision, field, dss, options, certification });
    if (docMdp && 'violation' in docMdp) report = withProblem(report, 'DOCMDP_VIOLATION', docMdp.violation);
    else if (docMdp && coverage.after === 'other') {
      // A certified form filled in later is what the certification permits, not a modification of it.
      coverage.after = 'permitted-changes';
      const what = `(form filling${docMdp.permits === 3 ? ', annotations' : ''}): no signature covers them`;
      report.details.push(
        field === certification?.field
          ? `warning: ${coverage.bytesAfter} bytes were added after the certification, changes its DocMDP P=${docMdp.permits} permits ${what}`
          : `warning: ${coverage.bytesAfter} bytes were added after this signature, changes the document's certification (DocMDP P=${docMdp.permits}) permits ${what}`,
      );
    }
    if (field === lastSignature || field.documentTimestamp) {
      if (coverage.after === 'other')
        report = withProblem(
          report,
          'DOCUMENT_MODIFIED_AFTER_SIGNING',
          `${coverage.bytesAfter} bytes were added after this signature, and not only validation data`,
        );
      if (report.kind === 'signature' && later.some((f) => f.documentTimestamp)) {
        // B-LTA builds on B-T: over a signature whose own time-stamp proves no time, it is only
        // claimed; over one with no time-stamp at all, the level stays B-B (the document
        // time-stamp still proves the signature existed by its time: judge.ts).
        if (report.claimedLevel) report.claimedLevel = 'B-LTA';
        else if (report.level !== 'B-B') report.level = 'B-LTA';
      }
    }
    signatures[index] = { ...report, coverage, coveredBytes: covered };
    if (
      report.kind === 'document-timestamp' &&
      options.timestampRoots &&
      report.problems.length === 0 &&
      report.timeSource === 'timestamp'
    )
      proofs.push({
        covered,
        proof: { time: report.timestamp!.time, ...(report.signer && { tsa: report.signer.name }) },
      });
  }
  return overall(signatures, validationTime);
}

/** The fields' indices, the one covering the most bytes first (a malformed /ByteRange last). */
function newestFirst(fields: PdfSignatureField[]): number[] {
  const end = (field: PdfSignatureField) => {
    const covered = field.byteRange[2] + field.byteRange[3];
    return Number.isFinite(covered) ? covered : -1;
  };
  return fields.map((_, index) => index).sort((x, y) => end(fields[y]!) - end(fields[x]!) || x - y);
}
