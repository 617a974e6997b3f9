/**
 * Matching a certificate against a PDF signature field's certificate seed value (/SV /Cert, ISO
 * 32000-1 §12.7.4.5, Table 235), as shared/pdf/certificate-seed.ts reads it from the document: the
 * consent window (which lists the token's certificates), the extension's prepare and `kyso sign`
 * use it. Pure, and without pdf-lib: the window loads it.
 *
 * Subject: the certificate is one of those listed, byte for byte. Issuer: one of those listed
 * issued it "directly or indirectly" (Table 235) — names it as issuer (issuer-names.ts), or names an
 * issuer of it the caller has: the CA certificates its token holds above it (`issuers`, nearest
 * first). A CA further up that nothing at hand leads to is not found: a required Issuer listing only
 * a root then refuses the certificate. OID: it carries every certificate policy listed.
 * SubjectDN: its subject has every attribute of every dictionary listed (Table 235: "all the
 * attributes specified in each of the dictionaries"), values compared as RFC 4518 compares
 * directory strings, case and runs of spaces aside. KeyUsage: its keyUsage bits fit one of the
 * patterns ('1' set, '0' clear, anything else either, from digitalSignature on; a certificate
 * without the extension has no bit set).
 */
import { childrenOf, contentBytes, oidText, stringText, type Tlv } from '../cms/der-reader.js';
import { base64ToBytes, bytesEqual } from '../encoding.js';
import {
  CERTIFICATE_SEED_CONSTRAINTS,
  type CertificateSeed,
  type CertificateSeedConstraint,
} from '../protocol/consent.js';
import { KysoError } from '../protocol/errors.js';
import { extensionValue, namesIssuerOf, readableCertificates } from './issuer-names.js';
import { parseCertificate } from './profile.js';

export type { CertificateSeed, CertificateSeedConstraint };

const EXTENSION = {
  keyUsage: '2.5.29.15',
  certificatePolicies: '2.5.29.32',
} as const;

/** The keyUsage bits, digitalSignature first; none without the extension. */
function keyUsageBits(der: Uint8Array, extensions: Tlv[]): boolean[] {
  const value = extensionValue(der, extensions, EXTENSION.keyUsage);
  if (value?.tag !== 0x03) return [];
  const bytes = contentBytes(der, value).subarray(1); // after the unused-bits octet
  return Array.from({ length: 9 }, (_, bit) => ((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0);
}

function policies(der: Uint8Array, extensions: Tlv[]): string[] {
  // certificatePolicies ::= SEQUENCE OF PolicyInformation ::= SEQUENCE { policyIdentifier OID, … }
  const value = extensionValue(der, extensions, EXTENSION.certificatePolicies);
  if (value?.tag !== 0x30) return [];
  return childrenOf(der, value).map((info) => oidText(der, childrenOf(der, info)[0]));
}

function subjectAttributes(der: Uint8Array, subject: Tlv): { type: string; value: string }[] {
  return childrenOf(der, subject).flatMap((rdn) =>
    childrenOf(der, rdn).map((typeAndValue) => {
      const [type, value] = childrenOf(der, typeAndValue);
      return { type: oidText(der, type), value: stringText(der, value) };
    }),
  );
}

/** RFC 4518's caseIgnoreMatch, near enough: composed, case folded, spaces trimmed and runs of them one. */
const comparable = (text: string) => text.normalize('NFC').toLowerCase().trim().replace(/\s+/g, ' ');

function fitsKeyUsage(bits: boolean[], pattern: string): boolean {
  return [...pattern].every((char, bit) =>
    char === '1' ? bits[bit] === true : char === '0' ? bits[bit] !== true : true,
  );
}

/**
 * The seed's constraints `certificate` (DER) misses, required or not; `issuers` are the CA
 * certificates above it at hand (issuer-names.ts issuersAmong), nearest first. A certificate kyso
 * cannot read misses them all.
 */
export function unmetSeed(
  seed: CertificateSeed,
  certificate: Uint8Array,
  issuers: readonly Uint8Array[] = [],
): CertificateSeedConstraint[] {
  let signer;
  try {
    signer = parseCertificate(certificate);
  } catch {
    return CERTIFICATE_SEED_CONSTRAINTS.filter((c) => seedEntry(seed, c) !== undefined);
  }
  const unmet: CertificateSeedConstraint[] = [];
  if (seed.subjects && !seed.subjects.some((s) => bytesEqual(base64ToBytes(s), certificate)))
    unmet.push('subject');
  if (seed.issuers) {
    // Listed CAs that do not parse accept nothing.
    const listed = readableCertificates(seed.issuers.map(base64ToBytes));
    const chain = [signer, ...readableCertificates(issuers)];
    if (!chain.some((c) => listed.some((issuer) => namesIssuerOf(c, issuer)))) unmet.push('issuer');
  }
  if (seed.policies) {
    const held = policies(certificate, signer.extensions);
    if (!seed.policies.every((oid) => oid !== '' && held.includes(oid))) unmet.push('policy');
  }
  if (seed.subjectDn) {
    const held = subjectAttributes(certificate, signer.subject);
    const has = ({ type, value }: { type: string; value: string }) =>
      held.some((a) => a.type === type && comparable(a.value) === comparable(value));
    if (!seed.subjectDn.every((dn) => dn.every(has))) unmet.push('subject-dn');
  }
  if (seed.keyUsage) {
    const bits = keyUsageBits(certificate, signer.extensions);
    if (!seed.keyUsage.some((pattern) => fitsKeyUsage(bits, pattern))) unmet.push('key-usage');
  }
  return unmet;
}

function seedEntry(seed: CertificateSeed, constraint: CertificateSeedConstraint): unknown {
  return {
    subject: seed.subjects,
    issuer: seed.issuers,
    policy: seed.policies,
    'subject-dn': seed.subjectDn,
    'key-usage': seed.keyUsage,
  }[constraint];
}

/**
 * What the seed says of `certificate` (with the CA certificates above it at hand): the requirements
 * it misses (it cannot sign), and the hints.
 */
export function seedProblems(
  seed: CertificateSeed,
  certificate: Uint8Array,
  issuers: readonly Uint8Array[] = [],
): { required: CertificateSeedConstraint[]; hints: CertificateSeedConstraint[] } {
  const unmet = unmetSeed(seed, certificate, issuers);
  return {
    required: unmet.filter((c) => seed.required.includes(c)),
    hints: unmet.filter((c) => !seed.required.includes(c)),
  };
}

/** CERTIFICATE_NOT_USABLE naming the field and the requirements the certificate misses (before the PIN, and again in prepare). */
export function assertSeedCertificate(
  seed: CertificateSeed | undefined,
  field: string,
  certificate: Uint8Array,
  issuers: readonly Uint8Array[] = [],
): void {
  const missed = seed ? seedProblems(seed, certificate, issuers).required : [];
  if (missed.length > 0)
    throw new KysoError(
      'CERTIFICATE_NOT_USABLE',
      `the signature field ${JSON.stringify(field)} does not accept this certificate (seed value Cert: ${missed.join(', ')})`.slice(
        0,
        500,
      ),
      { problem: 'field-certificate', constraints: missed.join(',') },
    );
}
