/**
 * The Vietnamese certificate profile: who a certificate names (CN, O, OU, T, L, ST, C; identity
 * numbers in UID as MST:/CCCD:/CMND:/HC:/MNS:, or in older certificates as MST: inside O), and whether
 * it can sign now. Pure and isomorphic: runs in the extension, the host and portal backends.
 */
import * as asn1js from 'asn1js';
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

/** The fields of a TBSCertificate this profile reads (RFC 5280 §4.1), as asn1js blocks. */
interface CertificateFields {
  serialNumber: asn1js.Integer;
  issuer: asn1js.Sequence;
  notBefore: asn1js.UTCTime | asn1js.GeneralizedTime;
  notAfter: asn1js.UTCTime | asn1js.GeneralizedTime;
  subject: asn1js.Sequence;
  subjectPublicKeyInfo: asn1js.Sequence;
  extensions: asn1js.Sequence[];
}

function malformed(what: string): never {
  throw new TypeError(`not an X.509 certificate: ${what}`);
}

function expectBlock<T extends asn1js.AsnType>(
  block: asn1js.AsnType | undefined,
  type: abstract new (...args: never[]) => T,
  what: string,
): T {
  return block instanceof type ? block : malformed(what);
}

/**
 * Reads a certificate with asn1js alone: pkijs's Certificate class (and its ~3 MiB of loaded code)
 * is not needed to list a token's certificates, so the host loads pkijs only to verify or time-stamp.
 */
export function parseCertificate(der: Uint8Array): CertificateFields {
  const parsed = asn1js.fromBER(toArrayBuffer(der));
  if (parsed.offset === -1) malformed('not DER');
  const certificate = expectBlock(parsed.result, asn1js.Sequence, 'Certificate');
  const tbs = expectBlock(certificate.valueBlock.value[0], asn1js.Sequence, 'TBSCertificate');
  const fields = tbs.valueBlock.value;
  let at = fields[0]?.idBlock.tagClass === 3 && fields[0].idBlock.tagNumber === 0 ? 1 : 0; // [0] version
  const serialNumber = expectBlock(fields[at++], asn1js.Integer, 'serialNumber');
  expectBlock(fields[at++], asn1js.Sequence, 'signature');
  const issuer = expectBlock(fields[at++], asn1js.Sequence, 'issuer');
  const validity = expectBlock(fields[at++], asn1js.Sequence, 'validity').valueBlock.value;
  const time = (block: asn1js.AsnType | undefined) =>
    block instanceof asn1js.UTCTime || block instanceof asn1js.GeneralizedTime
      ? block
      : malformed('validity');
  const subject = expectBlock(fields[at++], asn1js.Sequence, 'subject');
  const subjectPublicKeyInfo = expectBlock(fields[at++], asn1js.Sequence, 'subjectPublicKeyInfo');
  const extensions: asn1js.Sequence[] = [];
  for (const field of fields.slice(at)) {
    if (field.idBlock.tagClass !== 3 || field.idBlock.tagNumber !== 3) continue; // [1], [2] unique IDs
    const list = expectBlock(
      (field as asn1js.Constructed).valueBlock.value[0],
      asn1js.Sequence,
      'extensions',
    );
    for (const extension of list.valueBlock.value)
      extensions.push(expectBlock(extension, asn1js.Sequence, 'extension'));
  }
  return {
    serialNumber,
    issuer,
    notBefore: time(validity[0]),
    notAfter: time(validity[1]),
    subject,
    subjectPublicKeyInfo,
    extensions,
  };
}

function attributeText(value: unknown): string {
  const block = value as { valueBlock?: { value?: unknown } };
  const text = block?.valueBlock?.value;
  return typeof text === 'string' ? text : '';
}

const oidText = (block: asn1js.AsnType | undefined) =>
  block instanceof asn1js.ObjectIdentifier ? block.valueBlock.toString() : '';

/** A Name: SEQUENCE OF RelativeDistinguishedName (SET OF AttributeTypeAndValue). */
export function readName(name: asn1js.Sequence): DistinguishedName {
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
  for (const rdn of name.valueBlock.value) {
    for (const typeAndValue of expectBlock(rdn, asn1js.Set, 'RelativeDistinguishedName').valueBlock.value) {
      const [type, value] = expectBlock(typeAndValue, asn1js.Sequence, 'AttributeTypeAndValue').valueBlock
        .value;
      const oid = oidText(type);
      const text = attributeText(value);
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

function describeKey(spki: asn1js.Sequence): Pick<CertificateSummary, 'keyType' | 'keyDetail'> {
  const [algorithmIdentifier, publicKey] = spki.valueBlock.value;
  const [algorithmOid, params] = expectBlock(algorithmIdentifier, asn1js.Sequence, 'algorithm').valueBlock
    .value;
  const algorithm = oidText(algorithmOid);
  if (algorithm === OID.rsaEncryption) {
    // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }, inside the BIT STRING
    const bits = expectBlock(publicKey, asn1js.BitString, 'subjectPublicKey');
    const key = asn1js.fromBER(bits.valueBlock.valueHexView.slice().buffer);
    const modulusBlock = key.result instanceof asn1js.Sequence ? key.result.valueBlock.value[0] : undefined;
    const modulus =
      modulusBlock instanceof asn1js.Integer ? modulusBlock.valueBlock.valueHexView : new Uint8Array();
    const bytes = modulus[0] === 0 ? modulus.length - 1 : modulus.length;
    return { keyType: 'RSA', keyDetail: `${bytes * 8}` };
  }
  if (algorithm === OID.ecPublicKey) {
    const curveOid = oidText(params) || undefined;
    const curve =
      { [OID.p256]: 'P-256', [OID.p384]: 'P-384', [OID.p521]: 'P-521' }[curveOid ?? ''] ?? curveOid ?? '';
    return { keyType: 'EC', keyDetail: curve };
  }
  return { keyType: 'other', keyDetail: algorithm };
}

function readKeyUsage(extensions: asn1js.Sequence[]): CertificateSummary['keyUsage'] {
  // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
  const extension = extensions.find((e) => oidText(e.valueBlock.value[0]) === OID.keyUsage);
  if (!extension) return { digitalSignature: false, nonRepudiation: false, present: false };
  const value = expectBlock(extension.valueBlock.value.at(-1), asn1js.OctetString, 'keyUsage');
  const bits = asn1js.fromBER(value.valueBlock.valueHexView.slice().buffer).result;
  const view = bits instanceof asn1js.BitString ? bits.valueBlock.valueHexView : new Uint8Array();
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
    serialNumberHex: Array.from(cert.serialNumber.valueBlock.valueHexView, (b) =>
      b.toString(16).padStart(2, '0'),
    ).join(''),
    notBefore: cert.notBefore.toDate(),
    notAfter: cert.notAfter.toDate(),
    ...describeKey(cert.subjectPublicKeyInfo),
    keyUsage: readKeyUsage(cert.extensions),
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
