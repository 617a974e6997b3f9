/**
 * Verifies RFC 3161 time-stamp tokens, in particular the CAdES-T signatureTimeStampToken: the
 * token's imprint must be the hash of the SignerInfo's signature value, the token must be signed
 * by a certificate marked for time-stamping (and named by its ESS signing-certificate attribute),
 * and, when trust anchors are given, that certificate must chain to one of them at the stamped time.
 * Isomorphic: WebCrypto through pkijs, no Node APIs.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { buildChain } from '../certificate/chain.js';
import { bytesEqual, toArrayBuffer } from '../encoding.js';
import type { DigestAlgorithm } from '../protocol/common.js';
import { OID, SHA1_OID, digestAlgorithmFromOid, readDigestAlgorithmFromOid } from './algorithms.js';
import { readDigest } from './digest.js';
import { essSigningCertificateChecks, type EssMismatch } from './ess.js';
import { originalBytes } from './original-bytes.js';
import { pssParametersProblem } from './rsa-pss.js';
import { certificateForSid } from './signer-id.js';
import { readContentInfo } from './content-info.js';

export const TSP_OID = {
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  extendedKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
} as const;

/** A TimeStampToken taken apart; parsing checks only the shape, never the signature. */
export interface ParsedTimeStampToken {
  signedData: pkijs.SignedData;
  tstInfo: pkijs.TSTInfo;
  /** Undefined when the token uses a hash kyso does not accept (SHA-1, MD5, …). */
  imprintAlgorithm?: DigestAlgorithm;
  imprintAlgorithmOid: string;
  imprint: Uint8Array;
  /** Unsigned big-endian bytes as encoded (no sign byte stripping). */
  nonce?: Uint8Array;
  genTime: Date;
}

export interface TimestampVerification {
  /** A signatureTimeStampToken is present on the SignerInfo. */
  present: boolean;
  /** Every token present verifies (imprint, TSA signature, TSA certificate, chain if roots were given). */
  valid: boolean;
  /** The earliest genTime among the tokens. */
  time?: Date;
  problems: string[];
  /** The TSA certificate of the (first) token, DER. */
  tsaCertificate?: Uint8Array;
  /** What each token's verifier judges as cryptographic constraints (its TSA's path, its own SHA-1). */
  tokens?: TokenCryptography[];
}

/** What a verifier's cryptographic constraints judge in one token. */
export interface TokenCryptography {
  /** The TSA's certification path (TSA first, to the trusted root; the TSA alone without roots), DER. */
  tsaPath: Uint8Array[];
  /** The token's own legacy hashing, verified under `legacyHashes` ("its imprint is hashed with SHA-1"…). */
  legacy: string[];
}

export interface TimestampVerifyOptions {
  /** TSA trust anchors; without them the TSA chain is not checked. */
  trustedRoots?: Uint8Array[];
  /**
   * A token hashed or signed with SHA-1 is verified, and `legacy` says so, for a verifier that
   * judges it by a sunset (an archive stamped before it). Without this such a token proves no time:
   * since SHA-1's sunset anyone may make one, with any time (kyso's own TSA client).
   */
  legacyHashes?: boolean;
}

/** Parses a TimeStampToken (ContentInfo DER); throws TypeError describing what is wrong. */
export function parseTimeStampToken(token: Uint8Array): ParsedTimeStampToken {
  let signedData: pkijs.SignedData;
  try {
    const contentInfo = pkijs.ContentInfo.fromBER(toArrayBuffer(token));
    if (contentInfo.contentType !== OID.signedData) throw new Error();
    signedData = new pkijs.SignedData({ schema: contentInfo.content });
  } catch {
    throw new TypeError('time-stamp token is not a CMS SignedData');
  }
  if (signedData.encapContentInfo.eContentType !== TSP_OID.tstInfo)
    throw new TypeError('time-stamp token does not hold a TSTInfo');
  const eContent = signedData.encapContentInfo.eContent;
  if (!eContent) throw new TypeError('time-stamp token has no TSTInfo content');
  let tstInfo: pkijs.TSTInfo;
  try {
    tstInfo = pkijs.TSTInfo.fromBER(eContent.getValue());
  } catch {
    throw new TypeError('time-stamp token TSTInfo is malformed');
  }
  const imprintAlgorithmOid = tstInfo.messageImprint.hashAlgorithm.algorithmId;
  return {
    signedData,
    tstInfo,
    imprintAlgorithm: digestAlgorithmFromOid(imprintAlgorithmOid),
    imprintAlgorithmOid,
    imprint: new Uint8Array(tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView),
    nonce: tstInfo.nonce ? new Uint8Array(tstInfo.nonce.valueBlock.valueHexView) : undefined,
    genTime: tstInfo.genTime,
  };
}

function certificates(signedData: pkijs.SignedData): pkijs.Certificate[] {
  return (signedData.certificates ?? []).filter(
    (c): c is pkijs.Certificate => c instanceof pkijs.Certificate,
  );
}

/** RFC 3161 §2.3: the TSA certificate has one critical extendedKeyUsage, id-kp-timeStamping only. */
function timeStampingUsageProblem(cert: pkijs.Certificate): string | undefined {
  const eku = cert.extensions?.find((e) => e.extnID === TSP_OID.extendedKeyUsage);
  if (!eku) return 'TSA certificate has no extendedKeyUsage';
  const purposes = (eku.parsedValue as pkijs.ExtKeyUsage | undefined)?.keyPurposes ?? [];
  if (purposes.length !== 1 || purposes[0] !== TSP_OID.timeStamping)
    return 'TSA certificate is not for time-stamping only';
  if (!eku.critical) return 'TSA certificate extendedKeyUsage is not critical';
  return undefined;
}

const ESS_PROBLEMS: Record<EssMismatch, string> = {
  'unknown-hash': 'time-stamp ESS certificate hash uses an unknown algorithm',
  'other-certificate': 'time-stamp ESS signing-certificate does not name the TSA certificate',
  'other-serial': 'time-stamp ESS issuerSerial does not match the TSA certificate',
  malformed: 'time-stamp ESS signing-certificate attribute is malformed',
};

/** ESS signingCertificate (SHA-1, RFC 2634) or signingCertificateV2 (RFC 5035/5816) names the TSA certificate. */
async function essCertificateProblem(
  attributes: pkijs.Attribute[],
  certDer: Uint8Array,
  cert: pkijs.Certificate,
): Promise<string | undefined> {
  const checks = await essSigningCertificateChecks(attributes, certDer, cert);
  if (checks.length === 0) return 'time-stamp token has no ESS signing-certificate attribute';
  const mismatch = checks.find((check) => check.mismatch)?.mismatch;
  return mismatch && ESS_PROBLEMS[mismatch];
}

export interface TokenVerification {
  valid: boolean;
  problems: string[];
  time?: Date;
  tsaCertificate?: Uint8Array;
  /** The TSA's certification path found (TSA first), DER; the TSA alone when no roots were given or none was reached. */
  tsaPath?: Uint8Array[];
  /** The token's SHA-1, verified under `legacyHashes`. */
  legacy: string[];
}

/** A hash the token may use: kyso's, and SHA-1 where `legacyHashes` lets its verifier judge it. */
const tokenHash = (oid: string, options: TimestampVerifyOptions) =>
  options.legacyHashes ? readDigestAlgorithmFromOid(oid) : digestAlgorithmFromOid(oid);

/**
 * Verifies one TimeStampToken over `data` (what was time-stamped; hashed with the token's own
 * imprint algorithm) or over a precomputed `imprint`.
 */
export async function verifyTimeStampToken(
  token: Uint8Array,
  subject: { data: Uint8Array } | { imprint: Uint8Array; algorithm: DigestAlgorithm },
  options: TimestampVerifyOptions = {},
): Promise<TokenVerification> {
  // A token is anyone's bytes (an unsigned attribute, a PDF's /Contents): a part that is not what
  // its type says makes it malformed, never an exception for the caller.
  return checkTimeStampToken(token, subject, options).catch(() => ({
    valid: false,
    problems: ['time-stamp token is malformed'],
    legacy: [],
  }));
}

async function checkTimeStampToken(
  token: Uint8Array,
  subject: { data: Uint8Array } | { imprint: Uint8Array; algorithm: DigestAlgorithm },
  options: TimestampVerifyOptions,
): Promise<TokenVerification> {
  const problems: string[] = [];
  const legacy: string[] = [];
  const result: TokenVerification = { valid: false, problems, legacy };
  let parsed: ParsedTimeStampToken;
  try {
    parsed = parseTimeStampToken(token);
  } catch (error) {
    problems.push((error as Error).message);
    return result;
  }
  result.time = parsed.genTime;

  const imprintHash = tokenHash(parsed.imprintAlgorithmOid, options);
  if (imprintHash === 'SHA-1') legacy.push("the time-stamp's imprint is hashed with SHA-1");
  if (!imprintHash) {
    // A SHA-1 imprint, like a SHA-1 signature: since its sunset anyone may find other data with it.
    problems.push(
      parsed.imprintAlgorithmOid === SHA1_OID
        ? 'time-stamp imprint is hashed with SHA-1: it proves no time'
        : `time-stamp imprint uses an unsupported hash (${parsed.imprintAlgorithmOid})`,
    );
  } else if ('data' in subject) {
    if (!bytesEqual(parsed.imprint, await readDigest(imprintHash, subject.data))) {
      problems.push('time-stamp imprint does not match the time-stamped data');
    }
  } else if (subject.algorithm !== imprintHash || !bytesEqual(parsed.imprint, subject.imprint)) {
    problems.push('time-stamp imprint does not match the time-stamped data');
  }

  const { signedData } = parsed;
  const signerInfo = signedData.signerInfos[0];
  if (signedData.signerInfos.length !== 1 || !signerInfo) {
    problems.push(`time-stamp token has ${signedData.signerInfos.length} signers, expected one`);
    return result;
  }
  const cert = await certificateForSid(certificates(signedData), signerInfo.sid);
  if (!cert) {
    // certReq was set: a conforming TSA includes its certificate.
    problems.push('time-stamp token does not include the TSA certificate');
    return result;
  }
  const certDer = new Uint8Array(cert.toSchema().toBER());
  result.tsaCertificate = certDer;
  result.tsaPath = [certDer];
  const usageProblem = timeStampingUsageProblem(cert);
  if (usageProblem) problems.push(usageProblem);

  const signedAttrs = signerInfo.signedAttrs;
  const signerDigest = tokenHash(signerInfo.digestAlgorithm.algorithmId, options);
  if (signerDigest === 'SHA-1') legacy.push('the time-stamp token is signed with SHA-1');
  if (!signedAttrs) problems.push('time-stamp token has no signed attributes');
  else if (!signerDigest)
    // SHA-1 (older TSAs): since its sunset anyone may make such a token, with any time.
    problems.push(
      signerInfo.digestAlgorithm.algorithmId === SHA1_OID
        ? 'time-stamp token is signed with SHA-1: it proves no time'
        : 'time-stamp token uses an unsupported digest algorithm',
    );
  else {
    const attributes = signedAttrs.attributes;
    const messageDigest = attributes.find((a) => a.type === OID.messageDigest);
    const eContent = new Uint8Array(signedData.encapContentInfo.eContent!.getValue());
    const contentDigest = await readDigest(signerDigest, eContent);
    if (
      !messageDigest ||
      !bytesEqual(
        new Uint8Array((messageDigest.values[0] as asn1js.OctetString).valueBlock.valueHexView),
        contentDigest,
      )
    ) {
      problems.push('time-stamp token messageDigest does not match its TSTInfo');
    }
    const contentType = attributes.find((a) => a.type === OID.contentType);
    if (
      (contentType?.values[0] as asn1js.ObjectIdentifier | undefined)?.valueBlock.toString() !==
      TSP_OID.tstInfo
    ) {
      problems.push('time-stamp token contentType attribute is not id-ct-TSTInfo');
    }
    const essProblem = await essCertificateProblem(attributes, certDer, cert);
    if (essProblem) problems.push(essProblem);

    // encodedValue: the attributes exactly as received, already re-tagged as SET for verification.
    const signed =
      signedAttrs.encodedValue.byteLength > 0
        ? new Uint8Array(signedAttrs.encodedValue)
        : originalSetOf(signedAttrs);
    const pssProblem = pssParametersProblem(signerInfo.signatureAlgorithm, signerDigest);
    let signatureValid = false;
    try {
      signatureValid =
        !pssProblem &&
        (await pkijs
          .getCrypto(true)
          .verifyWithPublicKey(
            toArrayBuffer(signed),
            signerInfo.signature,
            cert.subjectPublicKeyInfo,
            signerInfo.signatureAlgorithm,
            signerDigest,
          ));
    } catch {
      signatureValid = false;
    }
    if (!signatureValid)
      problems.push(`time-stamp token signature does not verify${pssProblem ? `: ${pssProblem}` : ''}`);
  }

  if (options.trustedRoots) {
    // Every path through the token's (unsigned) bag is tried: a cross-certificate there is no dead end.
    const chain = await buildChain(
      cert,
      certificates(signedData).filter((c) => c !== cert),
      options.trustedRoots.map((der) => pkijs.Certificate.fromBER(toArrayBuffer(der))),
      parsed.genTime,
    );
    if (chain.valid) result.tsaPath = chain.path.map((c) => new Uint8Array(c.toSchema().toBER()));
    // pkijs's resultMessage ("No valid certificate paths found") names its own steps: not for reports.
    if (!chain.valid)
      problems.push(
        `TSA certificate chain: no path to a trusted time-stamping root, valid at ${parsed.genTime.toISOString()}`,
      );
  }

  result.valid = problems.length === 0;
  return result;
}

function originalSetOf(attributes: pkijs.SignedAndUnsignedAttributes): Uint8Array {
  const bytes = new Uint8Array(attributes.toSchema().toBER());
  bytes[0] = 0x31;
  return bytes;
}

/** The signatureTimeStampToken values on a SignerInfo, as DER ContentInfos. */
export function signatureTimestampTokens(signerInfo: pkijs.SignerInfo): Uint8Array[] {
  const attributes = signerInfo.unsignedAttrs?.attributes ?? [];
  return attributes
    .filter((a) => a.type === OID.signatureTimeStampToken)
    .flatMap((a) => a.values.map(originalBytes));
}

/** The SignerInfo's signature value octets: what a CAdES-T time-stamp covers. */
export function signatureValueOf(signerInfo: pkijs.SignerInfo): Uint8Array {
  return new Uint8Array(signerInfo.signature.getValue());
}

/** Verifies every signatureTimeStampToken on one SignerInfo (for callers that parsed the CMS already). */
export async function verifySignerInfoTimestamp(
  signerInfo: pkijs.SignerInfo,
  options: TimestampVerifyOptions = {},
): Promise<TimestampVerification> {
  const tokens = signatureTimestampTokens(signerInfo);
  if (tokens.length === 0) return { present: false, valid: false, problems: [] };
  const signatureValue = signatureValueOf(signerInfo);
  const result: TimestampVerification = { present: true, valid: true, problems: [], tokens: [] };
  for (const token of tokens) {
    const check = await verifyTimeStampToken(token, { data: signatureValue }, options);
    result.problems.push(...check.problems);
    result.valid &&= check.valid;
    result.tsaCertificate ??= check.tsaCertificate;
    if (check.tsaPath) result.tokens!.push({ tsaPath: check.tsaPath, legacy: check.legacy });
    if (check.time && (!result.time || check.time < result.time)) result.time = check.time;
  }
  return result;
}

/** CAdES-T: verifies the signature time-stamp(s) of a CMS SignedData's signer (the first by default). */
export async function verifySignatureTimestamp(
  cms: Uint8Array,
  options: TimestampVerifyOptions & { signerIndex?: number } = {},
): Promise<TimestampVerification> {
  let signerInfo: pkijs.SignerInfo | undefined;
  try {
    const contentInfo = readContentInfo(cms);
    if (contentInfo.contentType !== OID.signedData) throw new Error('not SignedData');
    signerInfo = new pkijs.SignedData({ schema: contentInfo.content }).signerInfos[options.signerIndex ?? 0];
  } catch {
    return { present: false, valid: false, problems: ['not a CMS SignedData structure'] };
  }
  if (!signerInfo) return { present: false, valid: false, problems: ['no such signer'] };
  return verifySignerInfoTimestamp(signerInfo, options);
}
