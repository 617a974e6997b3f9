/**
 * Just enough DER writing for the CAdES structures kyso emits on its hot path. asn1js builds the
 * same bytes (the unit tests compare them) but costs ~2 ms a signature in generic buffer
 * handling, which caps a batch far below the token's own rate. Reading: der-reader.ts (certificates), pkijs.
 */
export type Der = Uint8Array;

/** One TLV with the given identifier octet, encoded now (see node() for a tree written once). */
export function tlv(tag: number, ...contents: Uint8Array[]): Der {
  return encodeDer(node(tag, ...contents));
}

export const sequence = (...items: Der[]) => tlv(0x30, ...items);
export const octetString = (bytes: Uint8Array) => tlv(0x04, bytes);
export const contextConstructed = (n: number, ...items: Der[]) => tlv(0xa0 | n, ...items);
export const NULL: Der = new Uint8Array([0x05, 0x00]);

export function integer(value: number): Der {
  const bytes: number[] = [];
  let n = value;
  do {
    bytes.unshift(n & 0xff);
    n = Math.floor(n / 256);
  } while (n > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(0x02, new Uint8Array(bytes));
}

const oidCache = new Map<string, Der>();
export function oid(dotted: string): Der {
  let der = oidCache.get(dotted);
  if (der) return der;
  const arcs = dotted.split('.').map(Number);
  const body: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | (n & 0x7f));
    body.push(...chunk);
  }
  der = tlv(0x06, new Uint8Array(body));
  oidCache.set(dotted, der);
  return der;
}

function compareBytes(x: Uint8Array, y: Uint8Array): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** SET OF: DER orders the members by their encodings. */
export function setOf(tag: number, members: Der[]): Der {
  return encodeDer(setOfNode(tag, members));
}

/**
 * A TLV whose bytes are written once, into the final buffer (encodeDer). Nesting tlv() copies the
 * contents at every level — a CMS carries its ~1 KB certificate five levels deep — and the copies
 * and the garbage they leave were most of a batch item's CMS time (bench/README.md).
 */
export interface DerNode {
  readonly tag: number;
  readonly contents: readonly DerPart[];
  readonly contentLength: number;
}
export type DerPart = Der | DerNode;

function lengthOfLength(length: number): number {
  let octets = 0;
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets++;
  return length < 0x80 ? 1 : 1 + octets;
}

const encodedLength = (part: DerPart): number =>
  part instanceof Uint8Array ? part.length : 1 + lengthOfLength(part.contentLength) + part.contentLength;

export function node(tag: number, ...contents: DerPart[]): DerNode {
  let contentLength = 0;
  for (const part of contents) contentLength += encodedLength(part);
  return { tag, contents, contentLength };
}

/** SET OF as a node: the members (already encoded) in DER order. */
export const setOfNode = (tag: number, members: readonly Der[]): DerNode =>
  node(tag, ...[...members].sort(compareBytes));

function writePart(part: DerPart, out: Uint8Array, at: number): number {
  if (part instanceof Uint8Array) {
    out.set(part, at);
    return at + part.length;
  }
  out[at++] = part.tag;
  const length = part.contentLength;
  if (length < 0x80) out[at++] = length;
  else {
    const octets = lengthOfLength(length) - 1;
    out[at++] = 0x80 | octets;
    for (let i = octets - 1; i >= 0; i--) out[at++] = Math.floor(length / 256 ** i) & 0xff;
  }
  for (const content of part.contents) at = writePart(content, out, at);
  return at;
}

/** The DER bytes of a tree of nodes, written in one buffer. */
export function encodeDer(part: DerPart): Der {
  const out = new Uint8Array(encodedLength(part));
  writePart(part, out, 0);
  return out;
}

let lastUtcTime: { second: number; der: Der } | undefined;

/**
 * UTCTime (RFC 5652: signing times from 1950 to 2049), seconds precision, Zulu. The last second's
 * encoding is kept: a batch signs many items within one second (this was the costliest function
 * of a P-256 batch item's host time). Callers only read the bytes.
 */
export function utcTime(date: Date): Der {
  const second = Math.floor(date.getTime() / 1000);
  if (lastUtcTime?.second === second) return lastUtcTime.der;
  const p = (n: number) => String(n).padStart(2, '0');
  const text = `${p(date.getUTCFullYear() % 100)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`;
  const der = tlv(
    0x17,
    Uint8Array.from(text, (c) => c.charCodeAt(0)),
  );
  lastUtcTime = { second, der };
  return der;
}
