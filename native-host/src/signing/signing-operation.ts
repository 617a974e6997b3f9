/**
 * Consented signing on the token. A single signature is one worker call (log in, sign, log out:
 * nothing can come between its login and its signature); a batch logs in once and keeps the
 * operation open between calls until it is closed.
 */
import { cadesTemplate, type CadesTemplate } from '../../../shared/cms/cades-template.js';
import { hash } from 'node:crypto';
import type { CertificateEntry, DigestAlgorithm, RsaScheme } from '../../../shared/protocol/common.js';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import type { SignItem, SignItemResult } from '../../../shared/protocol/host.js';
import { groupSize, type DigestToSign, type ItemSignature } from '../worker/messages.js';
import { packGroups, unpackGroups } from '../worker/sign-groups.js';
import type { TokenWorker } from '../worker/token-worker.js';
import { certificateBytes } from './certificates.js';
import { benchMark } from '../bench-marks.js';
import { LIMITS } from '../../../shared/protocol/limits.js';

/**
 * Items per worker round trip: a whole call of the extension's (preparing the next call overlaps
 * signing this one). Each message costs both processes more than a P-256 signature does (IPC
 * write, wake-up, serialization, schema): groups of 8 → 32 took ~15 µs of host CPU and ~6 µs of
 * the worker's off each item (bench/README.md, seventh session).
 */
const GROUP_SIZE = LIMITS.maxBatchItemsPerCall;

export interface SigningOptions {
  /** Per token call (per item for a group). */
  timeoutMs: number;
  /** The login (a PIN pad or vendor dialog may take as long as a person needs). */
  loginTimeoutMs: number;
  now: () => Date;
  /** Where CMS items asking for a time-stamp get it (CAdES-T); without it they fail TSA_NOT_CONFIGURED. */
  tsaUrl?: string;
  /** Per time-stamp request (default: the TSA client's 30 s). */
  tsaTimeoutMs?: number;
  /**
   * CA certificates each CMS carries after the signer's: those its token holds above it
   * (QueuedTokens.issuersOf), so a receiver finds the chain without fetching it.
   */
  chain?: readonly Uint8Array[];
}

export interface CmsRequest {
  /** Base64 digest of the document. */
  digest: string;
  digestAlgorithm: DigestAlgorithm;
  /** false for PAdES, whose signing time is the signature dictionary's /M. */
  signingTime: boolean;
  rsaScheme?: RsaScheme;
  /** CAdES-T: time-stamp the signature value. */
  timestamp?: boolean;
}

export interface RawRequest {
  digest: string;
  digestAlgorithm: DigestAlgorithm;
  rsaScheme?: RsaScheme;
}

interface PreparedItem {
  item: SignItem;
  toSign: DigestToSign;
  cms?: { template: CadesTemplate; toBeSigned: Uint8Array; timestamp: boolean };
}

/** Node's Buffer codecs: several times faster than the portable ones, and a batch runs them per item. */
const base64ToBytes = (base64: string): Uint8Array => Buffer.from(base64, 'base64');
const bytesToBase64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

const NODE_HASH_NAMES: Record<DigestAlgorithm, string> = {
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};
/**
 * Node's one-shot hash, synchronous: WebCrypto's would cost a thread-pool round trip per item
 * (~0.1 ms), and createHash's object ~0.6 µs more than this per batch item.
 */
const digestNow = (algorithm: DigestAlgorithm, data: Uint8Array): Uint8Array =>
  hash(NODE_HASH_NAMES[algorithm], data, 'buffer');

export const cmsItem = (request: CmsRequest): SignItem => ({
  kind: 'cms',
  digest: request.digest,
  digestAlgorithm: request.digestAlgorithm,
  signingTime: request.signingTime,
  ...(request.timestamp && { timestamp: true }),
  ...(request.rsaScheme && { rsaScheme: request.rsaScheme }),
});

export const rawItem = (request: RawRequest): SignItem => ({
  kind: 'raw',
  digest: request.digest,
  digestAlgorithm: request.digestAlgorithm,
  ...(request.rsaScheme && { rsaScheme: request.rsaScheme }),
});

export function cmsOf(result: SignItemResult | undefined): string {
  if (!result?.ok) throw result ? KysoError.fromWire(result.error) : new KysoError('INTERNAL');
  return (result as { cms: string }).cms;
}

export function signatureOf(result: SignItemResult | undefined): string {
  if (!result?.ok) throw result ? KysoError.fromWire(result.error) : new KysoError('INTERNAL');
  return (result as { signature: string }).signature;
}

type CmsSignItem = Extract<SignItem, { kind: 'cms' }>;
const templateKey = (item: CmsSignItem) =>
  `${item.digestAlgorithm} ${item.signingTime} ${item.rsaScheme ?? ''}`;

/** Turns protocol items into what the token signs, and the token's signatures back into results. */
class ItemFormatter {
  /** Decoded once: the same bytes for every item (and the signer-certificate memo's key). */
  private readonly certificate: Uint8Array;

  constructor(
    readonly entry: CertificateEntry,
    private readonly options: SigningOptions,
  ) {
    this.certificate = certificateBytes(entry);
  }

  /** This signer's CAdES templates (per digest algorithm, signing time or not, RSA scheme). */
  private readonly templates = new Map<string, CadesTemplate>();
  /** The one used last: a batch is mostly of one kind, and then no key is built per item. */
  private lastTemplate: { item: CmsSignItem; template: CadesTemplate } | undefined;

  private templateOf(item: CmsSignItem): CadesTemplate | undefined {
    const last = this.lastTemplate;
    if (
      last &&
      last.item.digestAlgorithm === item.digestAlgorithm &&
      last.item.signingTime === item.signingTime &&
      last.item.rsaScheme === item.rsaScheme
    )
      return last.template;
    const template = this.templates.get(templateKey(item));
    if (template) this.lastTemplate = { item, template };
    return template;
  }

  /**
   * Every item; one that cannot be prepared (no TSA for a CAdES-T item) fails alone. The templates
   * the items need are found first; then each item is prepared without waiting for anything.
   */
  async prepareAll(items: SignItem[]): Promise<Array<PreparedItem | SignItemResult>> {
    const failed = new Map<string, SignItemResult>();
    for (const item of items) {
      if (item.kind !== 'cms' || this.templateOf(item)) continue;
      const key = templateKey(item);
      if (failed.has(key)) continue;
      try {
        const template = await cadesTemplate({
          signerCertificate: this.certificate,
          digestAlgorithm: item.digestAlgorithm,
          signingTime: item.signingTime,
          keyType: this.entry.keyType,
          rsaScheme: item.rsaScheme,
          chain: this.options.chain,
        });
        this.templates.set(key, template);
      } catch (error) {
        failed.set(key, { ok: false, error: toWireError(error) });
      }
    }
    const now = this.options.now(); // one signing time for the items prepared together
    return items.map((item) => {
      if (failed.size > 0 && item.kind === 'cms') {
        const failure = failed.get(templateKey(item));
        if (failure) return failure;
      }
      try {
        return this.prepare(item, now);
      } catch (error) {
        return { ok: false as const, error: toWireError(error) };
      }
    });
  }

  private prepare(item: SignItem, now: Date): PreparedItem {
    if (item.kind === 'sha1-digest-info') {
      // The schema admitted exactly prefix ‖ 20 bytes; the worker re-adds the same prefix.
      const digestInfo = base64ToBytes(item.digestInfo);
      return {
        item,
        toSign: { digest: digestInfo.subarray(digestInfo.length - 20), digestAlgorithm: 'SHA-1' },
      };
    }
    const documentDigest = base64ToBytes(item.digest);
    const rsaScheme = item.rsaScheme;
    if (item.kind === 'raw')
      return {
        item,
        toSign: {
          digest: documentDigest,
          digestAlgorithm: item.digestAlgorithm,
          ...(rsaScheme && { rsaScheme }),
        },
      };
    if (item.timestamp && !this.options.tsaUrl) throw new KysoError('TSA_NOT_CONFIGURED');
    const template = this.templateOf(item)!;
    const toBeSigned = template.signedAttributes(documentDigest, item.signingTime ? now : null);
    return {
      item,
      toSign: {
        digest: digestNow(item.digestAlgorithm, toBeSigned),
        digestAlgorithm: item.digestAlgorithm,
        // for RSA tokens that can only hash on the token (mechanisms.ts); ECDSA signs the digest
        ...(this.entry.keyType === 'RSA' && { data: toBeSigned }),
        ...(rsaScheme && { rsaScheme }),
      },
      cms: { template, toBeSigned, timestamp: item.timestamp === true },
    };
  }

  /** The item's result; a CAdES-T item's time-stamp comes later (stamp). */
  finish(p: PreparedItem, signature: ItemSignature | undefined): SignItemResult | Uint8Array {
    if (!signature) return { ok: false, error: new KysoError('INTERNAL').toWire() };
    if (!signature.ok) return { ok: false, error: signature.error };
    if (!p.cms) return { ok: true, signature: bytesToBase64(signature.signature) };
    const cms = p.cms.template.signedData(p.cms.toBeSigned, signature.signature);
    return p.cms.timestamp ? cms : { ok: true, cms: bytesToBase64(cms) };
  }

  private async stamp(cms: Uint8Array): Promise<SignItemResult> {
    try {
      return { ok: true, cms: bytesToBase64(await this.timestamp(cms)) };
    } catch (error) {
      return { ok: false, error: toWireError(error) };
    }
  }

  /** CAdES-T: the TSA time-stamps the signature value (the host has the network; the extension needs no host permissions). */
  private async timestamp(cms: Uint8Array): Promise<Uint8Array> {
    if (!this.options.tsaUrl) throw new KysoError('TSA_NOT_CONFIGURED');
    // pkijs only when a signature is time-stamped: a host that lists and signs never loads it.
    const { addSignatureTimestamp } = await import('../../../shared/cms/timestamp.js');
    return addSignatureTimestamp(
      cms,
      this.options.tsaUrl,
      this.options.tsaTimeoutMs ? { timeoutMs: this.options.tsaTimeoutMs } : {},
    );
  }

  /** Prepares, has `sign` sign what could be prepared, and finishes each in its place. */
  async run(
    items: SignItem[],
    sign: (toSign: DigestToSign[]) => Promise<ItemSignature[]>,
  ): Promise<SignItemResult[]> {
    const prepared = await this.prepareAll(items);
    const ready = prepared.flatMap((p, index) => ('toSign' in p ? [{ index, item: p }] : []));
    // Every prepared item is given its own result below (an Error's stack is not built per call).
    const results: Array<SignItemResult | undefined> = prepared.map((p) => ('toSign' in p ? undefined : p));
    const complete = () =>
      results.map((r) => r ?? { ok: false as const, error: new KysoError('INTERNAL').toWire() });
    if (ready.length === 0) return complete();
    let signatures: ItemSignature[];
    try {
      signatures = await sign(ready.map((r) => r.item.toSign));
    } catch (error) {
      const wire = toWireError(error);
      for (const { index } of ready) results[index] = { ok: false, error: wire };
      return complete();
    }
    const stamping: Array<Promise<void>> = [];
    ready.forEach(({ index, item }, i) => {
      const result = this.finish(item, signatures[i]);
      if (result instanceof Uint8Array)
        stamping.push(this.stamp(result).then((stamped) => void (results[index] = stamped)));
      else results[index] = result;
    });
    await Promise.all(stamping);
    return complete();
  }
}

/**
 * The token holds another certificate under the id than the one the items were prepared for (or
 * none): nothing was signed and no PIN was tried; the caller lists the token again and retries.
 */
export class CertificateChanged extends Error {
  constructor(readonly certificate: string | null) {
    super('the certificate on the token changed');
  }
}

/**
 * One consented operation of one or a few items in ONE worker call: log in, sign, log out. The
 * worker first checks the token still holds `entry`'s certificate (CertificateChanged if not). A
 * login error (wrong PIN, token gone) is thrown, as the caller asks for the PIN again; item errors
 * are in place.
 */
export async function signOnce(
  worker: TokenWorker,
  entry: CertificateEntry,
  pin: string | null,
  items: SignItem[],
  options: SigningOptions,
): Promise<SignItemResult[]> {
  const formatter = new ItemFormatter(entry, options);
  let loginError: unknown;
  const results = await formatter.run(items, async (toSign) => {
    try {
      benchMark('host:prepared');
      const answer = await worker.call(
        { op: 'sign', certificateId: entry.id, pin, items: toSign, certificate: entry.certificate },
        options.loginTimeoutMs + options.timeoutMs * toSign.length,
      );
      if ('certificateChanged' in answer) throw new CertificateChanged(answer.certificateChanged);
      return answer.results;
    } catch (error) {
      loginError = error;
      throw error;
    }
  });
  benchMark('host:finished');
  if (loginError) throw loginError instanceof Error ? loginError : new KysoError('INTERNAL');
  return results;
}

/** A batch: log in once, sign group after group, log out at close. */
export class SigningOperation {
  signed = 0;
  private closed = false;
  private readonly formatter: ItemFormatter;

  private constructor(
    private readonly worker: TokenWorker,
    readonly entry: CertificateEntry,
    private readonly handle: number,
    private readonly options: SigningOptions,
  ) {
    this.formatter = new ItemFormatter(entry, options);
  }

  /** Logs in (a PIN pad or vendor dialog may take as long as loginTimeoutMs). */
  static async open(
    worker: TokenWorker,
    entry: CertificateEntry,
    pin: string | null,
    options: SigningOptions,
  ): Promise<SigningOperation> {
    const { handle } = await worker.call(
      { op: 'open-signing', certificateId: entry.id, pin },
      options.loginTimeoutMs,
    );
    return new SigningOperation(worker, entry, handle, options);
  }

  /** A CAdES-BES SignedData around the digest (signingTime omitted for PAdES); CAdES-T with `timestamp`. */
  async signCms(request: CmsRequest): Promise<string> {
    return cmsOf((await this.signItems([cmsItem(request)]))[0]);
  }

  /** A bare signature: RSA PKCS#1 v1.5 or PSS, or ECDSA r‖s. */
  async signRaw(request: RawRequest): Promise<string> {
    return signatureOf((await this.signItems([rawItem(request)]))[0]);
  }

  /**
   * Each item independently: one failure is reported in its place, the rest still sign. Each group
   * goes to the worker as soon as it is prepared, without waiting for the group before it: while
   * the token signs group n, the host prepares n+1 and finishes n−1.
   */
  async signItems(items: SignItem[]): Promise<SignItemResult[]> {
    const groups: SignItem[][] = [];
    for (let i = 0; i < items.length; i += GROUP_SIZE) groups.push(items.slice(i, i + GROUP_SIZE));
    const results = (
      await Promise.all(groups.map((group) => this.formatter.run(group, (toSign) => this.signGroup(toSign))))
    ).flat();
    this.signed += results.filter((r) => r.ok).length;
    return results;
  }

  private async signGroup(toSign: DigestToSign[]): Promise<ItemSignature[]> {
    // Pipelined: sent as soon as it is prepared, behind the groups the token is still signing.
    const groups = packGroups(toSign);
    const answers = await Promise.all(
      groups.map((group) =>
        this.worker.pipeline(
          { op: 'sign-with', handle: this.handle, group },
          this.options.timeoutMs * groupSize(group),
        ),
      ),
    );
    return unpackGroups(groups, answers);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.worker.call({ op: 'close-signing', handle: this.handle }, this.options.timeoutMs);
    } catch {
      // a worker that died took its login with it
    }
  }
}
