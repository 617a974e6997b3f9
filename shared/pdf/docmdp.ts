/**
 * Certification (DocMDP, ISO 32000-1 §12.8.2.2): the catalog's /Perms /DocMDP names the signature
 * that certified the document, and its /Reference's /TransformParams /P the changes allowed after
 * it: 1 none, 2 filling in forms and signing, 3 also annotations. ISO 32000-2 and PAdES allow a
 * DSS and document time-stamps at every P.
 */
import { PDFArray, PDFDict, PDFName, PDFNumber, type PDFDocument } from 'pdf-lib';
import { PdfDocumentError } from './errors.js';

export type DocMdpPermissions = 1 | 2 | 3;

export interface Certification {
  permissions: DocMdpPermissions;
  /** The certification's /ByteRange as written (to tell which signature it is). */
  byteRange?: number[];
}

/**
 * /P of a DocMDP signature reference: absent is 2 (the standard's default); a value kyso cannot
 * read is taken as 1, the strictest, rather than allow what the certifier may have forbidden.
 */
function permissionsOf(reference: PDFDict): DocMdpPermissions {
  const params = reference.lookup(PDFName.of('TransformParams'));
  const p = params instanceof PDFDict ? params.lookup(PDFName.of('P')) : undefined;
  if (p === undefined) return 2;
  const value = p instanceof PDFNumber ? p.asNumber() : NaN;
  return value === 2 || value === 3 ? value : 1;
}

/** The document's certification as readers find it (the catalog's /Perms /DocMDP), or undefined. */
export function certificationOf(document: PDFDocument): Certification | undefined {
  const perms = document.catalog.lookup(PDFName.of('Perms'));
  const signature = perms instanceof PDFDict ? perms.lookup(PDFName.of('DocMDP')) : undefined;
  if (!(signature instanceof PDFDict)) return undefined;
  const references = signature.lookup(PDFName.of('Reference'));
  const docMdp = (references instanceof PDFArray ? references.asArray() : [])
    .map((item) => document.context.lookup(item))
    .find(
      (reference): reference is PDFDict =>
        reference instanceof PDFDict &&
        reference.lookup(PDFName.of('TransformMethod')) === PDFName.of('DocMDP'),
    );
  const range = signature.lookup(PDFName.of('ByteRange'));
  const byteRange =
    range instanceof PDFArray
      ? range.asArray().map((n) => (n instanceof PDFNumber ? n.asNumber() : NaN))
      : undefined;
  // /Perms /DocMDP without a DocMDP reference still says the document is certified: the default /P.
  return { permissions: docMdp ? permissionsOf(docMdp) : 2, ...(byteRange && { byteRange }) };
}

/**
 * A document certified with "no changes" takes no further signature: it would invalidate the
 * certification. Checked when a signature is planned (before the window and the PIN) and prepared.
 */
export function assertSignable(document: PDFDocument): void {
  if (certificationOf(document)?.permissions === 1)
    throw new PdfDocumentError('PDF_CERTIFIED', 'certified-no-changes');
}
