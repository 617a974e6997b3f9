/**
 * One consented signing operation on the token: log in once, sign one or many items, log out.
 * A single signature is an operation of one item; a batch keeps the operation open between calls.
 */
import { signCades, type DigestSigner } from '../../../shared/cms/cades.js';
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import type { CertificateEntry } from '../../../shared/protocol/common.js';
import { toWireError } from '../../../shared/protocol/errors.js';
import type { SignItem, SignItemResult } from '../../../shared/protocol/host.js';
import type { TokenWorker } from '../worker/client.js';

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

  private get signer(): DigestSigner {
    return {
      keyType: this.entry.keyType,
      signDigest: async (digest, digestAlgorithm, data) => {
        const { signature } = await this.worker.call(
          { op: 'sign-with', handle: this.handle, digest, digestAlgorithm, data },
          this.timeoutMs,
        );
        return signature;
      },
    };
  }

  /** A CAdES-BES SignedData around the digest (signingTime omitted for PAdES). */
  async signCms(digest: string, digestAlgorithm: SignItem['digestAlgorithm'], signingTime: boolean): Promise<string> {
    const cms = await signCades(
      {
        contentDigest: base64ToBytes(digest),
        digestAlgorithm,
        signerCertificate: base64ToBytes(this.entry.certificate),
        signingTime: signingTime ? this.now() : null,
      },
      this.signer,
    );
    this.signed++;
    return bytesToBase64(cms);
  }

  /** A bare signature: RSA PKCS#1 v1.5, or ECDSA r‖s. */
  async signRaw(digest: string, digestAlgorithm: SignItem['digestAlgorithm']): Promise<string> {
    const signature = await this.signer.signDigest(base64ToBytes(digest), digestAlgorithm);
    this.signed++;
    return bytesToBase64(signature);
  }

  /** Each item independently: one failure is reported in its place, the rest still sign. */
  async signItems(items: SignItem[]): Promise<SignItemResult[]> {
    const results: SignItemResult[] = [];
    for (const item of items) {
      try {
        results.push(
          item.kind === 'cms'
            ? { ok: true, cms: await this.signCms(item.digest, item.digestAlgorithm, item.signingTime) }
            : { ok: true, signature: await this.signRaw(item.digest, item.digestAlgorithm) },
        );
      } catch (error) {
        results.push({ ok: false, error: toWireError(error) });
      }
    }
    return results;
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
