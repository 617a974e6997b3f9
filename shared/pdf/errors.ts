import { errorMessage, KysoError } from '../protocol/errors.js';

/** Why a PDF is refused; stable, for callers and tests to branch on (never a library's text). */
export type PdfProblem =
  /** No %PDF- header. */
  | 'not-pdf'
  /** No startxref, or it points at no cross-reference section. */
  | 'no-xref'
  /** A cross-reference table or stream that does not parse. */
  | 'broken-xref'
  /** A /Prev (or /XRefStm) that points at no cross-reference section, or a loop, or is no direct integer. */
  | 'broken-prev-chain'
  /** One object number listed twice in one cross-reference section. */
  | 'duplicate-xref-entry'
  /** A hybrid file whose table and /XRefStm place one object in two places, or whose stream's /Prev is not the table's. */
  | 'hybrid-xref-conflict'
  /**
   * A linearized file (/L is its length) whose first-page xref section is not where the last
   * startxref leads, or whose /N is not its page count: pdf.js reads the one, others the other.
   */
  | 'linearized-xref'
  /** An object definition no cross-reference section designates (a hidden revision). */
  | 'object-outside-xref'
  /**
   * The xref designates an earlier definition of an object than the last one in the file: readers
   * that rebuild the xref (poppler does for hybrid files, everyone does for damaged ones) take the last.
   */
  | 'superseded-definition'
  /**
   * A reference to an object the xref marks free though the file defines it: pdf.js reads null,
   * poppler rebuilds the xref and takes the definition.
   */
  | 'referenced-free-object'
  /** A reference whose generation is not the xref's for that object: pdf.js stops drawing, pdf-lib reads nothing. */
  | 'generation-mismatch'
  /** The object at a designated place is not the one the cross-reference names. */
  | 'object-mismatch'
  /** A stream whose data does not match its /Length. */
  | 'stream-length'
  /** A filter or predictor kyso cannot decode in a cross-reference or object stream. */
  | 'unsupported-encoding'
  /** Cross-reference or object streams that decode past STRUCTURE_STREAM_LIMITS (xref.ts): a deflate bomb. */
  | 'stream-too-large'
  /**
   * A page tree /Count that is not the number of pages under it: pdf.js shows /Count pages and
   * finds each by the counts, others walk the /Kids.
   */
  | 'page-count'
  /** One page object listed twice in the page tree: what is added to one page shows on both. */
  | 'repeated-page'
  /** A page's /MediaBox or /CropBox that is not four numbers spanning an area: readers fall back differently. */
  | 'page-box'
  /** An XFA form: readers with XFA draw its template, the window and poppler the pages' content. */
  | 'xfa-form'
  /**
   * An object stream listing a number twice (pdf.js takes the last, poppler the xref's), offsets
   * that go back, or an object running past the next one's offset (pdf.js fails there).
   */
  | 'object-stream-conflict'
  /** The trailer's /Root is not a catalog, or the page tree is broken. */
  | 'no-catalog'
  | 'no-pages'
  /**
   * What the signature update adds to is not what it can add to: the catalog's /AcroForm not a
   * dictionary, its /Fields not an array, or a page's /Annots not an array.
   */
  | 'broken-form'
  | 'broken-annotations'
  /** The trailer has /Encrypt. */
  | 'encrypted'
  /** Certified with DocMDP /P 1 (no changes): another signature would invalidate the certification. */
  | 'certified-no-changes';

export type PdfErrorCode = 'PDF_DAMAGED' | 'PDF_AMBIGUOUS' | 'PDF_ENCRYPTED' | 'PDF_CERTIFIED';

/** A typed refusal of a PDF: the code says what a person can do, `problem` what was found. */
export class PdfDocumentError extends KysoError {
  readonly problem: PdfProblem;

  constructor(code: PdfErrorCode, problem: PdfProblem, object?: number) {
    super(code, `${errorMessage(code, 'en')} (${problem})`, {
      problem,
      ...(object !== undefined && { object }),
    });
    this.name = 'PdfDocumentError';
    this.problem = problem;
  }
}

export const damaged = (problem: PdfProblem, object?: number) =>
  new PdfDocumentError('PDF_DAMAGED', problem, object);
export const ambiguous = (problem: PdfProblem, object?: number) =>
  new PdfDocumentError('PDF_AMBIGUOUS', problem, object);
