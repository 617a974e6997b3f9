/** Long-term validation data for signatures already made: PAdES B-LT / B-LTA, CAdES-LT. */
import { gatherValidationData } from '../../shared/cms/validation-data.js';
import { addLongTermValues, parseSignedData } from '../../shared/cms/long-term.js';
import { addSignatureTimestamp, type TimestampRequestOptions } from '../../shared/cms/timestamp.js';
import { verifySignatureTimestamp } from '../../shared/cms/verify-timestamp.js';
import {
  DssTooLargeError,
  extendPdf as extendPdfSignatures,
  pdfSignatureFields,
  readDss,
  type ExtendedPdf,
} from '../../shared/pdf/long-term.js';
import { InputError, cmsBytes } from './cms.js';
import { detectFormat } from './document.js';
import { loadPdf } from './pdf.js';

export interface ExtendOptions extends TimestampRequestOptions {
  /** B-LTA needs a TSA (the document time-stamp); B-LT of a CMS without a signature time-stamp gets one from it first. */
  tsaUrl?: string;
  /** Intermediates and roots the signatures do not carry, to complete the chains. */
  certificates?: Uint8Array[];
  /**
   * Only chains ending in these roots are checked online (OCSP, CRL): the service passes its trusted
   * roots, so an uploaded signature cannot send it to addresses of the uploader's choosing.
   */
  onlineRoots?: Uint8Array[];
}

/** PAdES B-T → B-LT (DSS) or B-LTA (DSS + document time-stamp), fetching OCSP/CRL from the CAs now. */
export async function extendPdf(
  pdf: Uint8Array,
  level: 'B-LT' | 'B-LTA',
  options: ExtendOptions = {},
): Promise<ExtendedPdf> {
  if (detectFormat(pdf) !== 'pdf') throw new InputError('not a PDF', 'UNKNOWN_FORMAT');
  // What is not ours to fix is an input error (a 400 from the service), not a failure to reach the CA or TSA.
  const doc = await loadPdf(pdf);
  if (pdfSignatureFields(doc).length === 0) throw new InputError('the PDF has no signature to extend');
  if (level === 'B-LTA' && !options.tsaUrl) throw new InputError('PAdES B-LTA needs a time-stamping server');
  // The DSS the new evidence joins is read whole: one past the limits is refused before any CA is asked.
  await readDss(doc).catch((error: unknown) => {
    if (error instanceof DssTooLargeError) throw new InputError(error.message, 'TOO_LARGE');
    throw error;
  });
  return extendPdfSignatures(pdf, { level, ...options });
}

/** CAdES → CAdES-LT: a signature time-stamp if missing (needs tsaUrl), then certificate and revocation values. */
export async function extendCms(
  cms: Uint8Array | string,
  options: ExtendOptions = {},
): Promise<{ cms: Uint8Array; missing: string[] }> {
  let der = cmsBytes(cms);
  if (!parseSignedData(der)) throw new InputError('not a CMS SignedData (truncated, or not DER)', 'NOT_DER');
  if (!(await verifySignatureTimestamp(der)).present) {
    if (!options.tsaUrl)
      throw new InputError('CAdES-LT needs a signature time-stamp first: give a time-stamping server');
    der = await addSignatureTimestamp(der, options.tsaUrl, options);
  }
  const data = await gatherValidationData([der], options);
  return { cms: addLongTermValues(der, data), missing: data.missing };
}
