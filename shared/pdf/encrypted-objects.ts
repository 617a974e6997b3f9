/**
 * The objects of an encrypted PDF (one that opens without a password, encryption.ts) as readers see
 * them, and back. The model holds every string and stream in the clear (model.ts decrypts each
 * object it reads from the file with the key of its number), so that field names, a /Lock's
 * fields, a seed value's Reasons and Cert, the DSS, and a warning's names read the same in an
 * encrypted file as in any other; whatever kyso writes into an update is encrypted here, with the
 * key of the number it is written under (ISO 32000-1 §7.6.2, Algorithm 1).
 *
 * Stays in the clear, as the standard says (ISO 32000-2 §7.6.1): a signature dictionary's
 * /Contents (a dictionary with a /ByteRange), the strings inside streams (the stream is encrypted
 * whole), objects inside object streams (decrypted with their stream), the /Encrypt dictionary,
 * XMP metadata when /EncryptMetadata is false, and a stream that names its own /Crypt filter.
 */
import {
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFRawStream,
  PDFStream,
  PDFString,
  type PDFObject,
  type PDFRef,
} from 'pdf-lib';
import { bytesToHex } from '../encoding.js';
import { objectCipher, type ObjectCipher, type PdfEncryption } from './encryption.js';

type Transform = (bytes: Uint8Array) => Promise<Uint8Array>;

const isSignatureContents = (dict: PDFDict, key: PDFName) =>
  key === PDFName.of('Contents') && dict.has(PDFName.of('ByteRange'));

const isString = (value: PDFObject): value is PDFString | PDFHexString =>
  value instanceof PDFString || value instanceof PDFHexString;

const transformed = async (value: PDFString | PDFHexString, transform: Transform) =>
  PDFHexString.of(bytesToHex(await transform(value.asBytes())));

/**
 * Each string of a direct object through `transform`, in place (pdf-lib's catalog and page objects
 * are of their own classes, and the document holds them): a signature's /Contents is kept.
 */
async function transformStrings(value: PDFObject, transform: Transform): Promise<void> {
  if (value instanceof PDFArray)
    for (let i = 0; i < value.size(); i++) {
      const item = value.get(i);
      if (isString(item)) value.set(i, await transformed(item, transform));
      else await transformStrings(item, transform);
    }
  else if (value instanceof PDFDict)
    for (const [key, entry] of value.entries()) {
      if (isString(entry)) {
        if (!isSignatureContents(value, key)) value.set(key, await transformed(entry, transform));
      } else await transformStrings(entry, transform);
    }
}

/** A copy of a direct object with each string through `transform` (a signature's /Contents kept). */
async function mapStrings(value: PDFObject, transform: Transform): Promise<PDFObject> {
  if (isString(value)) return transformed(value, transform);
  if (value instanceof PDFArray) {
    const copy = value.clone();
    for (let i = 0; i < copy.size(); i++) copy.set(i, await mapStrings(copy.get(i), transform));
    return copy;
  }
  if (value instanceof PDFDict) {
    const copy = value.clone();
    for (const [key, entry] of value.entries())
      if (!isSignatureContents(value, key)) copy.set(key, await mapStrings(entry, transform));
    return copy;
  }
  return value;
}

/** Whether a stream's data is encrypted with the file's stream method (not metadata left clear, not /Crypt). */
function streamDataEncrypted(encryption: PdfEncryption, dict: PDFDict): boolean {
  if (!encryption.encryptMetadata && dict.lookup(PDFName.of('Type')) === PDFName.of('Metadata')) return false;
  const filter = dict.lookup(PDFName.of('Filter'));
  const filters = filter instanceof PDFArray ? filter.asArray() : [filter];
  return !filters.some((name) => name === PDFName.of('Crypt'));
}

function ciphers(encryption: PdfEncryption, ref: PDFRef): { strings: ObjectCipher; streams: ObjectCipher } {
  return {
    strings: objectCipher(encryption, encryption.strings, ref.objectNumber, ref.generationNumber),
    streams: objectCipher(encryption, encryption.streams, ref.objectNumber, ref.generationNumber),
  };
}

/**
 * An object read from the file under `ref`, in the clear: containers changed in place, an indirect
 * string returned anew (the caller assigns it). A string or stream that does not decrypt (a wrong
 * length, bad padding) is kept as it is, as readers show something for it too: only what kyso
 * reads from it (a name, a certificate) is then wrong, never the signed bytes.
 */
export async function decryptedObject(
  encryption: PdfEncryption,
  ref: PDFRef,
  object: PDFObject,
): Promise<PDFObject> {
  const { strings, streams } = ciphers(encryption, ref);
  const lenient = (cipher: ObjectCipher) => async (bytes: Uint8Array) =>
    bytes.length === 0 ? bytes : cipher.decrypt(bytes).catch(() => bytes);
  if (object instanceof PDFRawStream) {
    await transformStrings(object.dict, lenient(strings));
    if (streamDataEncrypted(encryption, object.dict))
      (object as unknown as { contents: Uint8Array }).contents = await lenient(streams)(object.contents);
    return object;
  }
  if (isString(object)) return transformed(object, lenient(strings));
  await transformStrings(object, lenient(strings));
  return object;
}

/**
 * An object of an object stream (decrypted with its stream) with its strings written as hex, as
 * decryption leaves every other: an object moved out of an object stream by an update (and
 * re-encrypted) then compares equal to its former self, string for string.
 */
export async function hexStrings(object: PDFObject): Promise<PDFObject> {
  const same = (bytes: Uint8Array) => Promise.resolve(bytes);
  if (isString(object)) return transformed(object, same);
  await transformStrings(object, same);
  return object;
}

/** An object of an incremental update, as the encrypted file stores it under `ref` (a copy). */
export async function encryptedObject(
  encryption: PdfEncryption,
  ref: PDFRef,
  object: PDFObject,
): Promise<PDFObject> {
  const { strings, streams } = ciphers(encryption, ref);
  const encryptString = (bytes: Uint8Array) => strings.encrypt(bytes);
  if (object instanceof PDFStream) {
    // The data as written (filtered), the dictionary's /Filter and /Length saying so.
    const data = object.getContents();
    if (!(object instanceof PDFRawStream)) object.updateDict();
    const dict = (await mapStrings(object.dict, encryptString)) as PDFDict;
    return PDFRawStream.of(
      dict,
      streamDataEncrypted(encryption, object.dict) ? await streams.encrypt(data) : data,
    );
  }
  return mapStrings(object, encryptString);
}

/** `object` as the file stores it: encrypted when the file is (see encryptedObject), else itself. */
export const objectForFile = (
  encryption: PdfEncryption | undefined,
  ref: PDFRef,
  object: PDFObject,
): Promise<PDFObject> => (encryption ? encryptedObject(encryption, ref, object) : Promise.resolve(object));
