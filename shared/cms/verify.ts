/**
 * Verifies a CMS SignedData (ours or anyone's): signature over the signed attributes, messageDigest
 * against the content, that the ESS signing-certificate (v1 or v2) names the signer's certificate (OpenSSL 3.0 does not
 * check this), and optionally the chain to given roots.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { buildChain } from '../certificate/chain.js';
import { bytesEqual, toArrayBuffer } from '../encoding.js';
import { summarizeCertificate, type CertificateSummary } from '../certificate/profile.js';
import {
  OID,
  readDigestAlgorithmFromOid,
  signatureAlgorithmFitsKey,
  type ReadDigestAlgorithm,
} from './algorithms.js';
import { readDigest } from './digest.js';
import { pssParametersProblem } from './rsa-pss.js';
import { essSigningCertificateChecks, SIGNING_CERTIFICATE_V1 } from './ess.js';
import { certificateForSid } from './signer-id.js';
import { verifySignerInfoTimestamp, type TokenCryptography } from './verify-timestamp.js';
import { readContentInfo } from './content-info.js';
import { isDerEncoded } from './der-reader.js';

export interface CmsVerifyOptions {
  cms: Uint8Array;
  /** Detached content, or its digest (computed with the signer's digest algorithm). */
  content?: Uint8Array;
  contentDigest?: Uint8Array;
  /** Trust anchors; without them the chain is not checked (and `chainValid` is undefined). */
  trustedRoots?: Uint8Array[];
  /** Time at which the chain is checked; defaults to the signing time, else now. */
  checkTime?: Date;
  /** TSA trust anchors for a CAdES-T signature time-stamp; without them its chain is not checked. */
  timestampRoots?: Uint8Array[];
  /** A time-stamp token hashed or signed with SHA-1 is verified and named, for a verifier's sunset (TimestampVerifyOptions). */
  legacyTimestampHashes?: boolean;
  /**
   * Which SignerInfo to verify (from 0), for a CMS several people signed; without it the CMS must
   * have exactly one (what kyso and PAdES make).
   */
  signer?: number;
}

export interface CmsVerification {
  /** Signature, messageDigest, signingCertificateV2 and (if roots were given) chain all hold. */
  valid: boolean;
  problems: string[];
  signatureValid: boolean;
  chainValid?: boolean;
  /** SHA-1 only in a signature read, for its verifier to judge (legacy: docs/verifier.md); kyso never signs with it. */
  digestAlgorithm?: ReadDigestAlgorithm;
  signingTime?: Date;
  signerCertificate?: Uint8Array;
  /** Every certificate the SignedData carries (the signer's and any intermediates), DER. */
  certificates?: Uint8Array[];
  signer?: CertificateSummary;
  /** The encapsulated content, for attached signatures. */
  content?: Uint8Array;
  /** CAdES-T signature time-stamp, when the signer carries one (details: verifySignatureTimestamp). */
  timestamp?: {
    present: boolean;
    valid: boolean;
    time?: Date;
    tsaCertificate?: Uint8Array;
    /** What each token's verifier judges as cryptographic constraints. */
    tokens?: TokenCryptography[];
  };
}

function octets(value: unknown): Uint8Array {
  return new Uint8Array((value as asn1js.OctetString).valueBlock.valueHexView);
}

function carriedCertificates(signedData: pkijs.SignedData): pkijs.Certificate[] {
  return (signedData.certificates ?? []).filter(
    (c): c is pkijs.Certificate => c instanceof pkijs.Certificate,
  );
}

const SINGLE_VALUED_ATTRIBUTES = [
  [OID.contentType, 'a contentType'],
  [OID.messageDigest, 'a messageDigest'],
  [OID.signingTime, 'a signingTime'],
  [OID.signingCertificateV2, 'an ESS signing-certificate (v2)'],
  [SIGNING_CERTIFICATE_V1, 'an ESS signing-certificate (v1)'],
] as const;

const ESS_NAMES = { v1: 'signingCertificate (ESS v1)', v2: 'signingCertificateV2' } as const;

/** What is wrong with the signer's ESS signing-certificate attributes, in verifyCms's sentences. */
async function essProblems(attributes: pkijs.Attribute[], certDer: Uint8Array, cert: pkijs.Certificate) {
  const sentences = {
    'unknown-hash': 'uses an unknown hash algorithm',
    'other-certificate': 'does not name the signer certificate',
    'other-serial': 'issuerSerial does not match the signer',
  } as const;
  return (await essSigningCertificateChecks(attributes, certDer, cert)).flatMap(({ version, mismatch }) =>
    !mismatch
      ? []
      : mismatch === 'malformed'
        ? [`the signing-certificate attribute (ESS ${version}) is malformed`]
        : [`${ESS_NAMES[version]} ${sentences[mismatch]}`],
  );
}

export async function verifyCms(options: CmsVerifyOptions): Promise<CmsVerification> {
  // The CMS is anyone's bytes: a part that is not what its type says makes it malformed (no signer
  // named), never an exception for the caller.
  return checkCms(options).catch(() => ({
    valid: false,
    problems: ['the CMS is malformed: a part of it is not what its type says'],
    signatureValid: false,
  }));
}

async function checkCms(options: CmsVerifyOptions): Promise<CmsVerification> {
  const problems: string[] = [];
  const result: CmsVerification = { valid: false, problems, signatureValid: false };
  let signedData: pkijs.SignedData;
  try {
    const contentInfo = readContentInfo(options.cms);
    if (contentInfo.contentType !== OID.signedData) throw new Error('not SignedData');
    signedData = new pkijs.SignedData({ schema: contentInfo.content });
  } catch {
    problems.push('not a CMS SignedData structure');
    return result;
  }
  if (options.signer === undefined && signedData.signerInfos.length !== 1)
    problems.push(`expected one signer, found ${signedData.signerInfos.length}`);
  const signerInfo = signedData.signerInfos[options.signer ?? 0];
  if (!signerInfo) return result;

  const digestAlgorithm = readDigestAlgorithmFromOid(signerInfo.digestAlgorithm.algorithmId);
  if (!digestAlgorithm) {
    problems.push('unsupported digest algorithm');
    return result;
  }
  result.digestAlgorithm = digestAlgorithm;

  const cert = await certificateForSid(carriedCertificates(signedData), signerInfo.sid);
  if (!cert) {
    problems.push('signer certificate not included');
    return result;
  }
  const certDer = new Uint8Array(cert.toSchema().toBER());
  try {
    // kyso's certificate reader is stricter than pkijs's parser: what it cannot read names no signer.
    result.signer = summarizeCertificate(certDer);
  } catch {
    problems.push('the signer certificate cannot be read (it is not a well-formed X.509 certificate)');
    return result;
  }
  result.signerCertificate = certDer;
  result.certificates = carriedCertificates(signedData).map((c) => new Uint8Array(c.toSchema().toBER()));

  const eContent = signedData.encapContentInfo.eContent;
  if (eContent) result.content = new Uint8Array(eContent.getValue());
  const content = options.content ?? result.content;
  const expectedDigest =
    options.contentDigest ?? (content ? await readDigest(digestAlgorithm, content) : undefined);
  if (!expectedDigest && signerInfo.signedAttrs)
    problems.push('no content or content digest to check against');

  const attributes = signerInfo.signedAttrs?.attributes ?? [];
  const find = (oid: string) => attributes.find((a) => a.type === oid);
  // RFC 5652 §11, RFC 5035: each once, with one value (openssl refuses more): a reader taking
  // another instance would check another document, time or certificate under the same signature.
  for (const [type, name] of SINGLE_VALUED_ATTRIBUTES) {
    const instances = attributes.filter((a) => a.type === type);
    if (instances.length > 1 || instances.some((a) => a.values.length !== 1))
      problems.push(`the signed attributes carry ${name} more than once`);
  }
  // pkijs verifies with the key's algorithm whatever the SignerInfo names; openssl refuses a mismatch.
  const algorithmFits = signatureAlgorithmFitsKey(
    signerInfo.signatureAlgorithm.algorithmId,
    cert.subjectPublicKeyInfo.algorithm.algorithmId,
  );
  if (!algorithmFits) problems.push("signature does not verify: its algorithm does not fit the signer's key");
  const pssProblem = pssParametersProblem(signerInfo.signatureAlgorithm, digestAlgorithm);
  if (pssProblem) problems.push(`signature does not verify: ${pssProblem}`);
  const verifiable = algorithmFits && !pssProblem;
  if (!signerInfo.signedAttrs) {
    // RFC 5652 §5.4 without signed attributes (openssl cms -sign -noattr): the signature is over the content itself.
    if (!content)
      problems.push('no signed attributes: the signature is over the content, which is needed to check it');
    else if (verifiable) {
      result.signatureValid = await pkijs
        .getCrypto(true)
        .verifyWithPublicKey(
          toArrayBuffer(content),
          signerInfo.signature,
          cert.subjectPublicKeyInfo,
          signerInfo.signatureAlgorithm,
          digestAlgorithm,
        )
        .catch(() => false);
      if (!result.signatureValid) problems.push('signature does not verify');
    }
  }
  const messageDigest = find(OID.messageDigest);
  if (signerInfo.signedAttrs && !messageDigest) problems.push('no messageDigest attribute');
  else if (messageDigest && expectedDigest && !bytesEqual(octets(messageDigest.values[0]), expectedDigest)) {
    problems.push('messageDigest does not match the content');
  }
  const contentType = find(OID.contentType);
  if (
    signerInfo.signedAttrs &&
    (!contentType || (contentType.values[0] as asn1js.ObjectIdentifier).valueBlock.toString() !== OID.data)
  ) {
    problems.push('contentType attribute missing or not id-data');
  }
  const signingTime = find(OID.signingTime);
  const time: unknown = signingTime?.values[0];
  if (time instanceof asn1js.UTCTime || time instanceof asn1js.GeneralizedTime)
    result.signingTime = time.toDate();
  else if (signingTime) problems.push('the signingTime attribute is not a time');
  problems.push(...(await essProblems(attributes, certDer, cert)));

  // The signature is over the signed attributes as they are in the CMS, which must be DER (RFC 5652
  // §5.4): re-encoding what a lenient parser read would pass bytes changed after signing (a length).
  const signedAttrsBytes = signerInfo.signedAttrs && new Uint8Array(signerInfo.signedAttrs.encodedValue);
  if (signedAttrsBytes && !isDerEncoded(signedAttrsBytes))
    problems.push('the signed attributes are not DER-encoded as RFC 5652 requires');
  if (signedAttrsBytes && verifiable) {
    const signed = signedAttrsBytes.slice();
    signed[0] = 0x31; // signed as the SET OF it is, not as the [0] it is carried in
    const engine = pkijs.getCrypto(true);
    try {
      result.signatureValid = await engine.verifyWithPublicKey(
        toArrayBuffer(signed),
        signerInfo.signature,
        cert.subjectPublicKeyInfo,
        signerInfo.signatureAlgorithm,
        digestAlgorithm,
      );
    } catch {
      result.signatureValid = false;
    }
    if (!result.signatureValid) problems.push('signature does not verify');
  }

  const timestamp = await verifySignerInfoTimestamp(signerInfo, {
    trustedRoots: options.timestampRoots,
    ...(options.legacyTimestampHashes && { legacyHashes: true }),
  });
  if (timestamp.present) {
    result.timestamp = {
      present: true,
      valid: timestamp.valid,
      time: timestamp.time,
      ...(timestamp.tsaCertificate && { tsaCertificate: timestamp.tsaCertificate }),
      ...(timestamp.tokens && { tokens: timestamp.tokens }),
    };
    if (!timestamp.valid) problems.push(`signature time-stamp: ${timestamp.problems.join('; ')}`);
  }

  if (options.trustedRoots) {
    const checkDate = options.checkTime ?? result.signingTime ?? new Date();
    // Every path through the (unsigned) bag is tried, and none without end (chain.ts).
    const chain = await buildChain(
      cert,
      carriedCertificates(signedData).filter((c) => c !== cert),
      options.trustedRoots.map((der) => pkijs.Certificate.fromBER(toArrayBuffer(der))),
      checkDate,
    );
    result.chainValid = chain.valid;
    // pkijs's resultMessage names its own steps: kyso says what failed, and when.
    if (!result.chainValid)
      problems.push(`certificate chain: no path to a trusted root, valid at ${checkDate.toISOString()}`);
  }

  result.valid = problems.length === 0;
  return result;
}
