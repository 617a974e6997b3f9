/**
 * The Vietnamese certificate profile: who a certificate names (CN, O, OU, T, L, ST, C; identity
 * numbers in UID as MST:/CCCD:/CMND:/HC:/MNS:, or in older certificates as MST: inside O), and whether
 * it can sign now. Pure and isomorphic: runs in the extension, the host and portal backends.
 */
import {
  childrenOf,
  contentBytes,
  expectTag,
  oidText,
  readTlv,
  stringText,
  timeValue,
  type Tlv,
} from '../cms/der-reader.js';
import { memoizeByBytes } from '../memo.js';

const OID = {
  commonName: '2.5.4.3',
  country: '2.5.4.6',
  locality: '2.5.4.7',
  stateOrProvince: '2.5.4.8',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  title: '2.5.4.12',
  serialNumber: '2.5.4.5',
  email: '1.2.840.113549.1.9.1',
  uid: '0.9.2342.19200300.100.1.1',
  keyUsage: '2.5.29.15',
  extendedKeyUsage: '2.5.29.37',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  p521: '1.3.132.0.35',
} as const;

/** Identity-number kinds carried in UID (or O) with a prefix. */
export const IDENTITY_PREFIXES = ['MST', 'CCCD', 'CMND', 'HC', 'MNS'] as const;
export type IdentityKind = (typeof IDENTITY_PREFIXES)[number];

export interface DistinguishedName {
  commonName?: string;
  organization?: string;
  organizationalUnit?: string;
  title?: string;
  locality?: string;
  stateOrProvince?: string;
  country?: string;
  email?: string;
  /** UID values as written, e.g. "MST:0312345678". */
  uids: string[];
}

export interface CertificateSummary {
  subject: DistinguishedName;
  issuer: DistinguishedName;
  /** Identity numbers by kind, e.g. { MST: ['0312345678'], CCCD: ['001099012345'] }. */
  identities: Partial<Record<IdentityKind, string[]>>;
  serialNumberHex: string;
  notBefore: Date;
  notAfter: Date;
  keyType: 'RSA' | 'EC' | 'other';
  /** RSA modulus bits, or the curve name for EC. */
  keyDetail: string;
  keyUsage: { digitalSignature: boolean; nonRepudiation: boolean; present: boolean };
  /** The extendedKeyUsage purposes (OIDs), when the certificate has that extension. */
  extendedKeyUsage?: string[];
}

export type UsabilityProblem = 'expired' | 'not-yet-valid' | 'not-for-signing' | 'weak-key';

/**
 * The smallest RSA key a new signature may have: Circular 15/2025/TT-BKHCN and ETSI TS 119 312 ask
 * 2048 bits, and kyso's verifier judges a newer signature by a shorter key INDETERMINATE (WEAK_KEY).
 */
export const MIN_SIGNING_RSA_BITS = 2048;

/** The fields of a TBSCertificate this profile reads (RFC 5280 §4.1), as elements of `der`. */
export interface CertificateFields {
  der: Uint8Array;
  serialNumber: Tlv;
  issuer: Tlv;
  notBefore: Date;
  notAfter: Date;
  subject: Tlv;
  subjectPublicKeyInfo: Tlv;
  extensions: Tlv[];
}

const SEQUENCE = 0x30;
const SET = 0x31;

/**
 * Reads a certificate with the small DER reader (der-reader.ts): neither pkijs nor asn1js is
 * needed to list a token's certificates, so the host loads them only to verify or time-stamp.
 */
export function parseCertificate(der: Uint8Array): CertificateFields {
  const certificate = expectTag(readTlv(der, 0), SEQUENCE, 'Certificate');
  const tbs = expectTag(childrenOf(der, certificate)[0], SEQUENCE, 'TBSCertificate');
  const fields = childrenOf(der, tbs);
  let at = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] EXPLICIT version
  const serialNumber = expectTag(fields[at++], 0x02, 'serialNumber');
  expectTag(fields[at++], SEQUENCE, 'signature');
  const issuer = expectTag(fields[at++], SEQUENCE, 'issuer');
  const validity = childrenOf(der, expectTag(fields[at++], SEQUENCE, 'validity'));
  const subject = expectTag(fields[at++], SEQUENCE, 'subject');
  const subjectPublicKeyInfo = expectTag(fields[at++], SEQUENCE, 'subjectPublicKeyInfo');
  const extensions: Tlv[] = [];
  for (const field of fields.slice(at)) {
    if (field.tag !== 0xa3) continue; // [1], [2] unique identifiers
    const list = expectTag(childrenOf(der, field)[0], SEQUENCE, 'extensions');
    for (const extension of childrenOf(der, list))
      extensions.push(expectTag(extension, SEQUENCE, 'extension'));
  }
  return {
    der,
    serialNumber,
    issuer,
    notBefore: timeValue(der, validity[0]),
    notAfter: timeValue(der, validity[1]),
    subject,
    subjectPublicKeyInfo,
    extensions,
  };
}

/** A Name: SEQUENCE OF RelativeDistinguishedName (SET OF AttributeTypeAndValue). */
export function readName(der: Uint8Array, name: Tlv): DistinguishedName {
  const dn: DistinguishedName = { uids: [] };
  const fields: Record<string, keyof Omit<DistinguishedName, 'uids'>> = {
    [OID.commonName]: 'commonName',
    [OID.organization]: 'organization',
    [OID.organizationalUnit]: 'organizationalUnit',
    [OID.title]: 'title',
    [OID.locality]: 'locality',
    [OID.stateOrProvince]: 'stateOrProvince',
    [OID.country]: 'country',
    [OID.email]: 'email',
  };
  for (const rdn of childrenOf(der, name)) {
    for (const typeAndValue of childrenOf(der, expectTag(rdn, SET, 'RelativeDistinguishedName'))) {
      const [type, value] = childrenOf(der, expectTag(typeAndValue, SEQUENCE, 'AttributeTypeAndValue'));
      const oid = oidText(der, type);
      const text = stringText(der, value);
      if (oid === OID.uid) dn.uids.push(text);
      else {
        const field = fields[oid];
        if (field && dn[field] === undefined) dn[field] = text;
      }
    }
  }
  return dn;
}

/** MST:/CCCD:/… identity numbers from UIDs, and from O in older certificates. */
export function extractIdentities(dn: DistinguishedName): Partial<Record<IdentityKind, string[]>> {
  const identities: Partial<Record<IdentityKind, string[]>> = {};
  const candidates = [...dn.uids, ...(dn.organization ? [dn.organization] : [])];
  for (const candidate of candidates) {
    const match = /^\s*(MST|CCCD|CMND|HC|MNS)\s*:\s*([\w-]+)\s*$/i.exec(candidate);
    if (!match) continue;
    const kind = match[1]!.toUpperCase() as IdentityKind;
    const list = (identities[kind] ??= []);
    if (!list.includes(match[2]!)) list.push(match[2]!);
  }
  return identities;
}

function describeKey(der: Uint8Array, spki: Tlv): Pick<CertificateSummary, 'keyType' | 'keyDetail'> {
  const [algorithmIdentifier, publicKey] = childrenOf(der, spki);
  const [algorithmOid, params] = childrenOf(der, expectTag(algorithmIdentifier, SEQUENCE, 'algorithm'));
  const algorithm = oidText(der, algorithmOid);
  if (algorithm === OID.rsaEncryption) {
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, in the BIT STRING
    // after its unused-bits octet
    const bits = expectTag(publicKey, 0x03, 'subjectPublicKey');
    const key = expectTag(readTlv(der, bits.start + 1, bits.end), SEQUENCE, 'RSAPublicKey');
    const modulus = contentBytes(der, expectTag(childrenOf(der, key)[0], 0x02, 'modulus'));
    const bytes = modulus[0] === 0 ? modulus.length - 1 : modulus.length;
    return { keyType: 'RSA', keyDetail: `${bytes * 8}` };
  }
  if (algorithm === OID.ecPublicKey) {
    const curveOid = oidText(der, params) || undefined;
    const curve =
      { [OID.p256]: 'P-256', [OID.p384]: 'P-384', [OID.p521]: 'P-521' }[curveOid ?? ''] ?? curveOid ?? '';
    return { keyType: 'EC', keyDetail: curve };
  }
  return { keyType: 'other', keyDetail: algorithm };
}

function readKeyUsage(der: Uint8Array, extensions: Tlv[]): CertificateSummary['keyUsage'] {
  // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
  const extension = extensions
    .map((e) => childrenOf(der, e))
    .find((fields) => oidText(der, fields[0]) === OID.keyUsage);
  if (!extension) return { digitalSignature: false, nonRepudiation: false, present: false };
  const value = expectTag(extension.at(-1), 0x04, 'keyUsage');
  const bits = readTlv(der, value.start, value.end);
  // BIT STRING: the unused-bits octet, then the bits (digitalSignature is the first)
  const first = bits.tag === 0x03 && bits.end - bits.start > 1 ? der[bits.start + 1]! : 0;
  return { digitalSignature: (first & 0x80) !== 0, nonRepudiation: (first & 0x40) !== 0, present: true };
}

/** Memoized: certificates are summarized on every listing and signature. */
export const summarizeCertificate = memoizeByBytes(summarizeUncached);

function summarizeUncached(der: Uint8Array): CertificateSummary {
  const cert = parseCertificate(der);
  const subject = readName(der, cert.subject);
  return {
    subject,
    issuer: readName(der, cert.issuer),
    identities: extractIdentities(subject),
    serialNumberHex: Array.from(contentBytes(der, cert.serialNumber), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join(''),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    ...describeKey(der, cert.subjectPublicKeyInfo),
    keyUsage: readKeyUsage(der, cert.extensions),
    ...readExtendedKeyUsage(der, cert.extensions),
  };
}

function readExtendedKeyUsage(der: Uint8Array, extensions: Tlv[]): { extendedKeyUsage?: string[] } {
  const extension = extensions
    .map((e) => childrenOf(der, e))
    .find((fields) => oidText(der, fields[0]) === OID.extendedKeyUsage);
  if (!extension) return {};
  // ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (an OID), inside the OCTET STRING
  const value = expectTag(extension.at(-1), 0x04, 'extendedKeyUsage');
  const purposes = expectTag(readTlv(der, value.start, value.end), SEQUENCE, 'extendedKeyUsage');
  return { extendedKeyUsage: childrenOf(der, purposes).map((purpose) => oidText(der, purpose)) };
}

/**
 * Purposes that are for something other than signing documents: TLS servers, code, time-stamps,
 * OCSP responses, IPsec. Vietnamese CAs' signing certificates carry no EKU, or clientAuth and
 * emailProtection (and some a CA's own purpose): an EKU is refused only when every purpose it
 * names is one of these, so an unknown purpose never turns a real signing certificate away.
 */
const NOT_DOCUMENT_PURPOSES = new Set([
  '1.3.6.1.5.5.7.3.1', // serverAuth
  '1.3.6.1.5.5.7.3.3', // codeSigning
  '1.3.6.1.5.5.7.3.5', // ipsecEndSystem
  '1.3.6.1.5.5.7.3.6', // ipsecTunnel
  '1.3.6.1.5.5.7.3.7', // ipsecUser
  '1.3.6.1.5.5.7.3.8', // timeStamping
  '1.3.6.1.5.5.7.3.9', // OCSPSigning
  '1.3.6.1.5.5.7.3.17', // ipsecIKE
]);

/** Whether the certificate's extendedKeyUsage limits it to purposes other than signing documents. */
export function extendedKeyUsageExcludesSigning(summary: CertificateSummary): boolean {
  const purposes = summary.extendedKeyUsage;
  return !!purposes && purposes.every((purpose) => NOT_DOCUMENT_PURPOSES.has(purpose));
}

/**
 * Why a certificate cannot sign now, or [] if it can. A certificate with no keyUsage extension is
 * allowed (X.509 says any use); one with keyUsage must allow digitalSignature or nonRepudiation;
 * one with extendedKeyUsage must name a purpose that is not only for something else (TLS, code…);
 * an RSA key must have MIN_SIGNING_RSA_BITS (ECDSA keys are on P-256 and up, or unknown curves).
 */
export function usabilityProblems(summary: CertificateSummary, now: Date = new Date()): UsabilityProblem[] {
  const problems: UsabilityProblem[] = [];
  if (now.getTime() > summary.notAfter.getTime()) problems.push('expired');
  if (now.getTime() < summary.notBefore.getTime()) problems.push('not-yet-valid');
  const ku = summary.keyUsage;
  if ((ku.present && !ku.digitalSignature && !ku.nonRepudiation) || extendedKeyUsageExcludesSigning(summary))
    problems.push('not-for-signing');
  if (summary.keyType === 'RSA' && Number(summary.keyDetail) < MIN_SIGNING_RSA_BITS)
    problems.push('weak-key');
  return problems;
}

/** Whether the certificate has this serial number (hex, any case; leading zeros, as pages drop or keep them, ignored). */
export function hasSerialNumber(summary: CertificateSummary, serialHex: string): boolean {
  const bare = (hex: string) => hex.toLowerCase().replace(/^0+/, '');
  return bare(summary.serialNumberHex) === bare(serialHex);
}

/** The name to show for a holder: CN, else O. */
export function holderName(summary: CertificateSummary): string {
  return summary.subject.commonName ?? summary.subject.organization ?? '';
}
