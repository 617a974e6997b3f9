/**
 * Which certificate issued which, by name and key identifier only — no signature is checked: for
 * a PDF form's certificate seed value (seed-match.ts), which names acceptable issuers, and for the
 * CA certificates a token holds above its signer's. Trust is a verifier's question (chain.ts);
 * this is pure and without pkijs, so the consent window loads it.
 */
import {
  childrenOf,
  contentBytes,
  encodedBytes,
  expectTag,
  oidText,
  readTlv,
  type Tlv,
} from '../cms/der-reader.js';
import { bytesEqual } from '../encoding.js';
import { LIMITS } from '../protocol/limits.js';
import { parseCertificate, type CertificateFields } from './profile.js';

/** An extension's value (the TLV inside its extnValue), by OID; undefined without it. */
export function extensionValue(der: Uint8Array, extensions: Tlv[], oid: string): Tlv | undefined {
  // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
  const fields = extensions.map((e) => childrenOf(der, e)).find((f) => oidText(der, f[0]) === oid);
  if (!fields) return undefined;
  const value = expectTag(fields.at(-1), 0x04, 'extnValue');
  return readTlv(der, value.start, value.end);
}

function subjectKeyId(certificate: CertificateFields): Uint8Array | undefined {
  const value = extensionValue(certificate.der, certificate.extensions, '2.5.29.14');
  return value?.tag === 0x04 ? contentBytes(certificate.der, value) : undefined;
}

function authorityKeyId(certificate: CertificateFields): Uint8Array | undefined {
  // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, … }
  const value = extensionValue(certificate.der, certificate.extensions, '2.5.29.35');
  const keyId =
    value?.tag === 0x30 ? childrenOf(certificate.der, value).find((f) => f.tag === 0x80) : undefined;
  return keyId ? contentBytes(certificate.der, keyId) : undefined;
}

/** Those of `certificates` (DER) that parse; the others are passed over. */
export function readableCertificates(certificates: readonly Uint8Array[]): CertificateFields[] {
  return certificates.flatMap((der) => {
    try {
      return [parseCertificate(der)];
    } catch {
      return [];
    }
  });
}

/**
 * `issuer` names `certificate`'s issuer: its subject is the certificate's issuer name, byte for
 * byte, and its subject key identifier the certificate's authority key identifier when both have one
 * (a CA of the same name with another key is not it).
 */
export function namesIssuerOf(certificate: CertificateFields, issuer: CertificateFields): boolean {
  if (
    !bytesEqual(encodedBytes(certificate.der, certificate.issuer), encodedBytes(issuer.der, issuer.subject))
  )
    return false;
  const [authority, subject] = [authorityKeyId(certificate), subjectKeyId(issuer)];
  return !authority || !subject || bytesEqual(authority, subject);
}

const selfIssued = (certificate: CertificateFields) => namesIssuerOf(certificate, certificate);

/**
 * The issuers of `certificate` found among `candidates`, nearest first, up to a self-issued one (a
 * root), the first missing or LIMITS.maxSignerIssuers: e.g. the CA certificates a token holds beside
 * its signer's. Unreadable candidates are passed over.
 */
export function issuersAmong(certificate: Uint8Array, candidates: readonly Uint8Array[]): Uint8Array[] {
  const pool = readableCertificates(candidates);
  const chain: CertificateFields[] = [];
  let current: CertificateFields | undefined = readableCertificates([certificate])[0];
  while (current && !selfIssued(current) && chain.length < LIMITS.maxSignerIssuers) {
    const below = current;
    // Not one already on the way: two CAs naming each other would go round.
    current = pool.find(
      (c) => !chain.includes(c) && !bytesEqual(c.der, certificate) && namesIssuerOf(below, c),
    );
    if (current) chain.push(current);
  }
  return chain.map((c) => c.der);
}
