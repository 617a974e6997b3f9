/**
 * The PDF standard security handler (ISO 32000-1 §7.6.3, ISO 32000-2 §7.6.4) for the one case kyso
 * signs: a file that opens without a password (an owner password restricts printing or editing,
 * the user password is empty). The file key comes from the empty user password; with it the model
 * reads the file in the clear and each object an update writes is encrypted (encrypted-objects.ts);
 * the file's own bytes are kept, byte for byte.
 *
 * RC4 and MD5 are written here (WebCrypto has neither; both are only used as the format demands);
 * AES and SHA-2 come from WebCrypto, in browsers and Node alike.
 */
import { PDFDict, PDFHexString, PDFName, PDFNumber, PDFString, type PDFObject } from 'pdf-lib';
import { concatBytes } from '../encoding.js';
import { PdfDocumentError } from './errors.js';

export type CryptMethod = 'identity' | 'rc4' | 'aesv2' | 'aesv3';

export interface PdfEncryption {
  key: Uint8Array;
  /** How strings and streams are encrypted (the crypt filters /StrF and /StmF). */
  strings: CryptMethod;
  streams: CryptMethod;
  /** False when /EncryptMetadata is false: XMP metadata streams stay in the clear (V4 and above). */
  encryptMetadata: boolean;
}

const PASSWORD_PAD = Uint8Array.from([
  0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01, 0x08, 0x2e, 0x2e,
  0x00, 0xb6, 0xd0, 0x68, 0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a,
]);

const encrypted = () => new PdfDocumentError('PDF_ENCRYPTED', 'encrypted');

// ---- MD5 (RFC 1321) ----
const MD5_S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const MD5_K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

export function md5(data: Uint8Array): Uint8Array {
  const length = data.length;
  const padded = new Uint8Array(((length + 8) >> 6) * 64 + 64);
  padded.set(data);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, (length * 8) >>> 0, true);
  view.setUint32(padded.length - 4, Math.floor((length * 8) / 2 ** 32), true);
  let [a0, b0, c0, d0] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  for (let chunk = 0; chunk < padded.length; chunk += 64) {
    const m = Array.from({ length: 16 }, (_, i) => view.getUint32(chunk + i * 4, true));
    let [a, b, c, d] = [a0, b0, c0, d0];
    for (let i = 0; i < 64; i++) {
      const round = i >> 4;
      const f =
        round === 0
          ? (b & c) | (~b & d)
          : round === 1
            ? (d & b) | (~d & c)
            : round === 2
              ? b ^ c ^ d
              : c ^ (b | ~d);
      const g =
        round === 0 ? i : round === 1 ? (5 * i + 1) % 16 : round === 2 ? (3 * i + 5) % 16 : (7 * i) % 16;
      const sum = (a + f + MD5_K[i]! + m[g]!) >>> 0;
      const s = MD5_S[round * 4 + (i % 4)]!;
      [a, d, c] = [d, c, b];
      b = (b + ((sum << s) | (sum >>> (32 - s)))) >>> 0;
    }
    a0 = (a0 + a) >>> 0;
    b0 = (b0 + b) >>> 0;
    c0 = (c0 + c) >>> 0;
    d0 = (d0 + d) >>> 0;
  }
  const out = new Uint8Array(16);
  const outView = new DataView(out.buffer);
  [a0, b0, c0, d0].forEach((word, i) => outView.setUint32(i * 4, word, true));
  return out;
}

// ---- RC4 ----
export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  const s = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = new Uint8Array(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
  }
  return out;
}

// ---- AES and SHA-2 through WebCrypto ----
const subtle = () => globalThis.crypto.subtle;
const buffer = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>;

function aesKey(raw: Uint8Array): Promise<CryptoKey> {
  return subtle().importKey('raw', buffer(raw), 'AES-CBC', false, ['encrypt', 'decrypt']);
}

async function aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await subtle().encrypt({ name: 'AES-CBC', iv: buffer(iv) }, await aesKey(key), buffer(data)),
  );
}

/** AES-CBC without padding (WebCrypto always pads: the padding block is dropped). */
async function aesCbcEncryptRaw(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return (await aesCbcEncrypt(key, iv, data)).subarray(0, data.length);
}

/** AES-CBC decryption; `padded` false for data without PKCS#7 padding (a valid padding block is appended first). */
async function aesCbcDecrypt(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  padded: boolean,
): Promise<Uint8Array> {
  let input = data;
  if (!padded) {
    const last = data.length >= 16 ? data.subarray(data.length - 16) : iv;
    const extra = (await aesCbcEncrypt(key, last, new Uint8Array(16).fill(16))).subarray(0, 16);
    input = new Uint8Array(data.length + 16);
    input.set(data);
    input.set(extra, data.length);
  }
  return new Uint8Array(
    await subtle().decrypt({ name: 'AES-CBC', iv: buffer(iv) }, await aesKey(key), buffer(input)),
  );
}

async function sha(bits: 256 | 384 | 512, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest(`SHA-${bits}`, buffer(data)));
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** ISO 32000-2 Algorithm 2.B (revision 6), for the empty user password. */
async function hardenedHash(salt: Uint8Array): Promise<Uint8Array> {
  let k = await sha(256, salt);
  let e: Uint8Array = new Uint8Array(0);
  for (let round = 0; round < 64 || e[e.length - 1]! > round - 32; round++) {
    const k1 = new Uint8Array(64 * k.length);
    for (let i = 0; i < 64; i++) k1.set(k, i * k.length);
    e = await aesCbcEncryptRaw(k.subarray(0, 16), k.subarray(16, 32), k1);
    const mod = e.subarray(0, 16).reduce((n, b) => n + b, 0) % 3;
    k = await sha(mod === 0 ? 256 : mod === 1 ? 384 : 512, e);
  }
  return k.subarray(0, 32);
}

function bytesOf(object: PDFObject | undefined): Uint8Array {
  if (object instanceof PDFHexString) return object.asBytes();
  if (object instanceof PDFString) return object.asBytes();
  throw encrypted();
}

function numberOf(dict: PDFDict, key: string, fallback?: number): number {
  const value = dict.lookup(PDFName.of(key));
  if (value instanceof PDFNumber) return value.asNumber();
  if (fallback !== undefined) return fallback;
  throw encrypted();
}

const isFalse = (value: PDFObject | undefined) => value?.toString() === 'false';

function cryptMethod(dict: PDFDict, version: number, filter: 'StrF' | 'StmF'): CryptMethod {
  if (version < 4) return 'rc4';
  const name = dict.lookup(PDFName.of(filter));
  if (!(name instanceof PDFName) || name.decodeText() === 'Identity') return 'identity';
  const filters = dict.lookup(PDFName.of('CF'));
  const cf = filters instanceof PDFDict ? filters.lookup(name) : undefined;
  const cfm = cf instanceof PDFDict ? cf.lookup(PDFName.of('CFM')) : undefined;
  const method = cfm instanceof PDFName ? cfm.decodeText() : 'None';
  if (method === 'V2') return 'rc4';
  if (method === 'AESV2') return 'aesv2';
  if (method === 'AESV3') return 'aesv3';
  if (method === 'None') return 'identity';
  throw encrypted();
}

/**
 * The file key if the document opens with the empty user password (the standard handler, R2–R6);
 * PDF_ENCRYPTED otherwise (a user password, or another security handler).
 */
export async function openWithoutPassword(dict: PDFDict, firstId: Uint8Array): Promise<PdfEncryption> {
  if (dict.lookup(PDFName.of('Filter')) !== PDFName.of('Standard')) throw encrypted();
  const version = numberOf(dict, 'V', 0);
  const revision = numberOf(dict, 'R');
  const o = bytesOf(dict.lookup(PDFName.of('O')));
  const u = bytesOf(dict.lookup(PDFName.of('U')));
  const p = numberOf(dict, 'P');
  const strings = cryptMethod(dict, version, 'StrF');
  const streams = cryptMethod(dict, version, 'StmF');
  const encryptMetadata = !(revision >= 4 && isFalse(dict.lookup(PDFName.of('EncryptMetadata'))));
  if (revision >= 5) {
    if (u.length < 48) throw encrypted();
    const check =
      revision === 5 ? await sha(256, u.subarray(32, 40)) : await hardenedHash(u.subarray(32, 40));
    if (!equal(check, u.subarray(0, 32))) throw encrypted();
    const intermediate =
      revision === 5 ? await sha(256, u.subarray(40, 48)) : await hardenedHash(u.subarray(40, 48));
    const ue = bytesOf(dict.lookup(PDFName.of('UE')));
    const key = await aesCbcDecrypt(intermediate, new Uint8Array(16), ue.subarray(0, 32), false);
    return { key, strings, streams, encryptMetadata };
  }
  const length = revision === 2 ? 5 : numberOf(dict, 'Length', 40) / 8;
  const permissions = new Uint8Array(4);
  new DataView(permissions.buffer).setInt32(0, p, true);
  let hash = md5(
    concatBytes([
      PASSWORD_PAD,
      o.subarray(0, 32),
      permissions,
      firstId,
      !encryptMetadata ? Uint8Array.of(255, 255, 255, 255) : new Uint8Array(0),
    ]),
  );
  if (revision >= 3) for (let i = 0; i < 50; i++) hash = md5(hash.subarray(0, length));
  const key = hash.subarray(0, length);
  const valid =
    revision === 2
      ? equal(rc4(key, PASSWORD_PAD), u.subarray(0, 32))
      : equal(
          Array.from({ length: 19 }, (_, i) => i + 1).reduce(
            (x, i) =>
              rc4(
                key.map((b) => b ^ i),
                x,
              ),
            rc4(key, md5(concatBytes([PASSWORD_PAD, firstId]))),
          ),
          u.subarray(0, 16),
        );
  if (!valid) throw encrypted();
  return { key, strings, streams, encryptMetadata };
}

/** ISO 32000-1 Algorithm 1: the key for one object (RC4, AESV2); AESV3 uses the file key. */
function objectKey(
  encryption: PdfEncryption,
  method: CryptMethod,
  number: number,
  generation: number,
): Uint8Array {
  if (method === 'aesv3') return encryption.key;
  const salt = method === 'aesv2' ? Uint8Array.of(0x73, 0x41, 0x6c, 0x54) : new Uint8Array(0);
  const id = Uint8Array.of(
    number & 0xff,
    (number >> 8) & 0xff,
    (number >> 16) & 0xff,
    generation & 0xff,
    (generation >> 8) & 0xff,
  );
  return md5(concatBytes([encryption.key, id, salt])).subarray(0, Math.min(encryption.key.length + 5, 16));
}

/** One object's strings or stream, encrypted or decrypted with that object's key. */
export interface ObjectCipher {
  encrypt(data: Uint8Array): Promise<Uint8Array>;
  decrypt(data: Uint8Array): Promise<Uint8Array>;
}

const IDENTITY_CIPHER: ObjectCipher = {
  encrypt: (data) => Promise.resolve(data),
  decrypt: (data) => Promise.resolve(data),
};

export function objectCipher(
  encryption: PdfEncryption,
  method: CryptMethod,
  number: number,
  generation: number,
): ObjectCipher {
  if (method === 'identity') return IDENTITY_CIPHER;
  const key = objectKey(encryption, method, number, generation);
  if (method === 'rc4')
    return {
      encrypt: (data) => Promise.resolve(rc4(key, data)),
      decrypt: (data) => Promise.resolve(rc4(key, data)),
    };
  return {
    async encrypt(data) {
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(16));
      return concatBytes([iv, await aesCbcEncrypt(key, iv, data)]);
    },
    async decrypt(data) {
      if (data.length < 32 || data.length % 16)
        throw new PdfDocumentError('PDF_DAMAGED', 'unsupported-encoding', number);
      try {
        return await aesCbcDecrypt(key, data.subarray(0, 16), data.subarray(16), true);
      } catch {
        throw new PdfDocumentError('PDF_DAMAGED', 'unsupported-encoding', number);
      }
    },
  };
}
