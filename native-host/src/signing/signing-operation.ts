/**
 * One consented signing operation on the token: log in once, sign one or many items, log out.
 * A single signature is an operation of one item; a batch keeps the operation open between calls.
 */
import { assembleSignedData, ecdsaRawToDer, prepareSignedAttributes, type CadesOptions, type PreparedSignedAttributes } from '../../../shared/cms/cades.js';
import { digest as digestOf } from '../../../shared/cms/digest.js';
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import type { CertificateEntry, DigestAlgorithm, RsaScheme } from '../../../shared/protocol/common.js';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import type { SignItem, SignItemResult } from '../../../shared/protocol/host.js';
import type { TokenWorker } from '../worker/client.js';
import type { DigestToSign } from '../worker/messages.js';

/** Items per worker round trip: small enough that preparing the next group overlaps signing this one. */
const GROUP_SIZE = 8;

interface PreparedItem {
  item: SignItem;
  toSign: DigestToSign;
  cms?: { options: CadesOptions; prepared: PreparedSignedAttributes };
}

export class SigningOperation {
  signed = 0;
  private closed = false;

  private constructor(
    private readonly worker: TokenWorker,
    readonly entry: CertificateEntry,
    private readonly handle: number,
    private readonly timeoutMs: number,
    private readonly now: () => Date,
  ) {}

  /** Logs in (a PIN pad or vendor dialog may take as long as loginTimeoutMs). */
  static async open(
    worker: TokenWorker,
    entry: CertificateEntry,
    pin: string | null,
    options: { loginTimeoutMs: number; timeoutMs: number; now: () => Date },
  ): Promise<SigningOperation> {
    const { handle } = await worker.call({ op: 'open-signing', certificateId: entry.id, pin }, options.loginTimeoutMs);
    return new SigningOperation(worker, entry, handle, options.timeoutMs, options.now);
  }

  /** A CAdES-BES SignedData around the digest (signingTime omitted for PAdES). */
  async signCms(digest: string, digestAlgorithm: DigestAlgorithm, signingTime: boolean, rsaScheme?: RsaScheme): Promise<string> {
    const [result] = await this.signItems([{ kind: 'cms', digest, digestAlgorithm, signingTime, ...(rsaScheme && { rsaScheme }) }]);
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
    const prepared = await Promise.all(group.map((item) => this.prepare(item)));
    let signatures;
    try {
      ({ results: signatures } = await this.worker.call(
        { op: 'sign-with', handle: this.handle, items: prepared.map((p) => p.toSign) },
        this.timeoutMs * group.length,
      ));
    } catch (error) {
      const wire = toWireError(error);
      return group.map(() => ({ ok: false, error: wire }));
    }
    return prepared.map((p, i) => {
      const signature = signatures[i];
      if (!signature) return { ok: false, error: new KysoError('INTERNAL').toWire() };
      if (!signature.ok) return { ok: false, error: signature.error };
      this.signed++;
      if (!p.cms) return { ok: true, signature: bytesToBase64(signature.signature) };
      const value = this.entry.keyType === 'EC' ? ecdsaRawToDer(signature.signature) : signature.signature;
      return { ok: true, cms: bytesToBase64(assembleSignedData(p.cms.options, p.cms.prepared, this.entry.keyType, value, p.item.rsaScheme)) };
    });
  }

  private async prepare(item: SignItem): Promise<PreparedItem> {
    const documentDigest = base64ToBytes(item.digest);
    const rsaScheme = item.rsaScheme;
    if (item.kind === 'raw') return { item, toSign: { digest: documentDigest, digestAlgorithm: item.digestAlgorithm, rsaScheme } };
    const options: CadesOptions = {
      contentDigest: documentDigest,
      digestAlgorithm: item.digestAlgorithm,
      signerCertificate: base64ToBytes(this.entry.certificate),
      signingTime: item.signingTime ? this.now() : null,
    };
    const prepared = await prepareSignedAttributes(options);
    return {
      item,
      toSign: { digest: await digestOf(item.digestAlgorithm, prepared.toBeSigned), digestAlgorithm: item.digestAlgorithm, data: prepared.toBeSigned, rsaScheme },
      cms: { options, prepared },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.worker.call({ op: 'close-signing', handle: this.handle }, this.timeoutMs);
    } catch {
      // a worker that died took its login with it
    }
  }
}
