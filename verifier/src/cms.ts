/** CMS / CAdES signatures (detached or attached, ours or openssl's), the core of PAdES too. */
import { readLongTermValues, parseSignedData } from '../../shared/cms/long-term.js';
import { verifyCms } from '../../shared/cms/verify.js';
import type { TokenCryptography } from '../../shared/cms/verify-timestamp.js';
import { holderName, summarizeCertificate } from '../../shared/certificate/profile.js';
import { parseCertificate } from './certificates.js';
import {
  addProblem,
  finish,
  judge,
  judgeTimestampPath,
  type Draft,
  type ExistenceProof,
  type TimestampRefusal,
  type VerifyOptions,
} from './judge.js';
import type { Level, Problem, SignatureReport } from './report.js';
import type { EmbeddedEvidence } from './revocation.js';

/** The input error for a CMS that is neither DER nor base64/PEM of DER. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly code: 'NOT_DER' | 'UNKNOWN_FORMAT' | 'TOO_LARGE' | 'BAD_REQUEST' = 'BAD_REQUEST',
  ) {
    super(message);
  }
}

const BASE64 = /^[A-Za-z0-9+/=\s_-]+$/;

/**
 * A CMS as DER bytes, whatever form it came in: DER, base64 (what kyso's SDK returns as `cms`),
 * base64url, or PEM (-----BEGIN PKCS7/CMS-----).
 */
export function cmsBytes(cms: Uint8Array | string): Uint8Array {
  if (typeof cms !== 'string' && cms[0] === 0x30) return cms;
  const text = typeof cms === 'string' ? cms : Buffer.from(cms).toString('latin1');
  const body = text.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').trim();
  if (body.length > 0 && BASE64.test(body)) {
    const decoded = Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/').replace(/\s/g, ''), 'base64');
    if (decoded[0] === 0x30) return new Uint8Array(decoded);
  }
  throw new InputError('expected a CMS as DER bytes (or base64/PEM of them)', 'NOT_DER');
}

/** How verifyCms begins the sentence on a signature time-stamp that does not verify. */
const SIGNATURE_TIMESTAMP = 'signature time-stamp: ';

/** Finer codes for verifyCms's sentences. */
function problemFor(sentence: string): Problem {
  if (/messageDigest does not match/i.test(sentence)) return 'DIGEST_MISMATCH';
  if (/signingCertificate|signer certificate not included/i.test(sentence))
    return 'SIGNER_CERTIFICATE_MISMATCH';
  if (/signature does not verify/i.test(sentence)) return 'SIGNATURE_INVALID';
  return 'MALFORMED';
}

export interface CmsContext {
  format: SignatureReport['format'];
  claimedTime?: Date;
  /** Validation data found outside the CMS (a PDF's DSS). */
  external?: { certificates: Uint8Array[]; ocsps: Uint8Array[]; crls: Uint8Array[] };
  /** The SignerInfo to judge, in a CMS several signed; without it the CMS must have one signer (PAdES). */
  signer?: number;
  /** A later document time-stamp over this signature (PAdES B-LTA): its time-stamp existed by then. */
  laterProof?: ExistenceProof;
}

export async function cmsReport(
  cms: Uint8Array,
  content: { content?: Uint8Array; contentDigest?: Uint8Array },
  options: VerifyOptions,
  context: CmsContext,
): Promise<SignatureReport> {
  const report: Draft = { kind: 'signature', format: context.format, problems: [], details: [] };
  const core = await verifyCms({
    cms,
    ...content,
    // SHA-1 in a time-stamp is judged by the sunset where its TSA is judged at all; else refused.
    ...(options.timestampRoots && { timestampRoots: options.timestampRoots, legacyTimestampHashes: true }),
    ...(context.signer !== undefined && { signer: context.signer }),
  });
  // EN 319 102-1 §5.5.4: a signature time-stamp that does not verify, or whose TSA is not trusted,
  // is removed from the set and proves nothing; the signature is then judged at the validation time.
  for (const sentence of core.problems)
    if (!sentence.startsWith(SIGNATURE_TIMESTAMP)) addProblem(report, problemFor(sentence), sentence);
  const stamp = core.timestamp?.present ? core.timestamp : undefined;
  // A time-stamp proves its time only when its TSA chains to a timestampRoot (anyone can run a
  // TSA) and neither its cryptography nor its TSA's key (expired, revoked) could be anyone's.
  const parsed = parseSignedData(cms, context.signer);
  const values = parsed
    ? readLongTermValues(parsed.signedData, parsed.signerInfo)
    : { certificates: [], ocsps: [], crls: [] };
  const external = context.external ?? { certificates: [], ocsps: [], crls: [] };
  const embedded = { ocsps: [...values.ocsps, ...external.ocsps], crls: [...values.crls, ...external.crls] };
  const judged = stamp?.valid
    ? await timestampRefusal(stamp.tokens ?? [], options, embedded, context.laterProof)
    : {};
  const refusal = judged.refusal;
  const whyNoTime = !stamp
    ? undefined
    : !stamp.valid
      ? core.problems.find((p) => p.startsWith(SIGNATURE_TIMESTAMP))!.slice(SIGNATURE_TIMESTAMP.length)
      : !options.timestampRoots
        ? 'no timestampRoots given: the time-stamping authority is not checked against a root'
        : refusal
          ? refusal.sentence
          : !stamp.time
            ? 'it has no time'
            : undefined;
  const tsa = tsaName(stamp?.tsaCertificate);
  if (judged.rescued && !whyNoTime) report.details.push(`signature time-stamp: ${judged.rescued}`);
  if (stamp && !whyNoTime) {
    Object.assign(report, { signingTime: stamp.time, timeSource: 'timestamp' });
    // In a PDF with no later document time-stamp, this one must be renewed (B-LTA) before its TSA's key ends.
    const renewBefore = context.format === 'PAdES' && !context.laterProof ? judged.expires : undefined;
    report.timestamp = { time: stamp.time!, ...(tsa && { tsa }), ...(renewBefore && { renewBefore }) };
  } else if (core.signingTime)
    Object.assign(report, { signingTime: core.signingTime, timeSource: 'signed-attribute' });
  else if (context.claimedTime)
    Object.assign(report, { signingTime: context.claimedTime, timeSource: 'claimed' });

  const embeddedCount = embedded.ocsps.length + embedded.crls.length;
  const found: Level = !stamp ? 'B-B' : embeddedCount > 0 ? 'B-LT' : 'B-T';
  report.level = whyNoTime ? 'B-B' : found;
  if (whyNoTime && found !== 'B-B') {
    report.claimedLevel = found;
    report.details.push(
      `warning: the signature time-stamp${stamp?.time ? ` (${stamp.time.toISOString()}${tsa ? `, ${tsa}` : ''})` : ''} is ignored: ${whyNoTime}; ${found} is not achieved, the signature is judged as B-B at the validation time`,
    );
  }

  if (!core.signerCertificate) {
    if (!report.problems.length) addProblem(report, 'MALFORMED', 'no signer certificate');
    return finish(report);
  }
  return judge(
    report,
    core.signerCertificate,
    [...(core.certificates ?? []), ...values.certificates, ...external.certificates],
    options,
    embedded,
    core.digestAlgorithm === 'SHA-1' ? ['SHA-1 as its digest algorithm'] : [],
    context.laterProof,
  );
}

/**
 * Why the time-stamps (each token's TSA path, DER, and own legacy hashing) prove no time
 * (judgeTimestampPath's first refusal, where `proof` shows the tokens existed), or what a later
 * proof saved, and the first expiry on their paths.
 */
async function timestampRefusal(
  tokens: TokenCryptography[],
  options: VerifyOptions,
  embedded: EmbeddedEvidence,
  proof: ExistenceProof | undefined,
): Promise<{ refusal?: TimestampRefusal; rescued?: string; expires?: Date }> {
  const validationTime = options.validationTime ?? options.revocation?.now ?? new Date();
  const rescued: string[] = [];
  let expires: Date | undefined;
  for (const token of tokens) {
    let path;
    try {
      path = token.tsaPath.map(parseCertificate);
    } catch {
      continue; // verified with it: readable
    }
    const judged = await judgeTimestampPath(
      { path, legacy: token.legacy },
      options,
      embedded,
      validationTime,
      proof,
    );
    if (judged.refusal) return { refusal: judged.refusal };
    rescued.push(...judged.rescued);
    if (judged.expires && (!expires || judged.expires < expires)) expires = judged.expires;
  }
  return {
    ...(rescued.length > 0 && { rescued: [...new Set(rescued)].join('; ') }),
    ...(expires && { expires }),
  };
}

/** The TSA's name, from the certificate whose key signed the token (not another of its bag). */
function tsaName(certificate: Uint8Array | undefined): string | undefined {
  try {
    return certificate ? holderName(summarizeCertificate(certificate)) : undefined;
  } catch {
    return undefined; // a TSA certificate kyso cannot read: the time-stamp's own check says so
  }
}
