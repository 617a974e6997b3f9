/** XMLDSig enveloped signatures (HTKK tax returns, e-invoices); browser and Node. */
export {
  completeXmlSignature,
  formatSigningTime,
  prepareXmlSignature,
  signXml,
  type DigestInfoSigner,
  type PreparedXmlSignature,
  type SignXmlOptions,
  type XmlSignatureOptions,
} from './xmldsig.js';
export { DIGEST_METHODS, SIGNATURE_METHODS, XML_DIGEST_INFO_PREFIX, type XmlDigestAlgorithm } from './algorithms.js';
export { HTKK_NODE_TO_SIGN, HTKK_NS, type XmlSignatureProfile } from './profiles.js';
export { XmlSignatureError, type XmlSignatureProblem } from './errors.js';
export { subjectNameRfc4514 } from './subject-name.js';
export { summarizeXml, type XmlSummaryField, type XmlSummaryLine } from './summary.js';
