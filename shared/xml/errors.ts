import { KysoError } from '../protocol/errors.js';

/** Why an XML document could not be signed; stable, for callers to branch on. */
export type XmlSignatureProblem =
  /** The XML does not parse, or uses something we refuse (DOCTYPE, processing instructions in content). */
  | 'INVALID_XML'
  /** The document is not what the profile expects (root element, missing element, duplicate id). */
  | 'PROFILE_MISMATCH'
  /** The profile's signature place already holds a signature. */
  | 'ALREADY_SIGNED'
  /** SHA-1 asked for without `allowSha1: true`, or for a key or signer that cannot do it. */
  | 'SHA1_NOT_ALLOWED'
  /** An algorithm, key type or signer scheme XMLDSig signing here does not support. */
  | 'UNSUPPORTED_ALGORITHM'
  /** The signature value, certificate or key type given to complete does not fit the prepared signature. */
  | 'SIGNATURE_MISMATCH'
  /** A DOCTYPE (entities, default attributes, ID types other parsers honour differently). */
  | 'DOCTYPE_NOT_ALLOWED'
  /** A processing instruction inside the signed element. */
  | 'PROCESSING_INSTRUCTION'
  /** One ID value on two elements: a verifier might pick the other one. */
  | 'DUPLICATE_ID'
  /** More than one element the profile could sign, or a summary field found twice on its path. */
  | 'DUPLICATE_SIGNED_NODE';

/** Problems with the document itself (XML_NOT_ACCEPTED); the others are about the request. */
const DOCUMENT_PROBLEMS = new Set<XmlSignatureProblem>([
  'INVALID_XML',
  'PROFILE_MISMATCH',
  'ALREADY_SIGNED',
  'DOCTYPE_NOT_ALLOWED',
  'PROCESSING_INSTRUCTION',
  'DUPLICATE_ID',
  'DUPLICATE_SIGNED_NODE',
]);

/**
 * A KysoError with the precise reason: XML_NOT_ACCEPTED for the document's own problems,
 * BAD_REQUEST for what was asked (SHA-1, algorithms, a mismatched completion).
 */
export class XmlSignatureError extends KysoError {
  readonly problem: XmlSignatureProblem;

  constructor(problem: XmlSignatureProblem, message: string) {
    super(DOCUMENT_PROBLEMS.has(problem) ? 'XML_NOT_ACCEPTED' : 'BAD_REQUEST', message, { problem });
    this.name = 'XmlSignatureError';
    this.problem = problem;
  }
}
