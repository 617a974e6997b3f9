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
  | 'SIGNATURE_MISMATCH';

/** A BAD_REQUEST KysoError (so it crosses the wire as one) with the precise reason. */
export class XmlSignatureError extends KysoError {
  readonly problem: XmlSignatureProblem;

  constructor(problem: XmlSignatureProblem, message: string) {
    super('BAD_REQUEST', message, { problem });
    this.name = 'XmlSignatureError';
    this.problem = problem;
  }
}
