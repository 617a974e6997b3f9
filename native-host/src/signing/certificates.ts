/**
 * The certificates on every token, as the protocol describes them (the worker only reads bytes),
 * read and used through the per-token queue.
 */
import { summarizeCertificate } from '../../../shared/certificate/profile.js';
import { base64ToBytes } from '../../../shared/encoding.js';
import type { CertificateEntry } from '../../../shared/protocol/common.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { parseCertificateId } from '../worker/certificate-identity.js';
import type { TokenCertificate } from '../worker/messages.js';
import type { TokenWorker } from '../worker/token-worker.js';
import type { LeaseOptions, TokenLease, TokenQueue } from './token-queue.js';

export interface CertificateListing {
  certificates: CertificateEntry[];
  moduleErrors: Array<{ module: string; error: string }>;
}

/** Certificates kyso can sign with (RSA, EC), at most LIMITS.maxCertificates; unparsable ones skipped. */
function toEntries(certificates: readonly TokenCertificate[]): CertificateEntry[] {
  const entries: CertificateEntry[] = [];
  for (const c of certificates) {
    try {
      const { keyType } = summarizeCertificate(base64ToBytes(c.certificate));
      if (keyType === 'other') continue; // a key kyso cannot sign with
      entries.push({ ...c, keyType });
    } catch {
      // an unparsable certificate object is skipped, never fatal
    }
    if (entries.length === LIMITS.maxCertificates) break;
  }
  return entries;
}

/** One process's whole listing, no queue: for one-shot commands (kyso list, doctor). */
export async function listTokenCertificates(
  worker: TokenWorker,
  timeoutMs: number,
): Promise<CertificateListing> {
  const { certificates, moduleErrors } = await worker.call({ op: 'list' }, timeoutMs);
  return { certificates: toEntries(certificates), moduleErrors };
}

/**
 * A token's listing this recent (the one the consent window showed, typically) serves the signature
 * that follows, instead of reading the token again: the worker still finds the private key by its id
 * on the token at login, and the expiry and PIN state are checked again then. As long as a consent
 * waits for the user by default.
 */
export const LISTING_REUSE_MS = LIMITS.userInteractionTimeoutMs;

/**
 * The tokens as a long-running host sees them: every listing and every login goes through the
 * queue of the token concerned. A listing waits for a token another program is using only if it
 * has never seen that token; otherwise it answers with what it read last (certificates do not
 * change while someone signs), so a consent window opens at once.
 */
export class QueuedTokens {
  private readonly lastSeen = new Map<string, TokenCertificate[]>();
  /** When each token was last read (Date.now()). */
  private readonly readAt = new Map<string, number>();

  constructor(
    readonly worker: TokenWorker,
    readonly queue: TokenQueue,
    private readonly timeoutMs: number,
  ) {}

  async list(options: LeaseOptions): Promise<CertificateListing> {
    const present = await this.worker.call({ op: 'tokens' }, this.timeoutMs);
    const leases: TokenLease[] = [];
    const toRead: string[] = [];
    const remembered: TokenCertificate[] = [];
    try {
      for (const serial of present.serials) {
        if (this.queue.isHeld(serial)) {
          // Our own operation has it: the worker runs one call at a time, so a read never lands inside a login.
          toRead.push(serial);
          continue;
        }
        const known = this.lastSeen.get(serial);
        try {
          leases.push(await this.queue.acquire(serial, known ? { waitMs: 0 } : options));
          toRead.push(serial);
        } catch (error) {
          if (!(error instanceof KysoError) || error.code !== 'BUSY') throw error;
          if (known) remembered.push(...known);
          else toRead.push(serial); // waited long enough: read it anyway, a read changes nothing
        }
      }
      const listing =
        toRead.length > 0
          ? await this.worker.call({ op: 'list', serials: toRead }, this.timeoutMs)
          : { ...present, certificates: [] };
      this.remember(toRead, listing.certificates);
      return {
        certificates: toEntries([...listing.certificates, ...remembered]),
        moduleErrors: listing.moduleErrors,
      };
    } finally {
      for (const lease of leases) lease.release();
    }
  }

  private remember(serials: readonly string[], certificates: readonly TokenCertificate[]): void {
    const now = Date.now();
    for (const serial of serials) this.readAt.set(serial, now);
    for (const serial of serials)
      this.lastSeen.set(
        serial,
        certificates.filter((c) => c.token.serial === serial),
      );
  }

  /**
   * The token of `certificateId` for one consented operation: queued (waiting as `options` allow),
   * then the certificate as the token has it now. The caller releases the lease.
   */
  async acquire(
    certificateId: string,
    options: LeaseOptions,
  ): Promise<{ lease: TokenLease; entry: CertificateEntry | undefined }> {
    const { tokenSerial } = parseCertificateId(certificateId);
    const lease = await this.queue.acquire(tokenSerial, options);
    const recent = this.recentEntry(tokenSerial, certificateId);
    if (recent) return { lease, entry: recent };
    try {
      const { certificates } = await this.worker.call({ op: 'list', serials: [tokenSerial] }, this.timeoutMs);
      this.remember([tokenSerial], certificates);
      return { lease, entry: toEntries(certificates).find((c) => c.id === certificateId) };
    } catch (error) {
      lease.release();
      throw error;
    }
  }

  /** The certificate from the token's last listing, if that is recent and did not find the PIN locked. */
  private recentEntry(tokenSerial: string, certificateId: string): CertificateEntry | undefined {
    const readAt = this.readAt.get(tokenSerial);
    if (readAt === undefined || Date.now() - readAt > LISTING_REUSE_MS) return undefined;
    const entry = toEntries(this.lastSeen.get(tokenSerial) ?? []).find((c) => c.id === certificateId);
    return entry?.token.pinLocked ? undefined : entry;
  }
}
