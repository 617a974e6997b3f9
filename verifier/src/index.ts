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
export { extendCms, extendPdf, type ExtendOptions } from './extend.js';
export { reportToJson } from './report.js';
export { CertificateFileError, certificateDer, loadCertificates } from './certificates.js';
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
