/**
 * A signature field's certificate seed value (/SV /Cert, ISO 32000-1 §12.7.4.5, Table 235): which
 * certificates the form's author accepts for its signature. Read once from the document
 * (`readCertificateSeed`, where the window's description is built) and matched against each
 * certificate (shared/certificate/seed-match.ts) by the consent window, the extension's prepare and
 * `kyso sign`. Pure.
 *
 * Constraints (Table 235; /Ff bit): Subject (1), Issuer (2), OID (4: policy OIDs, as dotted text
 * the way Acrobat writes them, or DER), SubjectDN (8: attribute names as RFC 4514 spells them, or
 * dotted OIDs), KeyUsage (32); URL (64) names where to get a certificate and constrains none. A
 * constraint whose bit is set is required: a certificate that misses it cannot sign into the field.
 * The others are hints, marked. OID is matched even without Issuer (Table 235 uses it only with
 * Issuer): a form that requires it gets it.
 */
import { PDFArray, PDFDict, PDFHexString, PDFName, PDFNumber, PDFString, type PDFObject } from 'pdf-lib';
import { oidText, readTlv } from '../cms/der-reader.js';
import { bytesToBase64 } from '../encoding.js';
import {
  CertificateSeedSchema,
  type CertificateSeed,
  type CertificateSeedConstraint,
} from '../protocol/consent.js';
import { assertSeedCertificate } from '../certificate/seed-match.js';
import { KysoError } from '../protocol/errors.js';
import { LIMITS } from '../protocol/limits.js';
import type { SignatureField } from './signature-field.js';

export type { CertificateSeed, CertificateSeedConstraint };

/** Table 235's /Ff bits (Reserved 16 and URL 64 constrain no certificate). */
const FLAG: Record<CertificateSeedConstraint, number> = {
  subject: 1,
  issuer: 2,
  policy: 4,
  'subject-dn': 8,
  'key-usage': 32,
};

/** RFC 4514 / RFC 2253 attribute names (and a few that CAs' tools write) as OIDs. */
const ATTRIBUTE_OIDS: Record<string, string> = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  SURNAME: '2.5.4.4',
  SERIALNUMBER: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  S: '2.5.4.8',
  STREET: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  T: '2.5.4.12',
  TITLE: '2.5.4.12',
  GIVENNAME: '2.5.4.42',
  G: '2.5.4.42',
  E: '1.2.840.113549.1.9.1',
  EMAIL: '1.2.840.113549.1.9.1',
  EMAILADDRESS: '1.2.840.113549.1.9.1',
  UID: '0.9.2342.19200300.100.1.1',
  DC: '0.9.2342.19200300.100.1.25',
};

const isText = (item: PDFObject | undefined): item is PDFString | PDFHexString =>
  item instanceof PDFString || item instanceof PDFHexString;

function itemsOf(dict: PDFDict, key: string): PDFObject[] | undefined {
  const value = dict.lookup(PDFName.of(key));
  if (value === undefined) return undefined;
  return value instanceof PDFArray
    ? value.asArray().map((item) => dict.context.lookup(item) ?? item)
    : [value];
}

/** A /OID entry: dotted text as Acrobat writes it, or a DER OBJECT IDENTIFIER; '' when neither (matches nothing). */
function policyOid(bytes: Uint8Array): string {
  const text = String.fromCharCode(...bytes);
  if (/^\d+(\.\d+)+$/.test(text)) return text;
  try {
    const tlv = readTlv(bytes, 0);
    if (tlv.end === bytes.length) return oidText(bytes, tlv);
  } catch {
    // not DER
  }
  return '';
}

/** An entry kyso cannot read or hold: a required one refuses the field, a hint is dropped. */
class Unreadable extends Error {}

function readEntry(cert: PDFDict, constraint: CertificateSeedConstraint): Partial<CertificateSeed> {
  const read = (key: string) => itemsOf(cert, key);
  const maxList = (items: unknown[], max: number) => {
    if (items.length > max) throw new Unreadable();
  };
  switch (constraint) {
    case 'subject':
    case 'issuer': {
      const items = read(constraint === 'subject' ? 'Subject' : 'Issuer');
      if (!items || items.length === 0) return {};
      maxList(items, LIMITS.maxSeedCertificates);
      const certificates = items.map((item) => {
        if (!isText(item)) throw new Unreadable();
        return bytesToBase64(item.asBytes());
      });
      return constraint === 'subject' ? { subjects: certificates } : { issuers: certificates };
    }
    case 'policy': {
      const items = read('OID');
      if (!items || items.length === 0) return {};
      maxList(items, LIMITS.maxSeedEntries);
      return { policies: items.map((item) => (isText(item) ? policyOid(item.asBytes()) : '')) };
    }
    case 'subject-dn': {
      const items = read('SubjectDN');
      if (!items || items.length === 0) return {};
      maxList(items, LIMITS.maxSeedEntries);
      const subjectDn = items.map((item) => {
        if (!(item instanceof PDFDict)) throw new Unreadable();
        const attributes = item.entries().map(([key, value]) => {
          const name = key.decodeText();
          const text = cert.context.lookup(value);
          if (!isText(text)) throw new Unreadable();
          return { type: ATTRIBUTE_OIDS[name.toUpperCase()] ?? name, value: text.decodeText() };
        });
        maxList(attributes, LIMITS.maxSeedEntries);
        return attributes;
      });
      return { subjectDn };
    }
    case 'key-usage': {
      const items = read('KeyUsage');
      if (!items || items.length === 0) return {};
      maxList(items, LIMITS.maxSeedEntries);
      return {
        keyUsage: items.map((item) => {
          if (!isText(item)) throw new Unreadable();
          return item.decodeText().slice(0, 9);
        }),
      };
    }
  }
}

const cannotMatch = (field: Pick<SignatureField, 'name'>) =>
  new KysoError(
    'BAD_REQUEST',
    `the signature field ${JSON.stringify(field.name)} requires a certificate kyso cannot match (seed value Cert)`.slice(
      0,
      500,
    ),
    { field: 'field', problem: 'field-seed-value', constraint: 'Cert' },
  );

/**
 * The field's certificate seed value, or undefined when it has none that constrains a certificate.
 * BAD_REQUEST (field-seed-value, constraint Cert) for a required constraint kyso cannot read:
 * entries of the wrong type, or longer lists than LIMITS allows — rather than sign with a
 * certificate the form may forbid.
 */
export function readCertificateSeed(
  field: Pick<SignatureField, 'name' | 'field'>,
): CertificateSeed | undefined {
  const sv = field.field.lookup(PDFName.of('SV'));
  const cert = sv instanceof PDFDict ? sv.lookup(PDFName.of('Cert')) : undefined;
  if (!(cert instanceof PDFDict)) return undefined;
  const ff = cert.lookup(PDFName.of('Ff'));
  const flags = ff instanceof PDFNumber && Number.isInteger(ff.asNumber()) ? ff.asNumber() : 0;
  let seed: CertificateSeed = { required: [] };
  for (const constraint of Object.keys(FLAG) as CertificateSeedConstraint[]) {
    const required = (flags & FLAG[constraint]) !== 0;
    try {
      const entry = readEntry(cert, constraint);
      if (Object.keys(entry).length === 0) continue;
      seed = { ...seed, ...entry, ...(required && { required: [...seed.required, constraint] }) };
    } catch (error) {
      if (!(error instanceof Unreadable)) throw error;
      if (required) throw cannotMatch(field);
    }
  }
  if (Object.keys(seed).length === 1) return undefined;
  // The window parses what it receives with this schema: what does not fit is refused here, not there.
  const parsed = CertificateSeedSchema.safeParse(seed);
  if (!parsed.success)
    throw new KysoError('BAD_REQUEST', 'the signature field’s certificate seed value is too large', {
      field: 'field',
      problem: 'field-seed-value',
      constraint: 'Cert',
    });
  return parsed.data;
}

/**
 * Where the signature is prepared: the field's required certificate constraints against the
 * signer's certificate (CERTIFICATE_NOT_USABLE when it misses one); without a certificate to match,
 * a field that requires some is refused (BAD_REQUEST, seed value Cert).
 */
export function assertSeedSigner(
  field: SignatureField,
  certificate: Uint8Array | undefined,
  issuers: readonly Uint8Array[] = [],
): void {
  const seed = readCertificateSeed(field);
  if (!seed || seed.required.length === 0) return;
  if (!certificate) throw cannotMatch(field);
  assertSeedCertificate(seed, field.name, certificate, issuers);
}
