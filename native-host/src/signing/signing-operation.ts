/**
 * One consented signing operation on the token: log in once, sign one or many items, log out.
 * A single signature is an operation of one item; a batch keeps the operation open between calls.
 */
import { assembleSignedData, ecdsaRawToDer, prepareSignedAttributes, type CadesOptions, type PreparedSignedAttributes } from '../../../shared/cms/cades.js';
import { digest as digestOf } from '../../../shared/cms/digest.js';
import { addSignatureTimestamp } from '../../../shared/cms/timestamp.js';
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import type { CertificateEntry, DigestAlgorithm, RsaScheme } from '../../../shared/protocol/common.js';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import type { SignItem, SignItemResult } from '../../../shared/protocol/host.js';
import type { TokenWorker } from '../worker/client.js';
import type { DigestToSign, SignatureResult } from '../worker/messages.js';

/** Items per worker round trip: small enough that preparing the next group overlaps signing this one. */
const GROUP_SIZE = 8;

interface PreparedItem {
  item: SignItem;
  toSign: DigestToSign;
  cms?: { options: CadesOptions; prepared: PreparedSignedAttributes; timestamp: boolean };
}

export interface SigningOperationOptions {
  /** Per token call. */
  timeoutMs: number;
  now: () => Date;
  /** Where CMS items asking for a time-stamp get it (CAdES-T); without it they fail TSA_NOT_CONFIGURED. */
  tsaUrl?: string;
  /** Per time-stamp request (default: the TSA client's 30 s). */
  tsaTimeoutMs?: number;
}

export class SigningOperation {
  signed = 0;
  private closed = false;

  private constructor(
    private readonly worker: TokenWorker,
    readonly entry: CertificateEntry,
    private readonly handle: number,
    private readonly options: SigningOperationOptions,
  ) {}

  /** Logs in (a PIN pad or vendor dialog may take as long as loginTimeoutMs). */
  static async open(
    worker: TokenWorker,
    entry: CertificateEntry,
    pin: string | null,
    options: SigningOperationOptions & { loginTimeoutMs: number },
  ): Promise<SigningOperation> {
    const { handle } = await worker.call({ op: 'open-signing', certificateId: entry.id, pin }, options.loginTimeoutMs);
    return new SigningOperation(worker, entry, handle, options);
  }

  /** A CAdES-BES SignedData around the digest (signingTime omitted for PAdES); CAdES-T with `timestamp`. */
  async signCms(digest: string, digestAlgorithm: DigestAlgorithm, signingTime: boolean, rsaScheme?: RsaScheme, timestamp = false): Promise<string> {
    const [result] = await this.signItems([{ kind: 'cms', digest, digestAlgorithm, signingTime, timestamp, ...(rsaScheme && { rsaScheme }) }]);
    if (!result!.ok) throw KysoError.fromWire(result!.error);
    return (result as { cms: string }).cms;
  }

  /** A bare signature: RSA PKCS#1 v1.5, or ECDSA r‖s. */
  async signRaw(digest: string, digestAlgorithm: DigestAlgorithm, rsaScheme?: RsaScheme): Promise<string> {
    const [result] = await this.signItems([{ kind: 'raw', digest, digestAlgorithm, ...(rsaScheme && { rsaScheme }) }]);
    if (!result!.ok) throw KysoError.fromWire(result!.error);
    return (result as { signature: string }).signature;
  }

  /**
   * Each item independently: one failure is reported in its place, the rest still sign. Groups go
   * to the worker one after another while the next group is being prepared here.
   */
  async signItems(items: SignItem[]): Promise<SignItemResult[]> {
    const groups: SignItem[][] = [];
    for (let i = 0; i < items.length; i += GROUP_SIZE) groups.push(items.slice(i, i + GROUP_SIZE));
    const results = await Promise.all(groups.map((group) => this.signGroup(group)));
    return results.flat();
  }

  private async signGroup(group: SignItem[]): Promise<SignItemResult[]> {
    // An item that cannot be prepared (no TSA for a CAdES-T item) fails alone; the rest still sign.
    const results = new Array<SignItemResult | undefined>(group.length);
    const prepared: Array<{ index: number; item: PreparedItem }> = [];
    await Promise.all(
      group.map(async (item, index) => {
        try {
          prepared.push({ index, item: await this.prepare(item) });
        } catch (error) {
          results[index] = { ok: false, error: toWireError(error) };
        }
      }),
    );
    prepared.sort((a, b) => a.index - b.index);
    let signatures: SignatureResult[] = [];
    try {
      if (prepared.length > 0) {
        ({ results: signatures } = await this.worker.call(
          { op: 'sign-with', handle: this.handle, items: prepared.map((p) => p.item.toSign) },
          this.options.timeoutMs * prepared.length,
        ));
      }
    } catch (error) {
      const wire = toWireError(error);
      return group.map((_, index) => results[index] ?? { ok: false, error: wire });
    }
    await Promise.all(prepared.map(async ({ index, item }, i) => (results[index] = await this.finish(item, signatures[i]))));
    return results as SignItemResult[];
  }

  private async finish(p: PreparedItem, signature: SignatureResult | undefined): Promise<SignItemResult> {
    if (!signature) return { ok: false, error: new KysoError('INTERNAL').toWire() };
    if (!signature.ok) return { ok: false, error: signature.error };
    this.signed++;
    if (!p.cms) return { ok: true, signature: bytesToBase64(signature.signature) };
    const value = this.entry.keyType === 'EC' ? ecdsaRawToDer(signature.signature) : signature.signature;
    const rsaScheme = p.item.kind === 'cms' ? p.item.rsaScheme : undefined;
    let cms = assembleSignedData(p.cms.options, p.cms.prepared, this.entry.keyType, value, rsaScheme);
    if (p.cms.timestamp) {
      try {
        cms = await this.timestamp(cms);
      } catch (error) {
        return { ok: false, error: toWireError(error) };
      }
    }
    return { ok: true, cms: bytesToBase64(cms) };
  }

  /** CAdES-T: the TSA time-stamps the signature value (the host has the network; the extension needs no host permissions). */
  private timestamp(cms: Uint8Array): Promise<Uint8Array> {
    if (!this.options.tsaUrl) throw new KysoError('TSA_NOT_CONFIGURED');
    return addSignatureTimestamp(cms, this.options.tsaUrl, this.options.tsaTimeoutMs ? { timeoutMs: this.options.tsaTimeoutMs } : {});
  }

  private async prepare(item: SignItem): Promise<PreparedItem> {
    if (item.kind === 'sha1-digest-info') {
      // The schema admitted exactly prefix ‖ 20 bytes; the worker re-adds the same prefix.
      const digestInfo = base64ToBytes(item.digestInfo);
      return { item, toSign: { digest: digestInfo.subarray(digestInfo.length - 20), digestAlgorithm: 'SHA-1' } };
    }
    const documentDigest = base64ToBytes(item.digest);
    const rsaScheme = item.rsaScheme;
    if (item.kind === 'raw') return { item, toSign: { digest: documentDigest, digestAlgorithm: item.digestAlgorithm, rsaScheme } };
    if (item.timestamp && !this.options.tsaUrl) throw new KysoError('TSA_NOT_CONFIGURED');
    const options: CadesOptions = {
      contentDigest: documentDigest,
      digestAlgorithm: item.digestAlgorithm,
      signerCertificate: base64ToBytes(this.entry.certificate),
      signingTime: item.signingTime ? this.options.now() : null,
    };
    const prepared = await prepareSignedAttributes(options);
    return {
      item,
      toSign: {
        digest: await digestOf(item.digestAlgorithm, prepared.toBeSigned),
        digestAlgorithm: item.digestAlgorithm,
        data: prepared.toBeSigned,
        rsaScheme,
      },
      cms: { options, prepared, timestamp: item.timestamp === true },
    };
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
