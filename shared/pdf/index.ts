/** PAdES signing (B-B, B-T) with Decree 30/2020 appearances; browser and Node. */
export {
  embedPdfSignature,
  preparePdfSignature,
  signPadesCms,
  signPdf,
  type PadesLevelOptions,
  type PdfSignatureOptions,
  type PreparedPdfSignature,
} from './pades.js';
export {
  DEFAULT_FONT_URL,
  formatVietnamTime,
  layoutImageSignature,
  type ImageSignatureAppearance,
  type PdfRect,
  type PdfSignatureAppearance,
  type TextStampAppearance,
} from './appearance.js';
export { loadPdfModel, openPdfModel, type PdfModel } from './model.js';
export { PdfDocumentError, type PdfProblem } from './errors.js';
export { pdfWarnings, type PdfWarning, type PdfWarningCode } from './warnings.js';
