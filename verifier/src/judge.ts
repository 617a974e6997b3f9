/**
 * The checks every format shares once the signature value itself is judged: who signed, the chain
 * to the trusted roots, the certificate's validity and revocation, at the right time.
 *
 * Times (EN 319 102-1 §5.6 in short): a time-stamp proves the signature existed at its time (POE),
 * a PDF's later document time-stamp too (ExistenceProof); without one only the validation time
 * (now, or `validationTime`) is proven. The chain is checked at the proven time. A certificate
 * expired at the validation time needs a POE from before its expiry AND revocation evidence fresh
 * for that time (embedded: B-LT, or still answered by the CA), else INDETERMINATE /
 * OUT_OF_BOUNDS_NO_POE.
 */
import * as pkijs from 'pkijs';
import {
  extendedKeyUsageExcludesSigning,
  holderName,
  MIN_SIGNING_RSA_BITS,
  summarizeCertificate,
  usabilityProblems,
} from '../../shared/certificate/profile.js';
import {
  buildChain,
  certificateDer,
  describeCertificate,
  findIssuer,
  parseCertificate,
} from './certificates.js';
import { outcomeOf, type Problem, type SignatureReport } from './report.js';
import {
  checkRevocation,
  type EmbeddedEvidence,
  type RevocationOptions,
  type RevocationResult,
} from './revocation.js';

export interface VerifyOptions {
  /** DER certificates of the roots to trust (the Vietnam National Root CA, the Government CA G2 root, …). */
  trustedRoots: Uint8Array[];
  /** Intermediate CA certificates the signatures may not carry. */
  intermediates?: Uint8Array[];
  /** TSA roots for signature and document time-stamps; without them a time-stamp's chain is not checked (a warning). */
  timestampRoots?: Uint8Array[];
  /** Revocation checking; the policy defaults to 'prefer'. */
  revocation?: RevocationOptions;
  /** The claimed or proven signing time must be within these bounds. */
  notBefore?: Date;
  notAfter?: Date;
  /** Validate as if now were this time (archives: a past date; tests: a future one). Default now. */
  validationTime?: Date;
  /**
   * Legacy cryptography (RSA keys of 1024 to 2047 bits, SHA-1 or MD5 certificate signatures) is
   * accepted only in a signature a time-stamp proves existed before this date. Default LEGACY_CRYPTO_UNTIL.
   */
  legacyCryptoUntil?: Date;
}

/**
 * Refuses options a JavaScript caller got wrong (no `trustedRoots`, a PEM string for a root, bytes
 * that are no certificate, an invalid date) with a TypeError naming the option, before any
 * signature is judged: otherwise the mistake would surface as a report about the signature ("the
 * certificate cannot be read").
 */
export function assertVerifyOptions(options: VerifyOptions): void {
  const given = (options ?? {}) as Partial<Record<keyof VerifyOptions, unknown>>;
  const certificates = (name: 'trustedRoots' | 'intermediates' | 'timestampRoots', required: boolean) => {
    const value = given[name];
    if (value === undefined && !required) return;
    if (!Array.isArray(value) || !value.every((item) => item instanceof Uint8Array))
      throw new TypeError(
        `options.${name} must be an array of DER certificates (Uint8Array)${required ? '; [] trusts no root' : ''}`,
      );
    // Bytes that are no certificate (a PEM file's bytes, a key) would fail inside the first judgement.
    for (const [at, der] of value.entries()) {
      try {
        parseCertificate(der);
      } catch {
        throw new TypeError(
          `options.${name}[${at}] is not a DER X.509 certificate (loadCertificates reads PEM and DER files)`,
        );
      }
    }
  };
  certificates('trustedRoots', true);
  certificates('intermediates', false);
  certificates('timestampRoots', false);
  for (const name of ['notBefore', 'notAfter', 'validationTime', 'legacyCryptoUntil'] as const) {
    const value = given[name];
    if (value !== undefined && !(value instanceof Date && !Number.isNaN(value.getTime())))
      throw new TypeError(`options.${name} must be a valid Date`);
  }
}

export type Draft = Omit<SignatureReport, 'indication' | 'valid'>;

const HOUR = 3_600_000;
/** Below this an RSA key is broken whenever it signed: no proof of time makes its signature the holder's. */
const MIN_RSA_BITS = 1024;
/** Below this an RSA key is legacy (ETSI TS 119 312; Vietnam: Circular 15/2025/TT-BKHCN asks 2048 bits): kyso does not sign with it. */
const LEGACY_RSA_BITS = MIN_SIGNING_RSA_BITS;
/**
 * The sunset of RSA-1024 and SHA-1 signatures (NIST SP 800-131A: disallowed for signing from 2014):
 * a legacy signature proven before it passes, any other is INDETERMINATE (EN 319 102-1
 * CRYPTO_CONSTRAINTS_FAILURE_NO_POE). See docs/verifier.md, "Cryptographic constraints".
 */
export const LEGACY_CRYPTO_UNTIL = new Date('2014-01-01T00:00:00Z');
/** Certificate signature algorithms whose hash is broken for signatures: md5/sha1 WithRSA, ecdsa-with-SHA1, dsa-with-sha1. */
const LEGACY_SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.3.14.3.2.29': 'sha1WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10040.4.3': 'dsa-with-sha1',
};
/** Carried certificates considered for a chain: the signature's own come first (cms.ts). */
export const MAX_JUDGED_CERTIFICATES = 256;
/** How far ahead of the validation time a signing time may be: a signer's clock running fast. */
const CLOCK_SKEW = 5 * 60_000;

export function addProblem(
  report: Pick<SignatureReport, 'problems' | 'details'>,
  problem: Problem,
  detail: string,
) {
  if (!report.problems.includes(problem)) report.problems.push(problem);
  report.details.push(detail);
}

export function finish(report: Draft): SignatureReport {
  const outcome = outcomeOf(report.problems);
  return { ...report, ...outcome, valid: outcome.indication === 'TOTAL-PASSED' };
}

export function signerIdentity(der: Uint8Array): NonNullable<SignatureReport['signer']> {
  const summary = summarizeCertificate(der);
  return {
    name: holderName(summary),
    certificate: der,
    ...(summary.identities.MST && { mst: summary.identities.MST }),
    ...(summary.identities.CCCD && { cccd: summary.identities.CCCD }),
  };
}

export async function judge(
  report: Draft,
  signerDer: Uint8Array,
  carried: Uint8Array[],
  options: VerifyOptions,
  embedded: EmbeddedEvidence = { ocsps: [], crls: [] },
  /** The signature's own legacy algorithms (XMLDSig rsa-sha1, a sha1 reference digest), by name. */
  legacyAlgorithms: string[] = [],
  /** A later document time-stamp over the signature (PAdES B-LTA). */
  laterProof?: ExistenceProof,
): Promise<SignatureReport> {
  report.signer = signerIdentity(signerDer);
  const validationTime = options.validationTime ?? options.revocation?.now ?? new Date();
  const certificate = parseCertificate(signerDer);
  const roots = options.trustedRoots.map(parseCertificate);
  const pool: pkijs.Certificate[] = [];
  // pkijs finds no path when a root or a duplicate is among the intermediates (a DSS holds the whole chain).
  const seen = new Set([signerDer, ...options.trustedRoots].map((d) => Buffer.from(d).toString('hex')));
  // The CMS's own set is bounded when read (content-info.ts); CAdES certificate-values and a DSS
  // (every signer's chain of a PDF) are not: each costs milliseconds to read.
  if (carried.length > MAX_JUDGED_CERTIFICATES)
    report.details.push(
      `warning: only the first ${MAX_JUDGED_CERTIFICATES} of the ${carried.length} certificates carried were considered`,
    );
  for (const der of [...carried.slice(0, MAX_JUDGED_CERTIFICATES), ...(options.intermediates ?? [])]) {
    const key = Buffer.from(der).toString('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      const parsed = parseCertificate(der);
      if (!parsed.subject.isEqual(parsed.issuer)) pool.push(parsed);
    } catch {
      report.details.push('warning: a carried certificate could not be parsed');
    }
  }
  const notBefore = certificate.notBefore.value;
  const notAfter = certificate.notAfter.value;
  const stamped = report.timeSource === 'timestamp' ? report.signingTime : undefined;
  // Without a time-stamp of its own, a signature a later document time-stamp covers existed by that
  // one's time (EN 319 102-1 §5.6.2.2): a portal that time-stamps the B-B signatures it receives
  // (the Vietnamese plugins make no time-stamp) keeps them valid past the certificate's expiry. A
  // proof from outside the certificate's validity proves nothing about it and is not used.
  const laterTime = stamped ? undefined : provenBefore(validationTime, laterProof);
  const provenLater = laterTime && laterTime >= notBefore && laterTime <= notAfter ? laterTime : undefined;
  const proven = stamped ?? provenLater;
  if (provenLater)
    report.details.push(
      `${describeProof(laterProof!)} proves the signature existed by then: its certificate is judged at that time`,
    );

  // The chain at the proven time; without a POE, at the validation time (unless the certificate has
  // expired by then: reported below). A certificate not valid yet then is reported as such, not passed.
  const expiredNow = validationTime > notAfter;
  const notYetValidNow = validationTime < notBefore;
  const chainAt = proven ?? (expiredNow ? (report.signingTime ?? notAfter) : validationTime);
  let chain = await buildChain(certificate, pool, roots, chainAt);
  if (!chain.valid && chainAt < notBefore) {
    // Before its validity every path fails: whether one exists at all tells NOT_YET_VALID from an untrusted chain.
    const fromStart = await buildChain(certificate, pool, roots, notBefore);
    if (fromStart.valid) chain = fromStart;
  }
  report.chain = chain.path.map(describeCertificate);
  // pkijs's resultMessage names its own steps; the time checked at is what a person can act on.
  if (!chain.valid)
    addProblem(
      report,
      'UNTRUSTED_CHAIN',
      chain.constraint
        ? `chain: ${chain.constraint}`
        : `chain: no path from the certificate to a trusted root, valid at ${chainAt.toISOString()}`,
    );
  if (notYetValidNow)
    addProblem(
      report,
      'CERT_NOT_YET_VALID',
      `the certificate is valid from ${notBefore.toISOString()}, after the validation time ${validationTime.toISOString()}`,
    );

  const claimed = report.signingTime;
  // A signature cannot have been made after the time it is validated at: a signer's claim to is
  // refused (a time-stamp's time is the TSA's, judged as proven above). Signers' clocks run a few
  // minutes ahead; a PDF's /M without an offset may be local time, up to 14 hours ahead of UTC.
  const ahead = report.timeSource === 'claimed' ? 14 * HOUR + CLOCK_SKEW : CLOCK_SKEW;
  if (claimed && !stamped && claimed.getTime() > (provenLater ?? validationTime).getTime() + ahead)
    addProblem(
      report,
      'SIGNING_TIME_OUT_OF_BOUNDS',
      provenLater
        ? `signed ${claimed.toISOString()}, after the document time-stamp of ${provenLater.toISOString()} that covers it`
        : `signed ${claimed.toISOString()}, after the validation time ${validationTime.toISOString()}`,
    );
  // A later proof from within the certificate's validity shows the signature existed before it
  // expired: a claim after the expiry is the signer's clock (out of bounds above), not an expired signing.
  if (claimed && claimed > notAfter && !provenLater)
    addProblem(
      report,
      stamped ? 'CERT_EXPIRED_AT_SIGNING' : 'CERT_EXPIRED_NO_POE',
      `signed ${claimed.toISOString()}, after the certificate expired (${notAfter.toISOString()})`,
    );
  if (claimed && claimed < notBefore)
    addProblem(
      report,
      'CERT_NOT_YET_VALID',
      `signed ${claimed.toISOString()}, before the certificate was valid (${notBefore.toISOString()})`,
    );
  if (!proven && expiredNow)
    addProblem(
      report,
      'CERT_EXPIRED_NO_POE',
      `the certificate expired ${notAfter.toISOString()} and no time-stamp proves the signature existed before`,
    );
  if (options.notBefore && claimed && claimed < options.notBefore)
    addProblem(report, 'SIGNING_TIME_OUT_OF_BOUNDS', `signed before ${options.notBefore.toISOString()}`);
  if (options.notAfter && claimed && claimed > options.notAfter)
    addProblem(report, 'SIGNING_TIME_OUT_OF_BOUNDS', `signed after ${options.notAfter.toISOString()}`);

  // The rule kyso signs by: a keyUsage, when present, must allow digitalSignature or nonRepudiation
  // (a keyEncipherment-only key is for receiving encrypted data; openssl's smimesign purpose agrees),
  // and an extendedKeyUsage must not limit the certificate to TLS servers, code or the like.
  const summary = summarizeCertificate(signerDer);
  if (usabilityProblems(summary, validationTime).includes('not-for-signing'))
    addProblem(
      report,
      'CERT_NOT_FOR_SIGNING',
      extendedKeyUsageExcludesSigning(summary)
        ? `the certificate's extendedKeyUsage allows only ${summary.extendedKeyUsage!.join(', ')}: it is not for signing documents`
        : "the certificate's keyUsage allows neither digitalSignature nor nonRepudiation: it is not for signing",
    );

  judgeCryptography(
    report,
    summary,
    chain.path,
    legacyAlgorithms,
    proven,
    options.legacyCryptoUntil ?? LEGACY_CRYPTO_UNTIL,
  );

  const policy = options.revocation?.policy ?? 'prefer';
  if (policy !== 'off') {
    const issuer = await findIssuer(certificate, [...pool, ...roots]);
    const revocation = issuer
      ? await checkRevocation(certificate, issuer, options.revocation, {
          embedded,
          ...(proven && { provenTime: proven }),
          validationTime,
          untrusted: !chain.valid,
        })
      : { status: 'unknown' as const, source: null, notes: ['issuer certificate not found'] };
    report.revocation = revocation;
    if (revocation.status === 'revoked') {
      // A time-stamp before the revocation proves the signature came first.
      const before = revocation.revokedAt && proven && proven < revocation.revokedAt;
      if (!before)
        addProblem(
          report,
          'REVOKED',
          `revoked${revocation.revokedAt ? ` at ${revocation.revokedAt.toISOString()}` : ''} (${revocation.source})`,
        );
      else report.details.push(`revoked at ${revocation.revokedAt!.toISOString()}, after the time-stamp`);
    } else if (revocation.status !== 'good') {
      if (expiredNow)
        addProblem(
          report,
          'CERT_EXPIRED_NO_POE',
          `the certificate expired ${notAfter.toISOString()} and no revocation evidence from before then is embedded: ${revocation.notes.join('; ')}`,
        );
      else if (policy === 'require')
        addProblem(report, 'REVOCATION_UNKNOWN', `revocation status unknown: ${revocation.notes.join('; ')}`);
      else report.details.push(`warning: revocation not checked: ${revocation.notes.join('; ')}`);
    }
    await judgeIssuingCas(report, chain.path, options, embedded, validationTime, proven);
  }
  return finish(report);
}

/**
 * The cryptographic constraints (EN 319 102-1 §5.2.8), in one place: the signer's key, the
 * signature's own algorithms its format found legacy (`signatureAlgorithms`), and each
 * certificate signature of the path up to the trusted root (whose own self-signature proves nothing).
 * A key under MIN_RSA_BITS is WEAK_KEY whenever it signed. Legacy cryptography — an RSA key under
 * LEGACY_RSA_BITS (the signer's, or a CA's that signed the path), an MD5/SHA-1 certificate
 * signature — passes only with a time-stamp before `until`: later, anyone may have forged it.
 */
function judgeCryptography(
  report: Draft,
  signer: ReturnType<typeof summarizeCertificate>,
  path: pkijs.Certificate[],
  signatureAlgorithms: string[],
  proven: Date | undefined,
  until: Date,
): void {
  const bits = signer.keyType === 'RSA' ? Number(signer.keyDetail) : undefined;
  if (bits !== undefined && bits < MIN_RSA_BITS) {
    addProblem(
      report,
      'WEAK_KEY',
      `the signer's RSA key has ${bits} bits, fewer than ${MIN_RSA_BITS}: anyone could have made this signature`,
    );
    return;
  }
  const legacy: Legacy[] = [];
  if (bits !== undefined && bits < LEGACY_RSA_BITS)
    legacy.push({ problem: 'WEAK_KEY', what: `the signer's RSA key has ${bits} bits` });
  for (const algorithm of signatureAlgorithms)
    legacy.push({ problem: 'WEAK_ALGORITHM', what: `the signature uses ${algorithm}` });
  legacy.push(...legacyInPath(path));
  if (legacy.length === 0) return;
  if (proven && proven < until) {
    for (const { what } of legacy)
      report.details.push(
        `${what}: accepted, a time-stamp proves the signature existed before ${until.toISOString()}`,
      );
    return;
  }
  for (const { problem, what } of legacy)
    addProblem(
      report,
      problem,
      `${what}, below what signatures may use since ${until.toISOString()}, and no time-stamp proves the signature existed before then`,
    );
}

interface Legacy {
  problem: Problem;
  what: string;
}

/** Each certificate signature of a path (holder first) up to the trusted root: an MD5/SHA-1 one, or one by an RSA key under LEGACY_RSA_BITS. */
function legacyInPath(path: pkijs.Certificate[]): Legacy[] {
  const legacy: Legacy[] = [];
  for (let i = 0; i < path.length - 1; i++) {
    const subject = describeCertificate(path[i]!).subject;
    const algorithm = LEGACY_SIGNATURE_ALGORITHMS[path[i]!.signatureAlgorithm.algorithmId];
    if (algorithm)
      legacy.push({
        problem: 'WEAK_ALGORITHM',
        what: `the certificate ${subject} is signed with ${algorithm}`,
      });
    const issuerBits = rsaBits(path[i + 1]!);
    if (issuerBits !== undefined && issuerBits < LEGACY_RSA_BITS)
      legacy.push({
        problem: 'WEAK_KEY',
        what: `the certificate ${subject} is signed by an RSA key of ${issuerBits} bits`,
      });
  }
  return legacy;
}

/**
 * A document time-stamp that verified, trusted and proving its time, over an earlier part of the
 * file: everything it covers (earlier time-stamp tokens too) existed by its time (EN 319 102-1
 * §5.6.2.2, proof of existence).
 */
export interface ExistenceProof {
  time: Date;
  /** The proving time-stamp's TSA, for the report's sentence. */
  tsa?: string;
}

/** The time a later time-stamp proves an object existed by, when that is before the validation time. */
const provenBefore = (validationTime: Date, proof: ExistenceProof | undefined): Date | undefined =>
  proof && proof.time < validationTime ? proof.time : undefined;

/** When an object is known to have existed: by a later time-stamp's time, or at the latest now. */
const existedBy = (validationTime: Date, proof: ExistenceProof | undefined): Date =>
  provenBefore(validationTime, proof) ?? validationTime;

/** A later time-stamp, named in a report's sentence. */
const describeProof = (proof: ExistenceProof): string =>
  `a later document time-stamp (${proof.time.toISOString()}${proof.tsa ? `, ${proof.tsa}` : ''})`;

/** Why a time-stamp proves no time: its problem code and kyso's sentence. */
export interface TimestampRefusal {
  problem: Problem;
  sentence: string;
}

/**
 * Whether a verified time-stamp, whose TSA's path (TSA first) is `path` and whose own `legacy`
 * hashing (SHA-1) is named, proves its time at `validationTime`, given a later time-stamp's `proof`
 * that the token existed by then (existedBy). Three things make a token anyone's, after which it
 * proves its time only where its own existence is proven before (EN 319 102-1 §5.6.2.4-5):
 * - legacy cryptography (the token's SHA-1, timestampLegacy's key and path) after the sunset or
 *   the archive's policy (`legacyCryptoUntil`);
 * - the expiry of the TSA's certificate or of a CA's on its path: no one would revoke a key stolen
 *   after it. Stamping the file again before then is what renews a B-LTA archive;
 * - a revocation on that path (tsaPathRevocation: the `evidence` at hand and, as the policy allows, fetched).
 * `refusal` is the first reason it proves no time; `rescued`, the details of what the proof saved;
 * `expires`, that first expiry on its path.
 */
export async function judgeTimestampPath(
  { path, legacy: hashing }: { path: pkijs.Certificate[]; legacy: string[] },
  options: VerifyOptions,
  evidence: EmbeddedEvidence,
  validationTime: Date,
  proof: ExistenceProof | undefined,
): Promise<{ refusal?: TimestampRefusal; rescued: string[]; expires?: Date }> {
  const until = options.legacyCryptoUntil ?? LEGACY_CRYPTO_UNTIL;
  const revocation = await tsaPathRevocation(path, options, evidence, validationTime);
  const existed = existedBy(validationTime, proof);
  const rescued: string[] = [];
  const legacy: Legacy[] =
    validationTime >= until
      ? [...hashing.map((what) => ({ problem: 'WEAK_ALGORITHM' as const, what })), ...timestampLegacy(path)]
      : [];
  const what = legacy.map((l) => l.what).join('; ');
  if (legacy[0] && existed >= until)
    return {
      refusal: {
        problem: legacy[0].problem,
        sentence: `${what}: below what time-stamps may use since ${until.toISOString()}, and nothing proves the time-stamp existed before then, so it proves no time`,
      },
      rescued,
    };
  if (legacy[0])
    rescued.push(
      `${what}: accepted, ${describeProof(proof!)} proves the time-stamp existed before ${until.toISOString()}`,
    );
  const expiry = firstExpiry(path);
  for (const end of [expiry, revocation]) {
    if (!end || validationTime <= end.at) continue;
    if (existed > end.at)
      return {
        refusal: {
          problem: end.problem,
          sentence: `${end.what}, and nothing proves the time-stamp existed before then, so it proves no time`,
        },
        rescued,
      };
    rescued.push(`${end.what}: accepted, ${describeProof(proof!)} proves the time-stamp existed before then`);
  }
  return { rescued, ...(expiry && { expires: expiry.at }) };
}

/**
 * A time after which a TSA's key could be anyone's: its certificate's (or a CA's on its path)
 * expiry or revocation. `what` says which, for the report's sentence.
 */
export interface KeyEnd {
  what: string;
  at: Date;
  problem: Problem;
}

/** How a certificate of a TSA's path (TSA first) is named in a sentence. */
const onTsaPath = (path: pkijs.Certificate[], i: number): string =>
  i === 0
    ? "the TSA's certificate"
    : `the certificate ${describeCertificate(path[i]!).subject} on the TSA's path`;

/** The certificate of a TSA's path (TSA first; a self-signed root has no expiry that counts) that expires first. */
function firstExpiry(path: pkijs.Certificate[]): KeyEnd | undefined {
  let first: { i: number; at: Date } | undefined;
  for (const [i, certificate] of path.entries()) {
    if (certificate.subject.isEqual(certificate.issuer)) continue;
    const at = certificate.notAfter.value;
    if (!first || at < first.at) first = { i, at };
  }
  return (
    first && {
      what: `${onTsaPath(path, first.i)} expired on ${first.at.toISOString()}`,
      at: first.at,
      problem: 'CERT_EXPIRED_NO_POE',
    }
  );
}

/**
 * The earliest revocation on a TSA's path (TSA first) that the evidence shows — embedded (the CMS's
 * revocation values, a PDF's DSS) or, as the policy allows, fetched — for judgeTimestampPath. As
 * for a signer's CAs, only a revocation counts: TSAs' status is often not published.
 */
async function tsaPathRevocation(
  path: pkijs.Certificate[],
  options: VerifyOptions,
  embedded: EmbeddedEvidence,
  validationTime: Date,
): Promise<KeyEnd | undefined> {
  let first: KeyEnd | undefined;
  for (const { index, status } of await revokedOnPath(path, 0, options, embedded, validationTime)) {
    // OCSP and CRL entries carry a revocation time; without one, no time the key was sound is known.
    const at = status.revokedAt ?? new Date(0);
    if (!first || at < first.at)
      first = {
        what: `${onTsaPath(path, index)} was revoked at ${at.toISOString()} (${status.source})`,
        at,
        problem: 'REVOKED_NO_POE',
      };
  }
  return first;
}

/** What in a time-stamp's TSA path (TSA first) is legacy cryptography. */
function timestampLegacy(path: pkijs.Certificate[]): Legacy[] {
  const [tsa] = path;
  if (!tsa) return [];
  const bits = rsaBits(tsa);
  return [
    ...(bits !== undefined && bits < LEGACY_RSA_BITS
      ? [{ problem: 'WEAK_KEY' as const, what: `the TSA's RSA key has ${bits} bits` }]
      : []),
    ...legacyInPath(path),
  ];
}

/** A certificate's RSA modulus bits; undefined for another key type. */
function rsaBits(certificate: pkijs.Certificate): number | undefined {
  try {
    const summary = summarizeCertificate(certificateDer(certificate));
    return summary.keyType === 'RSA' ? Number(summary.keyDetail) : undefined;
  } catch {
    return undefined; // a CA certificate kyso's reader refuses: its chain check already judged it
  }
}

/**
 * The CA certificates between the signer's and the root (Vietnam: the licensed CA under the
 * national root): one its issuer revoked before the signature's proven time makes it REVOKED,
 * as openssl's -crl_check_all does. Only a revocation counts: CAs' own status is often not
 * published, and an unanswered check of one is not reported.
 */
async function judgeIssuingCas(
  report: Draft,
  path: pkijs.Certificate[],
  options: VerifyOptions,
  embedded: EmbeddedEvidence,
  validationTime: Date,
  proven: Date | undefined,
): Promise<void> {
  for (const { index, status } of await revokedOnPath(path, 1, options, embedded, validationTime, proven)) {
    if (status.revokedAt && proven && proven < status.revokedAt) continue; // the signature came first
    addProblem(
      report,
      'REVOKED',
      `the issuing CA's certificate (${describeCertificate(path[index]!).subject}) was revoked${status.revokedAt ? ` at ${status.revokedAt.toISOString()}` : ''} (${status.source})`,
    );
  }
}

/** The certificates of a path (holder first), from `first` up to the root's child, that the evidence shows revoked by their issuers. */
async function revokedOnPath(
  path: pkijs.Certificate[],
  first: number,
  options: VerifyOptions,
  embedded: EmbeddedEvidence,
  validationTime: Date,
  proven?: Date,
): Promise<Array<{ index: number; status: RevocationResult }>> {
  const revoked: Array<{ index: number; status: RevocationResult }> = [];
  for (let index = first; index < path.length - 1; index++) {
    const status = await checkRevocation(path[index]!, path[index + 1]!, options.revocation, {
      embedded,
      ...(proven && { provenTime: proven }),
      validationTime,
    });
    if (status.status === 'revoked') revoked.push({ index, status });
  }
  return revoked;
}
