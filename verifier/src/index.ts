/**
 * @kyso/verifier — kyso's server-side verifier, for portal backends: a CMS (CAdES), every
 * signature of a PDF (PAdES) or an XML document (XMLDSig: HTKK returns, e-invoices), with one
 * report shape modelled on ETSI EN 319 102-1 (TOTAL-PASSED / TOTAL-FAILED / INDETERMINATE and a
 * sub-indication), the signer (name, MST, CCCD), the signing time and what proves it, the
 * coverage, the chain and the revocation evidence. `extendPdf` / `extendCms` make B-LT and B-LTA.
 *
 *   const roots = loadCertificates('/etc/portal/roots.pem');
 *   const report = await verifyCmsSignature({ cms, content }, { trustedRoots: roots, revocation: { policy: 'require' } });
 *   if (report.indication !== 'TOTAL-PASSED') reject(report.signatures[0].subIndication);
 */
import { gatherValidationData } from '../../shared/cms/validation-data.js';
import { addLongTermValues } from '../../shared/cms/long-term.js';
import { addSignatureTimestamp, type TimestampRequestOptions } from '../../shared/cms/timestamp.js';
import { verifySignatureTimestamp } from '../../shared/cms/verify-timestamp.js';
import { extendPdf as extendPdfSignatures, type ExtendedPdf } from '../../shared/pdf/long-term.js';
import { InputError, cmsBytes } from './cms.js';
import { detectFormat } from './document.js';

export type {
  Coverage,
  CertificateInfo,
  Indication,
  Problem,
  SignatureReport,
  SignerIdentity,
  SubIndication,
  VerificationReport,
} from './report.js';
export type {
  EmbeddedEvidence,
  RevocationOptions,
  RevocationPolicy,
  RevocationResult,
} from './revocation.js';
export type { VerifyOptions } from './judge.js';
export type { ExtendedPdf } from '../../shared/pdf/long-term.js';
export { reportToJson } from './report.js';
export { certificateDer, loadCertificates } from './certificates.js';
export { InputError, cmsBytes } from './cms.js';
export { verifyPdfSignatures } from './pdf.js';
export { verifyXmlSignature } from './xml.js';
export {
  detectFormat,
  verifyCmsSignature,
  verifyDocument,
  type CmsInput,
  type DocumentFormat,
} from './document.js';
export { createVerifierService, type ServiceErrorCode, type ServiceOptions } from './service.js';

export interface ExtendOptions extends TimestampRequestOptions {
  /** B-LTA needs a TSA (the document time-stamp); B-LT of a CMS without a signature time-stamp gets one from it first. */
  tsaUrl?: string;
  /** Intermediates and roots the signatures do not carry, to complete the chains. */
  certificates?: Uint8Array[];
}

/** PAdES B-T → B-LT (DSS) or B-LTA (DSS + document time-stamp), fetching OCSP/CRL from the CAs now. */
export async function extendPdf(
  pdf: Uint8Array,
  level: 'B-LT' | 'B-LTA',
  options: ExtendOptions = {},
): Promise<ExtendedPdf> {
  if (detectFormat(pdf) !== 'pdf') throw new InputError('not a PDF', 'UNKNOWN_FORMAT');
  return extendPdfSignatures(pdf, { level, ...options });
}

/** CAdES → CAdES-LT: a signature time-stamp if missing (needs tsaUrl), then certificate and revocation values. */
export async function extendCms(
  cms: Uint8Array | string,
  options: ExtendOptions = {},
): Promise<{ cms: Uint8Array; missing: string[] }> {
  let der = cmsBytes(cms);
  if (!(await verifySignatureTimestamp(der)).present) {
    if (!options.tsaUrl) throw new TypeError('CAdES-LT needs a signature time-stamp first: give a tsaUrl');
    der = await addSignatureTimestamp(der, options.tsaUrl, options);
  }
  const data = await gatherValidationData([der], options);
  return { cms: addLongTermValues(der, data), missing: data.missing };
}
