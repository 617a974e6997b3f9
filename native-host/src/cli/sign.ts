/**
 * `kyso sign`: sign a file from the terminal with the token, for tax filers whose desktop software
 * writes the return to a file. The file is hashed as a stream (any size, constant memory); only the
 * digest reaches the token.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { holderName, summarizeCertificate, usabilityProblems } from '../../../shared/certificate/profile.js';
import { certificateToTake, taxCodesNotCarried } from '../../../shared/xml/signer-party.js';
import { base64ToBytes } from '../../../shared/encoding.js';
import { PinSchema, type CertificateEntry, type DigestAlgorithm } from '../../../shared/protocol/common.js';
import { KysoError, errorMessage } from '../../../shared/protocol/errors.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { attachContent } from '../../../shared/cms/attach.js';
import { modulesToLoad } from '../modules/discovery.js';
import { QueuedTokens } from '../signing/certificates.js';
import { SigningOperation } from '../signing/signing-operation.js';
import { SharedListings } from '../signing/shared-listings.js';
import { TokenLocks } from '../signing/token-lock.js';
import { TokenQueue } from '../signing/token-queue.js';
import { TokenWorker } from '../worker/token-worker.js';
import { tokenTimeoutMs } from '../worker/worker-process.js';
import { readPinFromStdin, readPinFromTerminal } from './pin-prompt.js';
import {
  pdfSigning,
  readableFileSize,
  xmlSigning,
  type DocumentSigning,
  type PdfOptions,
  type XmlOptions,
} from './sign-documents.js';

export const SIGN_FORMATS = [
  'cms',
  'cms-attached',
  'pades',
  'xml-htkk',
  'xml-einvoice',
  'xml-einvoice-buyer',
] as const;
/** The XML formats and the profile each signs with. */
const XML_FORMATS: Partial<Record<SignFormat, XmlOptions['profile']>> = {
  'xml-htkk': 'htkk',
  'xml-einvoice': 'einvoice',
  'xml-einvoice-buyer': 'einvoice-buyer',
};
export type SignFormat = (typeof SIGN_FORMATS)[number];

export interface SignCommandOptions {
  input: string;
  output: string;
  format: SignFormat;
  /** Certificate id, or a substring of the holder name or an identity number (MST/CCCD). */
  certificate?: string;
  pinFromStdin: boolean;
  digestAlgorithm: DigestAlgorithm;
  /** pades: level, reason, location, appearance. */
  pdf?: PdfOptions;
  /** xml-*: rsa-sha1 instead of RSA/ECDSA-SHA256. */
  sha1?: boolean;
  /** CAdES-T / PAdES B-T: the time-stamping service. */
  tsaUrl?: string;
}

const NODE_HASH: Record<DigestAlgorithm, string> = {
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

export async function hashFile(file: string, algorithm: DigestAlgorithm): Promise<Uint8Array> {
  const hash = createHash(NODE_HASH[algorithm]);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return new Uint8Array(hash.digest());
}

const identitiesOf = (entry: CertificateEntry) =>
  summarizeCertificate(base64ToBytes(entry.certificate)).identities;

function describe(entry: CertificateEntry): string {
  const summary = summarizeCertificate(base64ToBytes(entry.certificate));
  const ids = Object.entries(summary.identities)
    .map(([k, v]) => `${k}:${v.join(',')}`)
    .join(' ');
  return `${holderName(summary)} ${ids}`.trim();
}

/**
 * A name as typed or as a certificate spells it, for comparing: composed (Unikey's "Unicode tổ hợp"
 * types "Ân" as A + combining marks, as macOS may pass it) and in either case ("mst:", "nguyễn").
 */
const comparable = (text: string) => text.normalize('NFC').toLocaleLowerCase('vi');

export function chooseCertificate(
  certificates: CertificateEntry[],
  wanted: string | undefined,
  now = new Date(),
  taxCodes: readonly string[] = [],
): CertificateEntry {
  const usable = certificates.filter(
    (c) => usabilityProblems(summarizeCertificate(base64ToBytes(c.certificate)), now).length === 0,
  );
  const matches = wanted
    ? usable.filter((c) => c.id === wanted || comparable(describe(c)).includes(comparable(wanted)))
    : usable;
  // The only one, else the one of the party the document names (a tax return's taxpayer, an invoice's seller).
  const taken = certificateToTake(matches, identitiesOf, taxCodes.length > 0 ? [taxCodes] : []);
  if (taken) return taken;
  if (matches.length === 0) throw new KysoError('NO_CERTIFICATE');
  throw new KysoError(
    'BAD_REQUEST',
    `several certificates match; choose one with --cert:\n${matches.map((c) => `  ${c.id}  ${describe(c)}`).join('\n')}`,
  );
}

/** PDFs and XML are read and checked here, before any PIN; other files are hashed as a stream. */
async function documentSigning(
  options: SignCommandOptions,
  log: (line: string) => void,
): Promise<DocumentSigning | undefined> {
  if (options.format === 'pades') {
    // sign-options.ts gave --tsa with every level from B-T.
    const pdf = options.pdf ?? { level: 'B-B' };
    return pdfSigning(
      options.input,
      { ...pdf, ...(options.tsaUrl && { tsaUrl: options.tsaUrl }) },
      (warning) => log(`Cảnh báo / Warning: ${warning}`),
    );
  }
  const profile = XML_FORMATS[options.format];
  if (profile) return xmlSigning(options.input, { profile, sha1: options.sha1 === true });
  return undefined;
}

/**
 * The file's digest, started now and awaited after the PIN: a file that cannot be read is refused
 * before the token is touched, and one that fails while hashing is a typed error where it is awaited.
 */
function startHashing(file: string, algorithm: DigestAlgorithm): Promise<Uint8Array> {
  readableFileSize(file);
  const digest = hashFile(file, algorithm).catch(() => {
    throw new KysoError('BAD_REQUEST', `cannot read ${file}`);
  });
  digest.catch(() => {}); // not unhandled while the token is listed and the PIN typed
  return digest;
}

/** The most Node reads into memory at once (fs's kIoMaxLength): an attached CMS holds the whole file. */
const MAX_ATTACHED_BYTES = 2 ** 31 - 1;

/**
 * cms-attached: the content, read once before the PIN, is what is hashed and what is attached. Read
 * again after signing, a file removed meanwhile would be an internal error, and one changed
 * meanwhile would be attached under a digest of other bytes.
 */
function readAttachedContent(file: string): Buffer {
  if (readableFileSize(file) > MAX_ATTACHED_BYTES)
    throw new KysoError(
      'DOCUMENT_TOO_LARGE',
      `cms-attached holds at most ${MAX_ATTACHED_BYTES >> 20} MiB: sign ${file} detached (--format cms)`,
      { limitMiB: MAX_ATTACHED_BYTES >> 20 },
    );
  try {
    return readFileSync(file);
  } catch {
    throw new KysoError('BAD_REQUEST', `cannot read ${file}`);
  }
}

/**
 * Whether `file` can be written: checked before the PIN (a signature the token made for nothing is
 * lost work, and Node's reason is not for people), and again when it is written. Never over the
 * file being signed, under any of its names: a detached CMS would replace the document it signs.
 */
function assertWritable(file: string, input: string): void {
  let target;
  try {
    target = statSync(file, { throwIfNoEntry: false });
    if (target?.isDirectory()) throw new Error('a folder');
    accessSync(path.dirname(path.resolve(file)), constants.W_OK);
  } catch {
    throw new KysoError('BAD_REQUEST', `cannot write ${file}`);
  }
  const source = statSync(input, { throwIfNoEntry: false });
  if (target && source && target.dev === source.dev && target.ino === source.ino)
    throw new KysoError('BAD_REQUEST', `--out ${file} is the file being signed: choose another name`);
}

function writeOutput(file: string, bytes: Uint8Array): void {
  try {
    writeFileSync(file, bytes);
  } catch {
    throw new KysoError('BAD_REQUEST', `cannot write ${file}`);
  }
}

export async function signFile(options: SignCommandOptions, log: (line: string) => void): Promise<void> {
  const document = await documentSigning(options, log);
  const attached =
    !document && options.format === 'cms-attached' ? readAttachedContent(options.input) : undefined;
  const digestPromise = document
    ? undefined
    : attached
      ? Promise.resolve(
          new Uint8Array(createHash(NODE_HASH[options.digestAlgorithm]).update(attached).digest()),
        )
      : startHashing(options.input, options.digestAlgorithm);
  assertWritable(options.output, options.input);
  const worker = new TokenWorker({ modulePaths: modulesToLoad() });
  try {
    // Read and used through the token's queue: the browsers' hosts may be signing with it right now.
    const locks = new TokenLocks(undefined, `kyso sign ${process.pid}`);
    const queue = new TokenQueue({
      maxWaiting: 1,
      locks,
      workersGone: () => worker.retired(),
      notAnswering: () => worker.notAnswering(),
    });
    const tokens = new QueuedTokens(
      worker,
      queue,
      tokenTimeoutMs(),
      new SharedListings(locks, () => worker.modulePaths),
    );
    const waiting = {
      waitMs: LIMITS.tokenWaitMs,
      onWaiting: () =>
        log(
          'Thiết bị đang được chương trình khác sử dụng — đang chờ… / The token is in use by another program — waiting…',
        ),
    };
    const { certificates } = await tokens.list(waiting);
    const taxCodes = document?.signerTaxCodes ?? [];
    const entry = chooseCertificate(certificates, options.certificate, new Date(), taxCodes);
    await document?.checkSigner?.(entry, tokens.issuersOf(entry));
    if (taxCodesNotCarried(identitiesOf(entry), [taxCodes]).length > 0)
      log(
        `Cảnh báo / Warning: chứng thư số không mang mã số thuế của tài liệu (${taxCodes.join(', ')}): cơ quan thuế có thể không nhận chữ ký này / the certificate does not carry the document’s tax code (${taxCodes.join(', ')}): the tax authority may refuse this signature`,
      );
    if (options.sha1 && entry.keyType !== 'RSA')
      throw new KysoError('BAD_REQUEST', 'rsa-sha1 needs an RSA key');
    log(`Ký bằng / Signing with: ${describe(entry)} [${entry.token.label}]`);
    const pin = entry.token.protectedAuthPath
      ? null
      : options.pinFromStdin
        ? await readPinFromStdin()
        : await readPinFromTerminal('Mã PIN / PIN: ');
    if (pin === null) log('Nhập mã PIN trên thiết bị / Enter the PIN on your device');
    // As the consent window: a PIN no token takes is not sent (the worker would refuse it in its own words).
    else if (!PinSchema.safeParse(pin).success)
      throw new KysoError(
        'PIN_INVALID',
        `a PIN has ${LIMITS.minPinChars} to ${LIMITS.maxPinChars} characters`,
      );
    // The token is ours alone from login to logout (not while the PIN is typed).
    const { lease, entry: current } = await tokens.acquire(entry.id, waiting);
    let operation: SigningOperation;
    let chain: readonly Uint8Array[];
    try {
      if (!current)
        throw new KysoError('TOKEN_NOT_PRESENT', undefined, { reason: 'certificate not found on any token' });
      chain = tokens.issuersOf(current); // as the token holds them now, under its lock
      operation = await SigningOperation.open(worker, current, pin, {
        loginTimeoutMs: pin === null ? LIMITS.protectedLoginTimeoutMs : tokenTimeoutMs(),
        timeoutMs: tokenTimeoutMs(),
        now: () => new Date(),
        ...(options.tsaUrl && { tsaUrl: options.tsaUrl }),
        chain,
      });
    } catch (error) {
      lease.release();
      throw error;
    }
    try {
      if (document) {
        writeOutput(options.output, await document.sign(operation, entry, new Date(), chain));
      } else {
        const digest = Buffer.from(await digestPromise!).toString('base64');
        const cms = base64ToBytes(
          await operation.signCms({
            digest,
            digestAlgorithm: options.digestAlgorithm,
            signingTime: true,
            timestamp: options.tsaUrl !== undefined,
          }),
        );
        const output = attached ? attachContent(cms, attached) : cms;
        writeOutput(options.output, output);
      }
    } finally {
      await operation.close();
      lease.release();
    }
    log(`Đã ký / Signed: ${options.output}`);
  } finally {
    await worker.shutdown();
  }
}

/** What the terminal shows; anything not ours is INTERNAL in our words (a library's or Node's text is not for people). */
export function describeError(error: unknown): string {
  if (error instanceof KysoError) {
    const details = error.details ? ` ${JSON.stringify(error.details)}` : '';
    return `${errorMessage(error.code, 'vi')} / ${error.message} (${error.code})${details}`;
  }
  return `${errorMessage('INTERNAL', 'vi')} / ${errorMessage('INTERNAL', 'en')} (INTERNAL)`;
}
