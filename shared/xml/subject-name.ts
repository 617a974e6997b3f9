/** The certificate subject as an RFC 4514 string, for X509SubjectName (XMLDSig 1.1 §4.5.4). */
import * as asn1js from 'asn1js';
import { bytesToHex, toArrayBuffer } from '../encoding.js';

/**
 * RFC 4514 §3: a type with a registered LDAP descriptor is written by name (these are also the
 * names OpenSSL, hence xmlsec1, reads back); any other as its dotted OID with a hex value.
 */
const DESCRIPTORS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street', // RFC 4514 writes STREET; descriptors are case-insensitive and OpenSSL knows only this case
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.17': 'postalCode',
  '2.5.4.42': 'givenName',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** RFC 4514 §2.4: the characters that must be escaped, and spaces or '#' where they would be misread. */
export function escapeRdnValue(value: string): string {
  const chars = Array.from(value, (c) => (/["+,;<>\\]/.test(c) ? `\\${c}` : c === '\0' ? '\\00' : c));
  if (chars[0] === ' ' || chars[0] === '#') chars[0] = `\\${chars[0]}`;
  if (chars.length > 1 && chars[chars.length - 1] === ' ') chars[chars.length - 1] = '\\ ';
  return chars.join('');
}

function attributeString(type: string, value: asn1js.AsnType): string {
  const shortName = DESCRIPTORS[type];
  const text = (value as { valueBlock?: { value?: unknown } }).valueBlock?.value;
  if (shortName && typeof text === 'string') return `${shortName}=${escapeRdnValue(text)}`;
  return `${shortName ?? type}=#${bytesToHex(new Uint8Array(value.toBER()))}`;
}

/** Subject of a DER certificate, most specific RDN first, as RFC 4514 writes it. */
export function subjectNameRfc4514(certificate: Uint8Array): string {
  const parsed = asn1js.fromBER(toArrayBuffer(certificate));
  if (parsed.offset === -1) throw new TypeError('certificate is not DER');
  const tbs = (parsed.result as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
  const fields = tbs.valueBlock.value;
  // version is an optional [0] before serialNumber, signature, issuer, validity, subject
  const hasVersion = fields[0]?.idBlock.tagClass === 3;
  const subject = fields[hasVersion ? 5 : 4] as asn1js.Sequence;
  const rdns = subject.valueBlock.value.map((rdn) =>
    (rdn as asn1js.Set).valueBlock.value
      .map((pair) => {
        const [type, value] = (pair as asn1js.Sequence).valueBlock.value;
        return attributeString((type as asn1js.ObjectIdentifier).valueBlock.toString(), value!);
      })
      .join('+'),
  );
  return rdns.reverse().join(',');
}
