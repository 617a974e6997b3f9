/**
 * The Vietnamese certificate profile: who a certificate names (CN, O, OU, T, L, ST, C; identity
 * numbers in UID as MST:/CCCD:/CMND:/HC:/MNS:, or in older certificates as MST: inside O), and whether
 * it can sign now. Pure and isomorphic: runs in the extension, the host and portal backends.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { toArrayBuffer } from '../encoding.js';
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
}

export type UsabilityProblem = 'expired' | 'not-yet-valid' | 'not-for-signing';

export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  return pkijs.Certificate.fromBER(toArrayBuffer(der));
}

function attributeText(value: unknown): string {
  const block = value as { valueBlock?: { value?: unknown } };
  const text = block?.valueBlock?.value;
  return typeof text === 'string' ? text : '';
}

export function readName(name: pkijs.RelativeDistinguishedNames): DistinguishedName {
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
  for (const tv of name.typesAndValues) {
    const text = attributeText(tv.value);
    if (tv.type === OID.uid) dn.uids.push(text);
    else {
      const field = fields[tv.type];
      if (field && dn[field] === undefined) dn[field] = text;
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

function describeKey(cert: pkijs.Certificate): Pick<CertificateSummary, 'keyType' | 'keyDetail'> {
  const spki = cert.subjectPublicKeyInfo;
  const algorithm = spki.algorithm.algorithmId;
  if (algorithm === OID.rsaEncryption) {
    const key = spki.parsedKey as pkijs.RSAPublicKey | undefined;
    const modulus = key ? new Uint8Array(key.modulus.valueBlock.valueHexView) : new Uint8Array();
    const bytes = modulus[0] === 0 ? modulus.length - 1 : modulus.length;
    return { keyType: 'RSA', keyDetail: `${bytes * 8}` };
  }
  if (algorithm === OID.ecPublicKey) {
    const curveOid = (
      spki.algorithm.algorithmParams as asn1js.ObjectIdentifier | undefined
    )?.valueBlock?.toString();
    const curve =
      { [OID.p256]: 'P-256', [OID.p384]: 'P-384', [OID.p521]: 'P-521' }[curveOid ?? ''] ?? curveOid ?? '';
    return { keyType: 'EC', keyDetail: curve };
  }
  return { keyType: 'other', keyDetail: algorithm };
}

function readKeyUsage(cert: pkijs.Certificate): CertificateSummary['keyUsage'] {
  const extension = cert.extensions?.find((e) => e.extnID === OID.keyUsage);
  if (!extension) return { digitalSignature: false, nonRepudiation: false, present: false };
  const bits = extension.parsedValue as asn1js.BitString;
  const view = new Uint8Array(bits.valueBlock.valueHexView);
  const first = view[0] ?? 0;
  return { digitalSignature: (first & 0x80) !== 0, nonRepudiation: (first & 0x40) !== 0, present: true };
}

/** Memoized: certificates are summarized on every listing and signature, and parsing is slow. */
export const summarizeCertificate = memoizeByBytes(summarizeUncached);

function summarizeUncached(der: Uint8Array): CertificateSummary {
  const cert = parseCertificate(der);
  const subject = readName(cert.subject);
  return {
    subject,
    issuer: readName(cert.issuer),
    identities: extractIdentities(subject),
    serialNumberHex: Array.from(new Uint8Array(cert.serialNumber.valueBlock.valueHexView), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join(''),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    ...describeKey(cert),
    keyUsage: readKeyUsage(cert),
  };
}

/**
 * Why a certificate cannot sign now, or [] if it can. A certificate with no keyUsage extension is
 * allowed (X.509 says any use); one with keyUsage must allow digitalSignature or nonRepudiation.
 */
export function usabilityProblems(summary: CertificateSummary, now: Date = new Date()): UsabilityProblem[] {
  const problems: UsabilityProblem[] = [];
  if (now.getTime() > summary.notAfter.getTime()) problems.push('expired');
  if (now.getTime() < summary.notBefore.getTime()) problems.push('not-yet-valid');
  const ku = summary.keyUsage;
  if (ku.present && !ku.digitalSignature && !ku.nonRepudiation) problems.push('not-for-signing');
  return problems;
}

/** The name to show for a holder: CN, else O. */
export function holderName(summary: CertificateSummary): string {
  return summary.subject.commonName ?? summary.subject.organization ?? '';
}
