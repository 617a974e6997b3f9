/**
 * CAdES-BES SignedData for many signatures by one signer certificate (a batch), written from a
 * template made once with cades.ts's own writer: for a given certificate, digest algorithm, key
 * type and RSA scheme, one signature's bytes differ from the next only in the messageDigest, the
 * signingTime and the signature value. The template is checked against that writer when it is
 * made (a second sample, spliced, must give the writer's exact bytes), and the unit tests compare
 * them for many random digests, times and signatures. Pure: no Node APIs (it runs in browsers too).
 */
import { DIGEST_ALGORITHMS, type DigestAlgorithm, type RsaScheme } from '../protocol/common.js';
import type { KeyType } from './algorithms.js';
import {
  assembleSignedData,
  prepareSignedAttributes,
  type CadesOptions,
  type PreparedSignedAttributes,
} from './cades.js';
import { utcTime } from './der.js';
import { bytesToHex } from '../encoding.js';
import { memoizeByBytes } from '../memo.js';

export interface CadesTemplateOptions {
  signerCertificate: Uint8Array;
  digestAlgorithm: DigestAlgorithm;
  /** With a signingTime attribute (CAdES) or without (PAdES: the time is in the signature dictionary). */
  signingTime: boolean;
  keyType: KeyType;
  /** RSA only (default PKCS#1 v1.5). */
  rsaScheme?: RsaScheme | undefined;
  /** CA certificates the SignedData carries after the signer's (its token's, nearest first). */
  chain?: readonly Uint8Array[] | undefined;
}

/** UTCTime's contents: YYMMDDhhmmssZ. */
const TIME_LENGTH = 13;
/** Two distinct samples: the template is made from the first and checked with the second. */
const SAMPLE_TIMES = [new Date(Date.UTC(2001, 0, 1, 0, 0, 0)), new Date(Date.UTC(2049, 11, 31, 23, 59, 59))];

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  outer: for (let i = haystack.indexOf(first!); i >= 0 && i + needle.length <= haystack.length;) {
    for (let j = 1; j < needle.length; j++)
      if (haystack[i + j] !== needle[j]) {
        i = haystack.indexOf(first!, i + 1);
        continue outer;
      }
    return i;
  }
  return -1;
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && indexOf(a, b) === 0;

/** DER INTEGER contents of an unsigned big-endian number: leading zeros dropped, one added before a high bit. */
function integerSpan(raw: Uint8Array, start: number, end: number): { from: number; pad: number } {
  let from = start;
  while (from < end - 1 && raw[from] === 0) from++;
  return { from, pad: raw[from]! & 0x80 ? 1 : 0 };
}

const lengthOfLength = (length: number) => (length < 0x80 ? 1 : length < 0x100 ? 2 : 3);

function writeLength(out: Uint8Array, at: number, length: number): number {
  if (length < 0x80) out[at++] = length;
  else if (length < 0x100) {
    out[at++] = 0x81;
    out[at++] = length;
  } else {
    out[at++] = 0x82;
    out[at++] = length >> 8;
    out[at++] = length & 0xff;
  }
  return at;
}

/** The length of the contents of ecdsaRawToDer(raw)'s SEQUENCE. */
function ecdsaDerContentLength(raw: Uint8Array): number {
  const half = raw.length / 2;
  const r = integerSpan(raw, 0, half);
  const s = integerSpan(raw, half, raw.length);
  const rLength = half - r.from + r.pad;
  const sLength = raw.length - s.from + s.pad;
  return 1 + lengthOfLength(rLength) + rLength + 1 + lengthOfLength(sLength) + sLength;
}

/** The length of ecdsaRawToDer(raw) (cades.ts), without making it. */
export function ecdsaDerLength(raw: Uint8Array): number {
  const content = ecdsaDerContentLength(raw);
  return 1 + lengthOfLength(content) + content;
}

/** Writes one INTEGER of ecdsaRawToDer at `at`; returns where it ends. */
function writeInteger(raw: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  const { from, pad } = integerSpan(raw, start, end);
  out[at++] = 0x02;
  at = writeLength(out, at, end - from + pad);
  if (pad) out[at++] = 0;
  out.set(raw.subarray(from, end), at);
  return at + end - from;
}

/** Writes ecdsaRawToDer(raw) at `at` in `out` (exactly ecdsaDerLength(raw) bytes). */
export function writeEcdsaDer(raw: Uint8Array, out: Uint8Array, at: number): void {
  out[at++] = 0x30;
  at = writeLength(out, at, ecdsaDerContentLength(raw));
  at = writeInteger(raw, 0, raw.length / 2, out, at);
  writeInteger(raw, raw.length / 2, raw.length, out, at);
}

/** Everything of a SignedData before its signature value (the last thing in it), for one value length. */
interface SignedDataPrefix {
  bytes: Uint8Array;
  /** Where the signed attributes start (their [0] tag; the rest is the same as in toBeSigned). */
  attributesAt: number;
}

export class CadesTemplate {
  private readonly prefixes = new Map<number, SignedDataPrefix>();

  private constructor(
    private readonly options: CadesTemplateOptions,
    /** Sample signed attributes (universal SET) and the sample's bytes that each item replaces. */
    private readonly attributes: Uint8Array,
    private readonly digestAt: number,
    private readonly timeAt: number,
    private readonly samples: ReadonlyArray<{ cades: CadesOptions; prepared: PreparedSignedAttributes }>,
  ) {}

  static async create(options: CadesTemplateOptions): Promise<CadesTemplate> {
    const digestLength = DIGEST_ALGORITHMS[options.digestAlgorithm];
    const samples = await Promise.all(
      SAMPLE_TIMES.map(async (time, i) => {
        const cades: CadesOptions = {
          contentDigest: new Uint8Array(digestLength).fill(i ? 0xff : 0),
          digestAlgorithm: options.digestAlgorithm,
          signerCertificate: options.signerCertificate,
          signingTime: options.signingTime ? time : null,
          ...(options.chain && options.chain.length > 0 && { chain: [...options.chain] }),
        };
        return { cades, prepared: await prepareSignedAttributes(cades) };
      }),
    );
    const [first, second] = samples as [(typeof samples)[0], (typeof samples)[0]];
    // prepareSignedAttributes' order: contentType, messageDigest, signingCertificateV2, [signingTime]
    const at = (attribute: Uint8Array | undefined, contentLength: number) =>
      attribute ? indexOf(first.prepared.toBeSigned, attribute) + attribute.length - contentLength : -1;
    const digestAt = at(first.prepared.attributes[1], digestLength);
    const timeAt = options.signingTime ? at(first.prepared.attributes[3], TIME_LENGTH) : -1;
    const template = new CadesTemplate(options, first.prepared.toBeSigned, digestAt, timeAt, samples);
    // The DER order of the attributes must not depend on the digest or the time: the second
    // sample, spliced into the template, must be the writer's own bytes.
    const spliced = template.signedAttributes(
      second.cades.contentDigest,
      options.signingTime ? SAMPLE_TIMES[1]! : null,
    );
    if (
      digestAt < 0 ||
      (options.signingTime && timeAt < 0) ||
      !equalBytes(spliced, second.prepared.toBeSigned)
    )
      throw new Error('CAdES template: the signed attributes do not splice');
    return template;
  }

  /** What the token signs (the digest of): the signed attributes as a universal SET, in new memory. */
  signedAttributes(contentDigest: Uint8Array, signingTime: Date | null): Uint8Array {
    if (contentDigest.length !== DIGEST_ALGORITHMS[this.options.digestAlgorithm])
      throw new RangeError('digest length does not match the template');
    if ((signingTime !== null) !== this.options.signingTime)
      throw new RangeError('signing time does not match the template');
    const out = this.attributes.slice();
    out.set(contentDigest, this.digestAt);
    if (signingTime) out.set(utcTime(signingTime).subarray(2), this.timeAt);
    return out;
  }

  /**
   * The SignedData around `signedAttributes` (from signedAttributes()) and the token's signature:
   * PKCS#1 / PSS bytes for RSA, raw r‖s (CKM_ECDSA) for EC. The same bytes as cades.ts's
   * assembleSignedData with this template's options.
   */
  signedData(signedAttributes: Uint8Array, signature: Uint8Array): Uint8Array {
    if (signedAttributes.length !== this.attributes.length)
      throw new RangeError('signed attributes do not match the template');
    const ec = this.options.keyType === 'EC';
    const valueLength = ec ? ecdsaDerLength(signature) : signature.length;
    const prefix = this.prefixes.get(valueLength) ?? this.makePrefix(valueLength);
    const out = new Uint8Array(prefix.bytes.length + valueLength);
    out.set(prefix.bytes);
    out.set(signedAttributes.subarray(1), prefix.attributesAt + 1); // after the tag: [0] IMPLICIT there
    if (ec) writeEcdsaDer(signature, out, prefix.bytes.length);
    else out.set(signature, prefix.bytes.length);
    return out;
  }

  /** The writer's SignedData for a sample with a placeholder value of this length, cut before the value. */
  private makePrefix(valueLength: number): SignedDataPrefix {
    const { keyType, rsaScheme } = this.options;
    const build = (i: number, value: Uint8Array) => {
      const { cades, prepared } = this.samples[i]!;
      return assembleSignedData(cades, prepared, keyType, value, rsaScheme);
    };
    const placeholder = new Uint8Array(valueLength).fill(0x5a);
    const full = build(0, placeholder);
    const bytes = full.slice(0, full.length - valueLength);
    const attributesAt = indexOf(bytes, this.attributes.subarray(1)) - 1;
    const prefix = { bytes, attributesAt };
    // checked as the attributes were: the second sample, spliced, is the writer's own bytes
    const other = new Uint8Array(valueLength).fill(0xa5);
    const spliced = new Uint8Array(full.length);
    spliced.set(bytes);
    spliced.set(this.samples[1]!.prepared.toBeSigned.subarray(1), attributesAt + 1);
    spliced.set(other, bytes.length);
    if (attributesAt < 0 || bytes[attributesAt] !== 0xa0 || !equalBytes(spliced, build(1, other)))
      throw new Error('CAdES template: the SignedData does not splice');
    this.prefixes.set(valueLength, prefix);
    return prefix;
  }
}

/** One template per certificate and variant, made once (a batch, and every later signature, reuse it). */
const templatesOf = memoizeByBytes(() => new Map<string, Promise<CadesTemplate>>(), 16);

/** A chain's bytes as a key, made once per chain array (the host keeps one per listed certificate). */
const chainKeys = new WeakMap<readonly Uint8Array[], string>();
function chainKey(chain: readonly Uint8Array[] | undefined): string {
  if (!chain) return '';
  let key = chainKeys.get(chain);
  if (key === undefined) chainKeys.set(chain, (key = chain.map(bytesToHex).join(' ')));
  return key;
}

export function cadesTemplate(options: CadesTemplateOptions): Promise<CadesTemplate> {
  const templates = templatesOf(options.signerCertificate);
  const key = `${options.digestAlgorithm} ${options.signingTime} ${options.keyType} ${options.rsaScheme ?? ''} ${chainKey(options.chain)}`;
  let template = templates.get(key);
  if (!template) {
    template = CadesTemplate.create(options);
    templates.set(key, template);
    template.catch(() => templates.delete(key)); // a failure is not remembered: the caller falls back
  }
  return template;
}
