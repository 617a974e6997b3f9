/**
 * Which of an XMLDSig Signature's KeyInfo certificates hold the key that signed, in the order to try
 * them. KeyInfo is not signed: a signer's software, or anyone on the way, may carry the chain in any
 * order, and other certificates beside it. XMLDSig's own way to point at the key's certificate is an
 * X509Data identifier (§4.5.4): X509SKI, X509IssuerSerial, X509SubjectName or (XMLDSig 1.1)
 * dsig11:X509Digest; the certificates it names are tried first. The caller takes the first whose key
 * verifies (as .NET's SignedXml.CheckSignature() tries each), and judge checks its path, so a wrong
 * order can only fail a signature, never pass one.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { subjectKeyIdentifier } from '../../shared/cms/signer-id.js';
import { bytesToHex } from '../../shared/encoding.js';
import { DIGEST_METHODS } from '../../shared/xml/algorithms.js';
import { parseCertificate } from './certificates.js';
import { MAX_JUDGED_CERTIFICATES } from './judge.js';

/** The X509Data identifiers of a Signature, as written (whitespace inside base64 removed by the caller). */
export interface KeyInfoIdentifiers {
  /** X509SKI: base64 of the subjectKeyIdentifier. */
  skis: string[];
  /** X509IssuerSerial: the issuer's name as a string, the serial number in decimal. */
  issuerSerials: Array<{ issuer: string; serial: string }>;
  /** X509SubjectName: a string form of the subject (RFC 4514, or .NET's and Java's variants of it). */
  subjectNames: string[];
  /** dsig11:X509Digest: the certificate's digest (base64) by its DigestMethod URI. */
  digests: Array<{ algorithm: string; value: string }>;
}

/** XMLDSig's digest method URIs → node:crypto's names ('SHA-256' → 'sha256'). */
const NODE_HASH_BY_URI = new Map(
  Object.entries(DIGEST_METHODS).map(([name, uri]) => [uri, name.replace('-', '').toLowerCase()]),
);

/**
 * The indices among `certificates` of the ones that may hold the signing key, the likeliest first:
 * those that issued none of the others (by name; a certificate that did is that one's CA); of these,
 * the ones an X509Data identifier names before the rest, and within each, those not self-issued
 * before a root (a root carried beside a signer whose own CA is missing issued none of them either).
 * A certificate repeated is listed once. [0] when none can be read (judge reports it unreadable).
 * Only as many as judge considers are looked at: an uploaded KeyInfo may hold thousands, and each is
 * compared with every other.
 */
export function keyCertificateCandidates(
  certificates: Uint8Array[],
  identifiers: KeyInfoIdentifiers,
): number[] {
  let parsed: pkijs.Certificate[];
  try {
    parsed = certificates.slice(0, MAX_JUDGED_CERTIFICATES).map(parseCertificate);
  } catch {
    return [0];
  }
  const seen = new Set<string>();
  const firsts = parsed.filter((_, i) => {
    const der = Buffer.from(certificates[i]!).toString('base64');
    return !seen.has(der) && seen.add(der);
  });
  const issuesAnother = (ca: pkijs.Certificate) =>
    firsts.some(
      (other) => other !== ca && !other.subject.isEqual(other.issuer) && other.issuer.isEqual(ca.subject),
    );
  const names = readIdentifiers(identifiers);
  const rank = (certificate: pkijs.Certificate) =>
    (isNamed(certificate, certificates[parsed.indexOf(certificate)]!, names) ? 0 : 2) +
    (certificate.subject.isEqual(certificate.issuer) ? 1 : 0);
  const ends = firsts
    .filter((certificate) => !issuesAnother(certificate))
    .map((certificate) => ({ at: parsed.indexOf(certificate), rank: rank(certificate) }))
    .sort((a, b) => a.rank - b.rank || a.at - b.at);
  return ends.length > 0 ? ends.map(({ at }) => at) : [0];
}

/** The identifiers read once (as many as certificates are looked at): names as their values, serials as numbers. */
function readIdentifiers({ skis, issuerSerials, subjectNames, digests }: KeyInfoIdentifiers) {
  return {
    digests: digests.slice(0, MAX_JUDGED_CERTIFICATES).flatMap(({ algorithm, value }) => {
      const hash = NODE_HASH_BY_URI.get(algorithm);
      return hash ? [{ hash, value }] : [];
    }),
    skis: new Set(skis.slice(0, MAX_JUDGED_CERTIFICATES)),
    issuerSerials: issuerSerials.slice(0, MAX_JUDGED_CERTIFICATES).map(({ issuer, serial }) => ({
      issuer: valuesOfNameString(issuer),
      serial: decimal(serial),
    })),
    subjectNames: subjectNames.slice(0, MAX_JUDGED_CERTIFICATES).map(valuesOfNameString),
  };
}

/** Whether an identifier names `certificate` (`der`): its SKI; its serial number and issuer; its subject; its digest. */
function isNamed(
  certificate: pkijs.Certificate,
  der: Uint8Array,
  names: ReturnType<typeof readIdentifiers>,
): boolean {
  const digests = new Map<string, string>(); // each algorithm's digest of `der` once, however many name one
  const digest = (hash: string) =>
    digests.get(hash) ?? digests.set(hash, createHash(hash).update(der).digest('base64')).get(hash)!;
  if (names.digests.some(({ hash, value }) => digest(hash) === value)) return true;
  const ski = subjectKeyIdentifier(certificate);
  if (ski && names.skis.has(Buffer.from(ski).toString('base64'))) return true;
  const serial = BigInt(
    `0x${bytesToHex(new Uint8Array(certificate.serialNumber.valueBlock.valueHexView)) || '0'}`,
  );
  const issuer = nameValues(certificate.issuer);
  if (names.issuerSerials.some((named) => named.serial === serial && sameValues(named.issuer, issuer)))
    return true;
  const subject = nameValues(certificate.subject);
  return names.subjectNames.some((values) => sameValues(values, subject));
}

function decimal(text: string): bigint | undefined {
  const digits = text.trim();
  return /^\d{1,200}$/.test(digits) ? BigInt(digits) : undefined;
}

/*
 * Names are compared by their attribute values, not their attribute types: producers spell types
 * differently (E, EMAILADDRESS, emailAddress, OID.1.2.840.113549.1.9.1; UID or 0.9.2342.19200300.100.1.1),
 * order RDNs either way and space or quote them as they like, while the values are the certificate's
 * own. Two certificates a KeyInfo carries with the same values under other types do not occur.
 */

/** A name's attribute values, each normalized (NFC, lower case), sorted. */
function nameValues(name: pkijs.RelativeDistinguishedNames): string[] {
  return name.typesAndValues
    .map(({ value }) => {
      const text = (value as { valueBlock?: { value?: unknown } }).valueBlock?.value;
      return typeof text === 'string' ? normalize(text) : `#${bytesToHex(new Uint8Array(value.toBER()))}`;
    })
    .sort();
}

/**
 * The attribute values of a name written as a string: RDNs and multi-valued parts split at
 * unescaped, unquoted `,` `;` `+`; each value after its first `=`, unquoted ("…", .NET) and unescaped
 * (`\,`, `\C3\A2`); a `#hex` value (RFC 4514 for types without a name) read as the string it encodes.
 */
export function valuesOfNameString(name: string): string[] {
  const parts: string[] = [];
  let part = '';
  let quoted = false;
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '\\' && i + 1 < name.length) {
      part += c + name[++i]!;
    } else if (c === '"') {
      quoted = !quoted;
      part += c;
    } else if (!quoted && (c === ',' || c === ';' || c === '+')) {
      parts.push(part);
      part = '';
    } else part += c;
  }
  parts.push(part);
  return parts
    .map((attribute) => {
      const equals = attribute.indexOf('=');
      return equals < 0 ? '' : attributeValue(attribute.slice(equals + 1).trim());
    })
    .sort();
}

function attributeValue(written: string): string {
  if (/^#([0-9a-f]{2})+$/i.test(written)) {
    const bytes = Buffer.from(written.slice(1), 'hex');
    const parsed = asn1js.fromBER(bytes);
    const text = (parsed.result as { valueBlock?: { value?: unknown } }).valueBlock?.value;
    return parsed.offset !== -1 && typeof text === 'string' ? normalize(text) : written.toLowerCase();
  }
  const unquoted =
    written.length >= 2 && written.startsWith('"') && written.endsWith('"')
      ? written.slice(1, -1).replace(/""/g, '"')
      : written;
  return normalize(unescape(unquoted));
}

/** RFC 4514 §2.4 escapes: `\` before a special character, or two hex digits per UTF-8 byte. */
function unescape(value: string): string {
  const characters = Array.from(value); // by code point: a character outside the BMP stays whole
  const bytes: number[] = [];
  for (let i = 0; i < characters.length; i++) {
    const hex = `${characters[i + 1] ?? ''}${characters[i + 2] ?? ''}`;
    if (characters[i] === '\\' && /^[0-9a-f]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      if (characters[i] === '\\' && i + 1 < characters.length) i++;
      bytes.push(...Buffer.from(characters[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

const normalize = (value: string) => value.normalize('NFC').trim().toLowerCase();

function sameValues(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
