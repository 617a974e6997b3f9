/**
 * Just enough DER reading for what the host does on every listing and signature: a certificate's
 * fields as encoded (der.ts writes, this reads). asn1js reads the same (the unit tests compare), but
 * builds several objects per element: listing a token's few certificates with it made V8 optimise
 * asn1js at start-up, ~4 MiB of an idle host's memory (bench/README.md). Verification and
 * time-stamps keep pkijs and asn1js.
 */

/** One element: its first tag octet, where it starts, where its contents start and where it ends. */
export interface Tlv {
  readonly tag: number;
  readonly offset: number;
  readonly start: number;
  readonly end: number;
}

function malformed(what: string): never {
  throw new TypeError(`DER: ${what}`);
}

/** The element at `offset`, within `limit`. Definite lengths only (DER; BER's indefinite length is refused). */
export function readTlv(bytes: Uint8Array, offset: number, limit: number = bytes.length): Tlv {
  let at = offset;
  if (at + 2 > limit) malformed('truncated');
  const tag = bytes[at++]!;
  if ((tag & 0x1f) === 0x1f) {
    // high tag number: base-128 octets follow, the last without bit 8
    while (at < limit && bytes[at]! & 0x80) at++;
    at++;
  }
  if (at >= limit) malformed('truncated');
  let length = bytes[at++]!;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) malformed('unsupported length');
    if (at + octets > limit) malformed('truncated');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + bytes[at++]!;
  }
  const end = at + length;
  if (end > limit) malformed('truncated');
  return { tag, offset, start: at, end };
}

/**
 * Whether `bytes` is exactly one element encoded as DER asks of lengths, at every depth: definite,
 * in the fewest octets. (readTlv also reads BER's longer forms; what is signed must be DER.)
 */
export function isDerEncoded(bytes: Uint8Array): boolean {
  const minimal = (tlv: Tlv): boolean => {
    let tagOctets = 1;
    if ((tlv.tag & 0x1f) === 0x1f) while (bytes[tlv.offset + tagOctets++]! & 0x80);
    const length = tlv.end - tlv.start;
    const lengthOctets = length < 0x80 ? 1 : 1 + Math.ceil(Math.log2(length + 1) / 8);
    if (tlv.start - tlv.offset !== tagOctets + lengthOctets) return false;
    return !(tlv.tag & 0x20) || childrenOf(bytes, tlv).every(minimal);
  };
  try {
    const element = readTlv(bytes, 0);
    return element.end === bytes.length && minimal(element);
  } catch {
    return false; // truncated, or an indefinite length
  }
}

/** The elements inside a constructed one. */
export function childrenOf(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const children: Tlv[] = [];
  for (let at = parent.start; at < parent.end;) {
    const child = readTlv(bytes, at, parent.end);
    children.push(child);
    at = child.end;
  }
  return children;
}

/** The element as encoded (tag, length and contents). */
export const encodedBytes = (bytes: Uint8Array, tlv: Tlv) => bytes.subarray(tlv.offset, tlv.end);
/** The contents octets only. */
export const contentBytes = (bytes: Uint8Array, tlv: Tlv) => bytes.subarray(tlv.start, tlv.end);

/** The element, required to carry `tag`. */
export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  return tlv?.tag === tag ? tlv : malformed(`expected ${what}`);
}

/** An OBJECT IDENTIFIER's dotted text ('' for any other element). */
export function oidText(bytes: Uint8Array, tlv: Tlv | undefined): string {
  if (tlv?.tag !== 0x06 || tlv.end === tlv.start) return '';
  const arcs: number[] = [];
  let value = 0;
  for (let at = tlv.start; at < tlv.end; at++) {
    value = value * 128 + (bytes[at]! & 0x7f);
    if (bytes[at]! & 0x80) continue;
    if (arcs.length === 0)
      arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  return arcs.join('.');
}

const latin1 = (view: Uint8Array) => {
  let text = '';
  for (const byte of view) text += String.fromCharCode(byte);
  return text;
};

/** A directory string's text, as asn1js decodes each string type; '' for anything that is not a string. */
export function stringText(bytes: Uint8Array, tlv: Tlv | undefined): string {
  if (!tlv) return '';
  const view = contentBytes(bytes, tlv);
  switch (tlv.tag) {
    case 0x0c: // UTF8String
      return new TextDecoder().decode(view);
    case 0x1e: {
      // BMPString: UTF-16 big-endian
      let text = '';
      for (let i = 0; i + 1 < view.length; i += 2)
        text += String.fromCharCode((view[i]! << 8) | view[i + 1]!);
      return text;
    }
    case 0x1c: {
      // UniversalString: UTF-32 big-endian
      let text = '';
      for (let i = 0; i + 3 < view.length; i += 4)
        text += String.fromCodePoint(
          ((view[i]! << 24) | (view[i + 1]! << 16) | (view[i + 2]! << 8) | view[i + 3]!) >>> 0,
        );
      return text;
    }
    case 0x12: // NumericString
    case 0x13: // PrintableString
    case 0x14: // TeletexString
    case 0x15: // VideotexString
    case 0x16: // IA5String
    case 0x19: // GraphicString
    case 0x1a: // VisibleString
    case 0x1b: // GeneralString
      return latin1(view);
    default:
      return '';
  }
}

/**
 * UTCTime (YYMMDDHHMM[SS], years 1950–2049) or GeneralizedTime (YYYYMMDDHH[MM[SS[.f]]]), each
 * in UTC ('Z') or with a ±hhmm offset, as RFC 5280 and asn1js read them.
 */
export function timeValue(bytes: Uint8Array, tlv: Tlv | undefined): Date {
  const text = tlv ? latin1(contentBytes(bytes, tlv)) : '';
  const match =
    tlv?.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?()(Z|[+-]\d{4})$/.exec(text)
      : tlv?.tag === 0x18
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(\.\d+)?(Z|[+-]\d{4})$/.exec(text)
        : null;
  if (!match) malformed('not a time');
  const [, y, mo, d, h, mi = '0', s = '0', fraction = '', zone] = match;
  let year = Number(y);
  if (tlv?.tag === 0x17) year += year >= 50 ? 1900 : 2000;
  let ms = Date.UTC(year, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (fraction) ms += Math.floor(Number(`0${fraction}`) * 1000);
  if (zone !== 'Z') {
    const sign = zone![0] === '+' ? 1 : -1;
    ms -= sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(3, 5))) * 60_000;
  }
  return new Date(ms);
}
