/**
 * One report for CMS, PAdES and XMLDSig, modelled on ETSI EN 319 102-1 §5.1.3 validation results:
 * an indication (TOTAL-PASSED / TOTAL-FAILED / INDETERMINATE) and, unless passed, one
 * sub-indication; plus kyso's finer `problems` codes and human `details`.
 */
import type { RevocationResult } from './revocation.js';

export type Indication = 'TOTAL-PASSED' | 'TOTAL-FAILED' | 'INDETERMINATE';

/** The EN 319 102-1 sub-indications this verifier reports. */
export type SubIndication =
  | 'FORMAT_FAILURE'
  | 'HASH_FAILURE'
  | 'SIG_CRYPTO_FAILURE'
  | 'REVOKED'
  | 'SIG_CONSTRAINTS_FAILURE'
  | 'EXPIRED'
  | 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE'
  | 'NOT_YET_VALID'
  | 'NO_SIGNING_CERTIFICATE_FOUND'
  | 'NO_CERTIFICATE_CHAIN_FOUND'
  | 'OUT_OF_BOUNDS_NO_POE'
  | 'REVOKED_NO_POE'
  | 'NO_POE'
  | 'TRY_LATER';

/** The sub-indications that go with TOTAL-FAILED; the others go with INDETERMINATE. */
const TOTAL_FAILED = new Set<SubIndication>([
  'FORMAT_FAILURE',
  'HASH_FAILURE',
  'SIG_CRYPTO_FAILURE',
  'REVOKED',
  'SIG_CONSTRAINTS_FAILURE',
  'EXPIRED',
]);

/**
 * kyso's finer codes for what is wrong with a signature (several may apply), each with its
 * sub-indication, most decisive first: the first problem in this order sets the outcome.
 */
const SUB_INDICATION_OF = {
  MALFORMED: 'FORMAT_FAILURE',
  DIGEST_MISMATCH: 'HASH_FAILURE',
  SIGNATURE_INVALID: 'SIG_CRYPTO_FAILURE',
  DOCUMENT_MODIFIED_AFTER_SIGNING: 'SIG_CONSTRAINTS_FAILURE',
  DOCMDP_VIOLATION: 'SIG_CONSTRAINTS_FAILURE',
  FIELDMDP_VIOLATION: 'SIG_CONSTRAINTS_FAILURE',
  SEED_VALUE_NOT_MET: 'SIG_CONSTRAINTS_FAILURE',
  SIGNING_TIME_OUT_OF_BOUNDS: 'SIG_CONSTRAINTS_FAILURE',
  CERT_NOT_FOR_SIGNING: 'SIG_CONSTRAINTS_FAILURE',
  REVOKED: 'REVOKED',
  CERT_EXPIRED_AT_SIGNING: 'EXPIRED',
  WEAK_KEY: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
  WEAK_ALGORITHM: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
  SIGNER_CERTIFICATE_MISMATCH: 'NO_SIGNING_CERTIFICATE_FOUND',
  UNTRUSTED_CHAIN: 'NO_CERTIFICATE_CHAIN_FOUND',
  CERT_EXPIRED_NO_POE: 'OUT_OF_BOUNDS_NO_POE',
  REVOKED_NO_POE: 'REVOKED_NO_POE',
  CERT_NOT_YET_VALID: 'NOT_YET_VALID',
  TIMESTAMP_INVALID: 'NO_POE',
  REVOCATION_UNKNOWN: 'TRY_LATER',
} as const satisfies Record<string, SubIndication>;
export type Problem = keyof typeof SUB_INDICATION_OF;

/** Each problem with the result it gives, most decisive first (the table the OpenAPI's enums are checked against). */
export const OUTCOMES: Array<[Problem, Indication, SubIndication]> = (
  Object.entries(SUB_INDICATION_OF) as [Problem, SubIndication][]
).map(([problem, sub]) => [problem, TOTAL_FAILED.has(sub) ? 'TOTAL-FAILED' : 'INDETERMINATE', sub]);

export function outcomeOf(problems: Problem[]): { indication: Indication; subIndication?: SubIndication } {
  for (const [problem, indication, subIndication] of OUTCOMES)
    if (problems.includes(problem)) return { indication, subIndication };
  return { indication: 'TOTAL-PASSED' };
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER, hex. */
  sha256: string;
}

/**
 * Who signs a tax return (its taxpayer, or the tax agent filing it) or an e-invoice (its seller, its
 * buyer, and the tax authority that gives it its code).
 */
export type SigningParty = 'taxpayer' | 'seller' | 'buyer' | 'tax-authority';

export interface SignerIdentity {
  /** The holder's name (CN, or the organisation). */
  name: string;
  /** Tax codes (MST) and citizen ID numbers (CCCD) the certificate carries. */
  mst?: string[];
  cccd?: string[];
  /** DER (base64 in JSON). */
  certificate: Uint8Array;
}

/** What a PAdES or XMLDSig signature covers of its document. */
export interface Coverage {
  /** PAdES: bytes of the file its ByteRange covers (from 0, minus /Contents); XMLDSig: the canonical bytes its references digest. */
  coveredBytes: number;
  fileBytes: number;
  /** PAdES: the signature covers the whole file; XMLDSig: a reference is URI="" (the whole document but the signature). */
  wholeDocument: boolean;
  /** Bytes appended after the covered revision. */
  bytesAfter: number;
  /**
   * What those bytes are: nothing, only long-term validation data (DSS, document time-stamps), later
   * signatures, changes the document's certification permits (DocMDP P=2: form filling; P=3:
   * annotations too; after the last signature: the certification itself, or an approval after it),
   * or other changes.
   */
  after: 'none' | 'validation-data' | 'later-signatures' | 'permitted-changes' | 'other';
  /** XMLDSig: the references' URIs ('' for the whole document, '#id' for one element: read the data from it only). */
  references?: string[];
}

/** ETSI baseline levels: B-B, B-T (a signature time-stamp), B-LT (embedded validation data), B-LTA (a document time-stamp after). */
export type Level = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

export interface SignatureReport {
  kind: 'signature' | 'document-timestamp';
  format: 'CMS' | 'PAdES' | 'XMLDSig';
  /**
   * The level the signature achieves. B-T and up need a signature time-stamp that proves its time:
   * one that does not (it does not verify, its TSA is not trusted, its cryptography is legacy after
   * the sunset) is ignored (EN 319 102-1 §5.5.4), and the signature is B-B, judged at the validation time.
   */
  level?: Level;
  /** The level the signature's structure claims, when higher than `level` (its time-stamp proves no time: `details` says why). */
  claimedLevel?: Exclude<Level, 'B-B'>;
  indication: Indication;
  subIndication?: SubIndication;
  /** indication === 'TOTAL-PASSED'. */
  valid: boolean;
  problems: Problem[];
  /** What the problems are and any warnings, for people and logs. */
  details: string[];
  signer?: SignerIdentity;
  /** From the time-stamp when there is one, else the signed attribute, the PDF's /M or the invoice's SigningTime. */
  signingTime?: Date;
  timeSource?: 'timestamp' | 'signed-attribute' | 'claimed';
  /** PAdES and XMLDSig (a CMS covers the content it is verified with). */
  coverage?: Coverage;
  /** @deprecated use coverage.coveredBytes */
  coveredBytes?: number;
  /**
   * XMLDSig in a tax return's CKyDTu, or an e-invoice's DSCKS/NBan or DSCKS/NMua: the tax codes the
   * signed return or invoice names for whoever signs there (its taxpayer or their tax agent; the
   * seller; the buyer), and whether the signer's certificate carries one (its MST, CCCD or 12-digit
   * CMND). It does not change the indication — who else may sign is the receiver's rule — but a tax
   * portal checks it. In an invoice's DSCKS/CQT, the tax authority's place: no tax code is named for
   * it (`taxCodes` empty, no `signerCarries`), and `invoiceCode` is the code (HDon > MCCQT) the
   * signature covers. The place says whose signature it claims to be, not that its signer is that party.
   */
  party?: { role: SigningParty; taxCodes: string[]; signerCarries?: boolean; invoiceCode?: string };
  /** The certification path found, signer first (empty when none reached a trusted root). */
  chain?: CertificateInfo[];
  revocation?: RevocationResult;
  /** The time a time-stamp proves, and its authority: a signature time-stamp only when it proves its time. */
  timestamp?: {
    time: Date;
    tsa?: string;
    /**
     * In a PDF, a time-stamp that proves its time and that no later document time-stamp covers (the
     * archive's newest, or a B-T/B-LT signature's own): when its TSA's certificate, or a CA's on its
     * path, expires. After that its time no longer counts unless the file is stamped again before it
     * (`extendPdf` / `kyso verify --extend B-LTA`).
     */
    renewBefore?: Date;
  };
}

export interface VerificationReport {
  indication: Indication;
  /** indication === 'TOTAL-PASSED' (every signature passed, and there is at least one). */
  valid: boolean;
  /** The time the signatures were validated at (now, or the time asked for). */
  validationTime: Date;
  signatures: SignatureReport[];
}

export function overall(signatures: SignatureReport[], validationTime: Date): VerificationReport {
  const indication: Indication =
    signatures.length === 0 || signatures.some((s) => s.indication === 'TOTAL-FAILED')
      ? 'TOTAL-FAILED'
      : signatures.every((s) => s.indication === 'TOTAL-PASSED')
        ? 'TOTAL-PASSED'
        : 'INDETERMINATE';
  return { indication, valid: indication === 'TOTAL-PASSED', validationTime, signatures };
}

/** The report as JSON-ready data: dates as ISO strings, certificates as base64. */
export function reportToJson(report: VerificationReport): unknown {
  return JSON.parse(
    JSON.stringify(report, (_key, value: unknown) =>
      value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value,
    ),
  );
}
