/**
 * PAdES (ETSI EN 319 142-1) signatures in two steps, so the token only ever sees a digest:
 *   1. preparePdfSignature: incremental update adding a signature field, its widget and a /Sig
 *      dictionary with a zero-filled /Contents placeholder; returns the SHA-256 digest of the
 *      bytes /ByteRange covers;
 *   2. embedPdfSignature: writes the CMS (CAdES detached, no signingTime: the time is /M) into
 *      the placeholder.
 * Levels: B-B as above; B-T adds an RFC 3161 signature time-stamp to the CMS before embedding.
 * Runs in browsers and Node (WebCrypto, no node: modules).
 */
import {
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNull,
  PDFNumber,
  PDFRef,
  type PDFContext,
  type PDFPage,
  type PDFObject,
} from 'pdf-lib';
import { signCades, type DigestSigner } from '../cms/cades.js';
import { digest } from '../cms/digest.js';
import { addSignatureTimestamp, type SignatureTimestampOptions } from '../cms/timestamp.js';
import { bytesToHex } from '../encoding.js';
import { KysoError } from '../protocol/errors.js';
import { buildAppearance, pdfDateVietnam, type PdfSignatureAppearance } from './appearance.js';
import {
  appendIncrementalUpdate,
  asciiBytes,
  serializePdfObject,
  type IndirectObjectBody,
  type PreviousXref,
} from './incremental.js';
import { assertSignable, type DocMdpPermissions } from './docmdp.js';
import { objectForFile } from './encrypted-objects.js';
import { damaged } from './errors.js';
import { openPdfModel, trailerSize, type PdfModel } from './model.js';
import { assertRevisionOnlyAdds, snapshotObjects } from './revision-check.js';
import { assertLockPermissions, fieldsToMakeReadOnly, readLock, type FieldLock } from './field-lock.js';
import { assertSeedValue, signatureMade } from './seed-value.js';
import { assertSeedSigner } from './certificate-seed.js';
import { appearanceInField, findSignatureField } from './signature-field.js';

export interface PdfSignatureOptions {
  /** The /M entry (the PAdES signing time); default now. */
  signingTime?: Date;
  reason?: string;
  location?: string;
  /** The signer's name as shown by viewers (they otherwise read the certificate). */
  name?: string;
  contactInfo?: string;
  /** Field name; default "Signature<n>", the first free one. */
  fieldName?: string;
  /**
   * Sign into this empty signature field the PDF already has (its fully qualified name), as Acrobat
   * does: the signature becomes its /V, an image appearance fills its widget's box on its page, no
   * field is added, and its /Lock becomes a FieldMDP reference. BAD_REQUEST (details.problem) when
   * there is no such empty signature field (signature-field.ts).
   */
  field?: string;
  /**
   * The CMS will carry a signature time-stamp (B-T and above): a field whose seed value requires
   * one (seed-value.ts) is refused without it.
   */
  timestamped?: boolean;
  /**
   * The signer's certificate (DER): a field whose seed value requires certain certificates
   * (certificate-seed.ts) is refused for any other — and, without it, refused outright.
   */
  signerCertificate?: Uint8Array;
  /** The CA certificates at hand above it (its token's), nearest first: a seed value's Issuer may name one. */
  signerIssuers?: readonly Uint8Array[];
  /** Bytes reserved for the CMS; default 16384 (timestamped CMS with a chain fits easily). */
  contentsSize?: number;
  /**
   * Visible appearance; without it the signature is invisible (in a field: the field keeps the look
   * the form gave it; callers pass appearanceInField(undefined, field) for the signer's text).
   */
  appearance?: PdfSignatureAppearance;
  /** A PAdES document time-stamp (/DocTimeStamp, ETSI.RFC3161: /Contents is a TimeStampToken) instead of a signature. */
  documentTimestamp?: boolean;
  /**
   * A certification (DocMDP, ISO 32000-1 §12.8.2.2) signature, for agencies issuing documents:
   * the changes allowed afterwards, 1 none, 2 form filling and signing, 3 also annotations. Only
   * the first signature of a document can certify.
   */
  certify?: DocMdpPermissions;
}

export interface PreparedPdfSignature {
  /** The PDF with the placeholder; the original bytes are its prefix. */
  pdf: Uint8Array;
  /** [0, start of /Contents, end of /Contents, length of the rest]. */
  byteRange: [number, number, number, number];
  /** SHA-256 of the two ByteRange parts: the CMS messageDigest. */
  digest: Uint8Array;
  digestAlgorithm: 'SHA-256';
  signingTime: Date;
}

const DEFAULT_CONTENTS_SIZE = 16384;
/** Room for four 10-digit numbers; unused space becomes trailing blanks inside the array. */
const BYTE_RANGE_PLACEHOLDER = `[0 ${'0'.repeat(10)} ${'0'.repeat(10)} ${'0'.repeat(10)}]`;
/** Annotation flags Print (4) + Locked (128). */
const WIDGET_FLAGS = 132;

/**
 * `text` as a string of the signature dictionary: UTF-16BE with BOM, hex, so any Vietnamese text
 * survives (§7.9.2.2); encrypted for a file that is (never /Contents).
 */
type TextString = (text: string) => Promise<string>;

async function signatureDictionary(
  options: PdfSignatureOptions,
  signingTime: Date,
  contentsSize: number,
  text: TextString,
  fieldMdp?: string,
) {
  const references = [
    ...(options.certify
      ? [
          `<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P ${options.certify} /V /1.2 >> >>`,
        ]
      : []),
    ...(fieldMdp ? [fieldMdp] : []),
  ];
  const head =
    (options.documentTimestamp
      ? '<<\n/Type /DocTimeStamp\n/Filter /Adobe.PPKLite\n/SubFilter /ETSI.RFC3161\n'
      : '<<\n/Type /Sig\n/Filter /Adobe.PPKLite\n/SubFilter /ETSI.CAdES.detached\n' +
        `/M ${await text(pdfDateVietnam(signingTime))}\n`) +
    (options.reason ? `/Reason ${await text(options.reason)}\n` : '') +
    (options.location ? `/Location ${await text(options.location)}\n` : '') +
    (options.name ? `/Name ${await text(options.name)}\n` : '') +
    (options.contactInfo ? `/ContactInfo ${await text(options.contactInfo)}\n` : '') +
    (references.length > 0 ? `/Reference [${references.join(' ')}]\n` : '') +
    '/ByteRange ';
  const middle = `\n/Contents `;
  const body = `${head}${BYTE_RANGE_PLACEHOLDER}${middle}<${'0'.repeat(contentsSize * 2)}>\n>>`;
  return {
    body: asciiBytes(body),
    byteRangeAt: head.length,
    contentsAt: head.length + BYTE_RANGE_PLACEHOLDER.length + middle.length,
  };
}

function fieldNames(context: PDFContext, fields: PDFArray | undefined): Set<string> {
  const names = new Set<string>();
  for (const item of fields?.asArray() ?? []) {
    const field = context.lookup(item);
    const name = field instanceof PDFDict ? field.lookup(PDFName.of('T')) : undefined;
    if (name && 'decodeText' in name) names.add((name as PDFHexString).decodeText());
  }
  return names;
}

function hasSignedField(context: PDFContext, fields: PDFArray): boolean {
  return fields.asArray().some((item) => {
    const field = context.lookup(item);
    return (
      field instanceof PDFDict &&
      field.lookup(PDFName.of('FT')) === PDFName.of('Sig') &&
      field.has(PDFName.of('V'))
    );
  });
}

/** Tracks which existing objects an edit touched: only those are rewritten in the update. */
class ChangeSet {
  readonly refs = new Set<PDFRef>();
  touch(ref: PDFRef) {
    this.refs.add(ref);
  }
}

/** An indirect array (if any) or a direct one stored in `owner`; records what changed. */
function arrayIn(
  context: PDFContext,
  owner: PDFDict,
  ownerRef: PDFRef,
  key: 'Fields' | 'Annots',
  changes: ChangeSet,
): PDFArray {
  const raw = owner.get(PDFName.of(key));
  if (raw instanceof PDFRef) {
    const array = context.lookup(raw);
    // The model refuses these before the window (model.ts); never an untyped error after the PIN.
    if (!(array instanceof PDFArray)) throw damaged(key === 'Fields' ? 'broken-form' : 'broken-annotations');
    changes.touch(raw);
    return array;
  }
  changes.touch(ownerRef);
  if (raw instanceof PDFArray) return raw;
  if (raw !== undefined && raw !== PDFNull)
    throw damaged(key === 'Fields' ? 'broken-form' : 'broken-annotations');
  const array = context.obj([]);
  owner.set(PDFName.of(key), array);
  return array;
}

/**
 * The page's /Annots, for the widget. An indirect array several pages share would put the signature
 * on each of them, while the window outlines it on the one page chosen: that page gets its own copy.
 */
function annotsOf(context: PDFContext, pages: PDFPage[], page: PDFPage, changes: ChangeSet): PDFArray {
  const raw = page.node.get(PDFName.of('Annots'));
  const shared =
    raw instanceof PDFRef &&
    pages.some((other) => other.ref !== page.ref && other.node.get(PDFName.of('Annots')) === raw);
  if (!shared) return arrayIn(context, page.node, page.ref, 'Annots', changes);
  const array = context.lookup(raw);
  if (!(array instanceof PDFArray)) throw damaged('broken-annotations');
  const own = context.obj(array.asArray());
  page.node.set(PDFName.of('Annots'), own);
  changes.touch(page.ref);
  return own;
}

function acroFormOf(
  context: PDFContext,
  catalogRef: PDFRef,
  changes: ChangeSet,
): { dict: PDFDict; ref: PDFRef } {
  const catalog = context.lookup(catalogRef, PDFDict);
  const raw = catalog.get(PDFName.of('AcroForm'));
  if (raw instanceof PDFRef) {
    const dict = context.lookup(raw);
    if (!(dict instanceof PDFDict)) throw damaged('broken-form');
    return { dict, ref: raw };
  }
  if (raw instanceof PDFDict) return { dict: raw, ref: catalogRef };
  const dict = context.obj({ Fields: [] });
  const ref = context.register(dict);
  catalog.set(PDFName.of('AcroForm'), ref);
  changes.touch(catalogRef);
  return { dict, ref };
}

export async function preparePdfSignature(
  pdf: Uint8Array,
  options: PdfSignatureOptions = {},
): Promise<PreparedPdfSignature> {
  const signingTime = options.signingTime ?? new Date();
  const contentsSize = options.contentsSize ?? DEFAULT_CONTENTS_SIZE;
  // The objects the xref chain designates, and only those: what readers show is what is copied.
  const model = await openPdfModel(pdf);
  const original = snapshotObjects(model);
  const previous = previousXref(model);
  const doc = model.document;
  // A DSS and document time-stamps are allowed at every DocMDP level (ISO 32000-2 §12.8.2.2.1).
  if (!options.documentTimestamp) assertSignable(doc);
  const context = doc.context;
  const catalogRef = context.trailerInfo.Root;
  if (!(catalogRef instanceof PDFRef)) throw new Error('PDF trailer has no /Root reference');
  // Never reuse a number below the old /Size (object/xref streams, free-list entries).
  context.largestObjectNumber = Math.max(context.largestObjectNumber, previous.size - 1);
  const firstNew = context.largestObjectNumber + 1;
  const changes = new ChangeSet();

  const acroForm = acroFormOf(context, catalogRef, changes);
  changes.touch(acroForm.ref);
  acroForm.dict.set(PDFName.of('SigFlags'), PDFNumber.of(3)); // SignaturesExist | AppendOnly
  // Into the document's own empty field, or into a new one.
  const target = options.field !== undefined ? findSignatureField(model, options.field) : undefined;
  if (target) assertSeedValue(target, signatureMade(options));
  if (target) assertSeedSigner(target, options.signerCertificate, options.signerIssuers);
  if (target) assertLockPermissions(model, target, options.certify);
  const fields = target ? undefined : arrayIn(context, acroForm.dict, acroForm.ref, 'Fields', changes);
  const taken = fields ? fieldNames(context, fields) : new Set<string>();
  let fieldName = options.fieldName;
  if (target) fieldName = target.name;
  else if (fieldName === undefined) for (let i = 1; taken.has((fieldName = `Signature${i}`)); i++);
  else if (taken.has(fieldName)) throw new Error(`a field named ${fieldName} already exists`);

  const sigRef = context.nextRef();
  if (options.certify) {
    // A certification comes first: after another signature it would claim a document it did not issue.
    const listed = context.lookup(acroForm.dict.get(PDFName.of('Fields')));
    if (listed instanceof PDFArray && hasSignedField(context, listed))
      throw new KysoError('BAD_REQUEST', 'only the first signature of a document can certify it', {
        problem: 'certify-after-signature',
      });
    const catalog = context.lookup(catalogRef, PDFDict);
    catalog.set(PDFName.of('Perms'), context.obj({ DocMDP: sigRef }));
    changes.touch(catalogRef);
  }
  const placed =
    target && options.appearance ? appearanceInField(options.appearance, target) : options.appearance;
  // A field's text (FIELD_TEXT_LINES): `{signer}` is the name the signature gives. Only there: a
  // page's stamp at the top right is measured for the window before the signer is known.
  const appearance =
    placed?.kind === 'stamp' && placed.box && options.name !== undefined
      ? { ...placed, signer: options.name }
      : placed;
  const built = appearance ? await buildAppearance(doc, appearance, signingTime) : undefined;
  const readOnly = target ? fieldsToMakeReadOnly(model, target) : [];
  if (target) {
    // The field keeps its widget, page and box: it only gets its value and, if asked, its look.
    target.field.set(PDFName.of('V'), sigRef);
    changes.touch(target.fieldRef);
    if (built) {
      target.widget.set(PDFName.of('AP'), context.obj({ N: built.stream }));
      changes.touch(target.widgetRef);
    }
    // The fields its lock names become read-only as it is signed (§12.7.4.5), in this update.
    for (const { ref, field, flags } of readOnly) {
      field.set(PDFName.of('Ff'), PDFNumber.of(flags));
      changes.touch(ref);
    }
  } else {
    const page = built?.page ?? doc.getPages()[0];
    if (!page) throw new Error('PDF has no pages');
    const widget = context.obj({
      Type: 'Annot',
      Subtype: 'Widget',
      FT: 'Sig',
      T: PDFHexString.fromText(fieldName),
      V: sigRef,
      F: WIDGET_FLAGS,
      P: page.ref,
      Rect: built?.rect ?? [0, 0, 0, 0],
    });
    if (built) widget.set(PDFName.of('AP'), context.obj({ N: built.stream }));
    const widgetRef = context.register(widget);
    fields!.push(widgetRef);
    annotsOf(context, doc.getPages(), page, changes).push(widgetRef);
  }

  await doc.flush(); // writes the embedded images and the font subset into the context

  const encryption = model.encryption;
  const text: TextString = async (value) =>
    (await objectForFile(encryption, sigRef, PDFHexString.fromText(value.normalize('NFC')))).toString();
  const lock = target?.lock && readLock(target.lock);
  const fieldMdp = lock && (await fieldMdpReference(lock, catalogRef, text));
  const signature = await signatureDictionary(options, signingTime, contentsSize, text, fieldMdp);
  const objects: IndirectObjectBody[] = [];
  const newObjects = context
    .enumerateIndirectObjects()
    .filter(([ref]) => ref.objectNumber >= firstNew && ref !== sigRef);
  // Objects created in this update (a new AcroForm) are written once, with the new ones.
  const written = [
    ...[...changes.refs]
      .filter((ref) => ref.objectNumber < firstNew)
      .map((ref) => [ref, context.lookup(ref) as PDFObject] as const),
    ...newObjects,
  ];
  for (const [ref, object] of written)
    objects.push({ ref, body: serializePdfObject(await objectForFile(encryption, ref, object)) });
  objects.push({ ref: sigRef, body: signature.body });

  const { pdf: prepared, bodyOffsets } = appendIncrementalUpdate(pdf, context, objects, previous);
  // Every object a reader resolves in the original resolves to the same in the prepared revision,
  // but those this update changes on purpose: the preview of the original is what is signed.
  const ownValues = new Map<number, Map<string, PDFObject>>();
  const own = (ref: PDFRef, key: string, value: PDFObject) =>
    ownValues.set(
      ref.objectNumber,
      (ownValues.get(ref.objectNumber) ?? new Map<string, PDFObject>()).set(key, value),
    );
  if (target) {
    own(target.fieldRef, 'V', sigRef);
    if (built) own(target.widgetRef, 'AP', target.widget.get(PDFName.of('AP'))!);
    for (const { ref, field } of readOnly) own(ref, 'Ff', field.get(PDFName.of('Ff'))!);
  }
  await assertRevisionOnlyAdds(
    original,
    prepared,
    new Set(objects.map((o) => o.ref.objectNumber)),
    ownValues,
  );
  const sigAt = bodyOffsets.get(sigRef.objectNumber)!;
  const contentsStart = sigAt + signature.contentsAt;
  const contentsEnd = contentsStart + contentsSize * 2 + 2;
  const byteRange: [number, number, number, number] = [
    0,
    contentsStart,
    contentsEnd,
    prepared.length - contentsEnd,
  ];
  prepared.set(
    asciiBytes(`[${byteRange.join(' ')}]`.padEnd(BYTE_RANGE_PLACEHOLDER.length, ' ')),
    sigAt + signature.byteRangeAt,
  );

  const signed = new Uint8Array(byteRange[1] + byteRange[3]);
  signed.set(prepared.subarray(0, contentsStart));
  signed.set(prepared.subarray(contentsEnd), contentsStart);
  return {
    pdf: prepared,
    byteRange,
    digest: await digest('SHA-256', signed),
    digestAlgorithm: 'SHA-256',
    signingTime,
  };
}

/**
 * The field's /Lock as the signature's FieldMDP reference (ISO 32000-1 §12.7.4.5, §12.8.2.4): the
 * fields it names stay as signed, or the signature no longer verifies in readers that check
 * modifications. A lock kyso cannot read (field-lock.ts readLock) adds nothing rather than a
 * reference that says something else. Its PDF 2.0 /P is kept by a certification, or the field
 * refused (field-lock.ts assertLockPermissions), not copied here.
 */
async function fieldMdpReference(lock: FieldLock, catalogRef: PDFRef, text: TextString): Promise<string> {
  const fields =
    lock.action === 'All' ? '' : ` /Fields [${(await Promise.all(lock.names.map(text))).join(' ')}]`;
  return (
    `<< /Type /SigRef /TransformMethod /FieldMDP /Data ${catalogRef.objectNumber} ${catalogRef.generationNumber} R ` +
    `/TransformParams << /Type /TransformParams /Action /${lock.action}${fields} /V /1.2 >> >>`
  );
}

/** Where the newest xref section of `model` is, for the next incremental update. */
export function previousXref(model: PdfModel): PreviousXref {
  const newest = model.chain.sections[0]!;
  return { offset: newest.offset, isStream: newest.kind === 'stream', size: trailerSize(model) };
}

/** Writes the DER CMS into the /Contents placeholder (zero-padded); throws if it does not fit. */
export function embedPdfSignature(prepared: PreparedPdfSignature, cms: Uint8Array): Uint8Array {
  const [, start, end] = prepared.byteRange;
  const room = end - start - 2;
  const hex = bytesToHex(cms);
  if (hex.length > room)
    throw new RangeError(
      `CMS is ${cms.length} bytes; the placeholder holds ${room / 2} (raise contentsSize)`,
    );
  if (prepared.pdf[start] !== 0x3c || prepared.pdf[end - 1] !== 0x3e)
    throw new Error('ByteRange does not frame the /Contents placeholder');
  const out = new Uint8Array(prepared.pdf);
  out.set(asciiBytes(hex), start + 1);
  return out;
}

/** The CMS PAdES wants: CAdES detached over the ByteRange digest, without signingTime. */
export function signPadesCms(
  prepared: Pick<PreparedPdfSignature, 'digest' | 'digestAlgorithm'>,
  certificate: { signerCertificate: Uint8Array; chain?: Uint8Array[] },
  signer: DigestSigner,
): Promise<Uint8Array> {
  return signCades(
    {
      contentDigest: prepared.digest,
      digestAlgorithm: prepared.digestAlgorithm,
      signerCertificate: certificate.signerCertificate,
      chain: certificate.chain,
      signingTime: null,
    },
    signer,
  );
}

export interface PadesLevelOptions {
  /** Default 'B-B'. 'B-T' time-stamps the signature value (CAdES-T) at `tsaUrl` before embedding. */
  level?: 'B-B' | 'B-T';
  tsaUrl?: string;
  /** Time-out, policy, headers or fetch for the TSA request. */
  timestamp?: SignatureTimestampOptions;
}

/** Prepare, have `signCms` (token, host, remote service) make the CMS for the digest, time-stamp for B-T, embed. */
export async function signPdf(
  pdf: Uint8Array,
  options: PdfSignatureOptions & PadesLevelOptions,
  signCms: (digest: Uint8Array, algorithm: 'SHA-256') => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const level = options.level ?? 'B-B';
  if (level === 'B-T' && !options.tsaUrl) throw new TypeError('PAdES B-T needs a tsaUrl');
  const prepared = await preparePdfSignature(pdf, { ...options, timestamped: level === 'B-T' });
  let cms = await signCms(prepared.digest, prepared.digestAlgorithm);
  if (level === 'B-T') cms = await addSignatureTimestamp(cms, options.tsaUrl!, options.timestamp);
  return embedPdfSignature(prepared, cms);
}
