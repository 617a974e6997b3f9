/**
 * CAdES-BES SignedData (RFC 5652 + ETSI EN 319 122-1) built around an external signer: the private
 * key stays on the token, which only ever sees the digest of the signed attributes.
 *
 * Written with the small DER writer in der.ts (this is the per-signature hot path); the unit tests
 * check the bytes against the same structure built with pkijs, and every output against OpenSSL.
 */
import { concatBytes } from '../encoding.js';
import { DIGEST_ALGORITHMS, type DigestAlgorithm, type RsaScheme } from '../protocol/common.js';
import { DIGEST_OIDS, OID, SIGNATURE_OIDS, type KeyType } from './algorithms.js';
import {
  NULL,
  contextConstructed,
  encodeDer,
  integer,
  node,
  octetString,
  oid,
  sequence,
  setOf,
  setOfNode,
  tlv,
  utcTime,
  type Der,
} from './der.js';
import { parseCertificate } from '../certificate/profile.js';
import { encodedBytes } from './der-reader.js';
import { digest } from './digest.js';
import { memoizeByBytes } from '../memo.js';

/**
 * Signs a precomputed digest. RSA: PKCS#1 v1.5 signature; EC: raw r‖s as PKCS#11 CKM_ECDSA returns
 * it. `data` (the bytes digested, when small) lets tokens that cannot sign a bare digest hash it
 * themselves.
 */
export interface DigestSigner {
  readonly keyType: KeyType;
  /** RSA only: PKCS#1 v1.5 unless 'PSS' (RSASSA-PSS, MGF1 with the same hash, salt = hash length). */
  readonly rsaScheme?: RsaScheme;
  signDigest(digest: Uint8Array, algorithm: DigestAlgorithm, data?: Uint8Array): Promise<Uint8Array>;
}

export interface CadesOptions {
  /** Digest of the content, computed where the content is (page, extension, CLI). */
  contentDigest: Uint8Array;
  digestAlgorithm: DigestAlgorithm;
  signerCertificate: Uint8Array;
  /** Intermediate certificates to carry in the SignedData. */
  chain?: Uint8Array[];
  /** The signingTime attribute; null to omit it (PAdES puts the time in the signature dictionary). */
  signingTime?: Date | null;
  /** For an attached (encapsulated) signature; its digest must be contentDigest. */
  content?: Uint8Array;
}

/** What every signature by one certificate shares, computed once per certificate. */
export interface SignerCertificate {
  der: Uint8Array;
  /** The issuer Name and serialNumber INTEGER exactly as encoded in the certificate. */
  issuer: Der;
  serialNumber: Der;
  /** The SigningCertificateV2 attribute value (one ESSCertIDv2 with the SHA-256 certificate hash). */
  signingCertificateV2: Der;
}

/**
 * Memoized per certificate (a batch signs hundreds of documents with one). A certificate that
 * cannot be read fails the same way each time, so its failure is remembered too.
 */
export const signerCertificate: (der: Uint8Array) => Promise<SignerCertificate> = memoizeByBytes(
  (der) => buildSignerCertificate(new Uint8Array(der)),
  16,
);

async function buildSignerCertificate(der: Uint8Array): Promise<SignerCertificate> {
  const fields = parseCertificate(der);
  // as encoded in the certificate (der-reader.ts: no parse tree, no copy)
  const serialNumber = encodedBytes(der, fields.serialNumber);
  const issuer = encodedBytes(der, fields.issuer);
  const certHash = await digest('SHA-256', der);
  // SigningCertificateV2 ::= SEQ { certs SEQ OF ESSCertIDv2 }; ESSCertIDv2 ::= SEQ { certHash,
  // issuerSerial SEQ { GeneralNames SEQ { [4] directoryName }, serialNumber } } (hash SHA-256: omitted)
  const signingCertificateV2 = sequence(
    sequence(
      sequence(octetString(certHash), sequence(sequence(contextConstructed(4, issuer)), serialNumber)),
    ),
  );
  return { der, issuer, serialNumber, signingCertificateV2 };
}

const attribute = (type: string, value: Der) => sequence(oid(type), tlv(0x31, value));

export interface PreparedSignedAttributes {
  /** Each Attribute, DER. */
  attributes: Der[];
  /** The bytes the signature covers: the attributes as a universal SET (RFC 5652 §5.4). */
  toBeSigned: Uint8Array;
  signer: SignerCertificate;
}

export async function prepareSignedAttributes(options: CadesOptions): Promise<PreparedSignedAttributes> {
  const signer = await signerCertificate(options.signerCertificate);
  const attributes = [
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.messageDigest, octetString(options.contentDigest)),
    attribute(OID.signingCertificateV2, signer.signingCertificateV2),
  ];
  if (options.signingTime !== null)
    attributes.push(attribute(OID.signingTime, utcTime(options.signingTime ?? new Date())));
  return { attributes, toBeSigned: setOf(0x31, attributes), signer };
}

function unsignedInteger(bytes: Uint8Array): Der {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, trimmed[0]! & 0x80 ? concatBytes([new Uint8Array([0]), trimmed]) : trimmed);
}

/** Raw ECDSA r‖s (PKCS#11) → DER Ecdsa-Sig-Value (CMS, X.509). */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  return sequence(unsignedInteger(raw.subarray(0, half)), unsignedInteger(raw.subarray(half)));
}

export async function signCades(options: CadesOptions, signer: DigestSigner): Promise<Uint8Array> {
  const prepared = await prepareSignedAttributes(options);
  const toSign = await digest(options.digestAlgorithm, prepared.toBeSigned);
  const rawSignature = await signer.signDigest(toSign, options.digestAlgorithm, prepared.toBeSigned);
  const signatureValue = signer.keyType === 'EC' ? ecdsaRawToDer(rawSignature) : rawSignature;
  return assembleSignedData(options, prepared, signer.keyType, signatureValue, signer.rsaScheme);
}

/** RFC 5754: SHA-2 digest identifiers without parameters; RSA signature identifiers with NULL. */
const digestAlgorithmIds = new Map<DigestAlgorithm, Der>();
const digestAlgorithmId = (algorithm: DigestAlgorithm) => {
  let id = digestAlgorithmIds.get(algorithm);
  if (!id) digestAlgorithmIds.set(algorithm, (id = sequence(oid(DIGEST_OIDS[algorithm]))));
  return id;
};
const signatureAlgorithmIds = new Map<string, Der>();
/** Built once per key type, digest and scheme (every item of a batch shares them). */
function signatureAlgorithmId(
  keyType: KeyType,
  algorithm: DigestAlgorithm,
  rsaScheme: RsaScheme = 'PKCS1-v1_5',
): Der {
  const key = `${keyType} ${algorithm} ${rsaScheme}`;
  let id = signatureAlgorithmIds.get(key);
  if (!id) signatureAlgorithmIds.set(key, (id = buildSignatureAlgorithmId(keyType, algorithm, rsaScheme)));
  return id;
}

function buildSignatureAlgorithmId(keyType: KeyType, algorithm: DigestAlgorithm, rsaScheme: RsaScheme): Der {
  if (keyType === 'EC') return sequence(oid(SIGNATURE_OIDS.EC[algorithm]));
  if (rsaScheme === 'PKCS1-v1_5') return sequence(oid(SIGNATURE_OIDS.RSA[algorithm]), NULL);
  // RSASSA-PSS-params (RFC 4055): hash, MGF1 with the same hash, salt length = hash length
  const hash = sequence(oid(DIGEST_OIDS[algorithm]));
  return sequence(
    oid(OID.rsassaPss),
    sequence(
      contextConstructed(0, hash),
      contextConstructed(1, sequence(oid(OID.mgf1), hash)),
      contextConstructed(2, integer(DIGEST_ALGORITHMS[algorithm])),
    ),
  );
}

const VERSION_1 = integer(1);

export function assembleSignedData(
  options: CadesOptions,
  prepared: PreparedSignedAttributes,
  keyType: KeyType,
  signatureValue: Uint8Array,
  rsaScheme?: RsaScheme,
): Uint8Array {
  const { signer } = prepared;
  // One buffer written at the end (der.ts node): no copy of the certificate at each nesting level.
  const signerInfo = node(
    0x30,
    VERSION_1,
    node(0x30, signer.issuer, signer.serialNumber),
    digestAlgorithmId(options.digestAlgorithm),
    setOfNode(0xa0, prepared.attributes), // [0] IMPLICIT signedAttrs
    signatureAlgorithmId(keyType, options.digestAlgorithm, rsaScheme),
    node(0x04, signatureValue),
  );
  const encapsulated = options.content
    ? node(0x30, oid(OID.data), node(0xa0, node(0x04, options.content)))
    : node(0x30, oid(OID.data));
  const signedData = node(
    0x30,
    VERSION_1,
    node(0x31, digestAlgorithmId(options.digestAlgorithm)),
    encapsulated,
    setOfNode(0xa0, [signer.der, ...(options.chain ?? [])]), // [0] IMPLICIT certificates
    node(0x31, signerInfo),
  );
  return encodeDer(node(0x30, oid(OID.signedData), node(0xa0, signedData)));
}
