/**
 * The certificates on every token, as the protocol describes them (the worker only reads bytes),
 * read and used through the per-token queue.
 */
import { issuersAmong } from '../../../shared/certificate/issuer-names.js';
import { summarizeCertificate } from '../../../shared/certificate/profile.js';
import type { CertificateEntry } from '../../../shared/protocol/common.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { parseCertificateId } from '../worker/certificate-identity.js';
import {
  noteSkipped,
  type ModuleError,
  type SkippedObjects,
  type TokenCertificate,
} from '../worker/messages.js';
import type { TokenWorker } from '../worker/token-worker.js';
import type { SharedListings } from './shared-listings.js';
import type { LeaseOptions, TokenLease, TokenQueue } from './token-queue.js';

export interface CertificateListing {
  certificates: CertificateEntry[];
  moduleErrors: ModuleError[];
  /** Certificate objects left out, per token, and why: a certificate the user misses is explained. */
  skippedObjects: SkippedObjects[];
}

const decoded = new WeakMap<CertificateEntry, Uint8Array>();
/**
 * A listed entry's certificate bytes, decoded once per listing: every signature with it then finds
 * its summary and its CMS signer data by this same object (shared/memo.ts), without a key to build.
 */
export function certificateBytes(entry: CertificateEntry): Uint8Array {
  let bytes = decoded.get(entry);
  if (!bytes) decoded.set(entry, (bytes = Buffer.from(entry.certificate, 'base64')));
  return bytes;
}

const BEYOND_LIMIT = `more than ${LIMITS.maxCertificates} certificates on the tokens: only the first ${LIMITS.maxCertificates} are listed`;

/**
 * Certificates kyso can sign with (RSA, EC), at most LIMITS.maxCertificates; one of another key,
 * one that does not parse and one past the limit are left out, never fatal, and counted in
 * `skipped` when given.
 */
function toEntries(
  certificates: readonly TokenCertificate[],
  skipped?: SkippedObjects[],
): CertificateEntry[] {
  const entries: CertificateEntry[] = [];
  const skip = (c: TokenCertificate, reason: string) => skipped && noteSkipped(skipped, c.token, reason);
  for (const c of certificates) {
    let keyType;
    try {
      keyType = summarizeCertificate(Buffer.from(c.certificate, 'base64')).keyType;
    } catch {
      skip(c, 'not a readable X.509 certificate');
      continue;
    }
    if (keyType === 'other') skip(c, 'a key kyso cannot sign with (neither RSA nor EC)');
    else if (entries.length === LIMITS.maxCertificates) skip(c, BEYOND_LIMIT);
    else entries.push({ ...c, keyType });
  }
  return entries;
}

/** A listing: the usable certificates, and what the worker left out with what toEntries leaves out. */
function listingOf(
  certificates: readonly TokenCertificate[],
  skipped: readonly SkippedObjects[],
  moduleErrors: ModuleError[],
): CertificateListing {
  const skippedObjects = skipped.map((s) => ({ ...s, reasons: [...s.reasons] }));
  return { certificates: toEntries(certificates, skippedObjects), moduleErrors, skippedObjects };
}

/** A token in use by another request or program, or stuck in a driver call that never returned: listed as last seen. */
const inUse = (error: unknown) =>
  error instanceof KysoError && (error.code === 'BUSY' || error.code === 'TOKEN_NOT_RESPONDING');

/**
 * One process's whole listing, no queue: for one-shot commands (kyso list, doctor), which also say
 * which certificate objects were left out.
 */
export async function listTokenCertificates(
  worker: TokenWorker,
  timeoutMs: number,
): Promise<CertificateListing> {
  const { certificates, moduleErrors, skippedObjects } = await worker.call({ op: 'list' }, timeoutMs);
  return listingOf(certificates, skippedObjects, moduleErrors);
}

/**
 * The tokens as a long-running host sees them: every listing and every login goes through the
 * queue of the token concerned. A listing waits for a token another program is using only if it
 * has never seen that token; otherwise it answers with what it read last (certificates do not
 * change while someone signs), so a consent window opens at once.
 */
export class QueuedTokens {
  private readonly lastSeen = new Map<string, TokenCertificate[]>();
  /** What the last reading of each token left out (none: a token read whole, or only seen elsewhere). */
  private readonly lastSkipped = new Map<string, SkippedObjects>();
  /** The tokens present at the last listing, and what the modules said. */
  private lastPresent: { serials: string[]; moduleErrors: CertificateListing['moduleErrors'] } | undefined;
  /** The usable entries of the last listing of each token, by certificate id. */
  private readonly entries = new Map<string, CertificateEntry>();
  /** issuersOf's answers, for as long as their entry is the one listed (a new listing makes new entries). */
  private readonly issuers = new WeakMap<CertificateEntry, readonly Uint8Array[]>();

  constructor(
    readonly worker: TokenWorker,
    readonly queue: TokenQueue,
    private readonly timeoutMs: number,
    /** What the user's other kyso processes read (and this one reads) from each token. */
    private readonly shared?: SharedListings,
  ) {}

  async list(options: LeaseOptions): Promise<CertificateListing> {
    // A batch of this host is signing: the worker would answer only after the groups already sent
    // (seconds on a slow token). What was read last is answered instead: the batch's token is ours
    // (its certificates cannot change meanwhile), and the others were read at the last listing.
    if (this.worker.batchSigning && this.lastPresent) {
      const { serials, moduleErrors } = this.lastPresent;
      return this.lastListingOf(serials, moduleErrors);
    }
    let present = await this.worker.call({ op: 'tokens' }, this.timeoutMs);
    const leases: TokenLease[] = [];
    const toRead: string[] = [];
    const remembered: TokenCertificate[] = [];
    try {
      // Looking for tokens takes no lock: a token another program is logging in to may be missing
      // from what its driver says meanwhile (SoftHSM rewrites its token file; a card reader is in
      // another's transaction). A token seen before and missing now is looked for again under its
      // lock: in use (BUSY), it is there; its lock taken, what the driver says is the truth.
      const missing = [...this.lastSeen.keys()].filter(
        (serial) => !present.serials.includes(serial) && !this.queue.isHeld(serial),
      );
      let confirmed = false;
      const stillThere: string[] = [];
      for (const serial of missing) {
        try {
          leases.push(await this.queue.acquire(serial, { waitMs: 0 }));
          confirmed = true;
        } catch (error) {
          if (!inUse(error)) throw error;
          remembered.push(...(this.lastSeen.get(serial) ?? []));
          stillThere.push(serial);
        }
      }
      if (confirmed) present = await this.worker.call({ op: 'tokens' }, this.timeoutMs);
      for (const lease of leases) if (!present.serials.includes(lease.serial)) this.forget(lease.serial);
      for (const serial of present.serials) {
        if (leases.some((lease) => lease.serial === serial)) {
          toRead.push(serial); // looked for again under its lock, above
          continue;
        }
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
          if (!inUse(error)) throw error;
          if (known) remembered.push(...known);
          else toRead.push(serial); // waited long enough: read it anyway, a read changes nothing
        }
      }
      // A token never seen here, not reported by the driver, that another kyso program is in: it
      // is plugged in; listed as that program last read it, and looked for again as one seen before.
      for (const { serial, certificates, skipped } of this.shared?.inUseElsewhere() ?? []) {
        if (present.serials.includes(serial) || this.lastSeen.has(serial)) continue;
        this.lastSeen.set(serial, certificates); // not this.entries: a signature reads the token first
        if (skipped) this.lastSkipped.set(serial, skipped);
        remembered.push(...certificates);
        stillThere.push(serial);
      }
      const listing =
        toRead.length > 0
          ? await this.worker.call({ op: 'list', serials: toRead }, this.timeoutMs)
          : { ...present, certificates: [], skippedObjects: [] };
      this.remember(toRead, listing.certificates, listing.skippedObjects);
      this.lastPresent = { serials: [...present.serials, ...stillThere], moduleErrors: listing.moduleErrors };
      return listingOf(
        [...listing.certificates, ...remembered],
        this.skippedOn([...present.serials, ...stillThere]),
        listing.moduleErrors,
      );
    } finally {
      for (const lease of leases) lease.release();
    }
  }

  /** The tokens' certificates and left-out objects as last read. */
  private lastListingOf(serials: readonly string[], moduleErrors: ModuleError[]): CertificateListing {
    return listingOf(
      serials.flatMap((s) => this.lastSeen.get(s) ?? []),
      this.skippedOn(serials),
      moduleErrors,
    );
  }

  private skippedOn(serials: readonly string[]): SkippedObjects[] {
    return serials.flatMap((s) => this.lastSkipped.get(s) ?? []);
  }

  /** A token that is gone (confirmed under its lock): never looked for again until listed again. */
  private forget(serial: string): void {
    this.lastSeen.delete(serial);
    this.lastSkipped.delete(serial);
    for (const [id, entry] of this.entries) if (entry.token.serial === serial) this.entries.delete(id);
  }

  private remember(
    serials: readonly string[],
    certificates: readonly TokenCertificate[],
    skipped: readonly SkippedObjects[],
  ): void {
    this.shared?.publish(serials, certificates, skipped);
    for (const serial of serials) {
      const onToken = certificates.filter((c) => c.token.serial === serial);
      this.lastSeen.set(serial, onToken);
      const left = skipped.find((s) => s.tokenSerial === serial);
      if (left) this.lastSkipped.set(serial, left);
      else this.lastSkipped.delete(serial);
      for (const [id, entry] of this.entries) if (entry.token.serial === serial) this.entries.delete(id);
      for (const entry of toEntries(onToken)) this.entries.set(entry.id, entry);
    }
  }

  /**
   * The CA certificates `entry`'s token held above it at its last listing, nearest first (a token
   * often carries its CA's): each CMS carries them, and a form's seed value may name one of them
   * as the signer's issuer. Found once per listed entry (a signature asks each time).
   */
  issuersOf(entry: CertificateEntry): readonly Uint8Array[] {
    const listed = this.entries.get(entry.id) ?? entry;
    let issuers = this.issuers.get(listed);
    if (!issuers) {
      const onToken = [...this.entries.values()].filter((e) => e.token.serial === entry.token.serial);
      issuers = issuersAmong(certificateBytes(listed), onToken.map(certificateBytes));
      this.issuers.set(listed, issuers);
    }
    return issuers;
  }

  /** The certificate as last listed (undefined: not seen on its token's last listing). */
  entry(certificateId: string): CertificateEntry | undefined {
    return this.entries.get(certificateId);
  }

  /** The token's certificates read again now (after the worker found another under an id). */
  async relist(tokenSerial: string): Promise<void> {
    const { certificates, skippedObjects } = await this.worker.call(
      { op: 'list', serials: [tokenSerial] },
      this.timeoutMs,
    );
    this.remember([tokenSerial], certificates, skippedObjects);
  }

  /**
   * The token of `certificateId` for one consented operation: queued (waiting as `options` allow),
   * then the certificate as last listed — listed now if never seen, if `fresh` is asked, or if the
   * listing said its PIN was locked. A single signature sends this certificate along and the worker
   * checks the token still holds it (so no listing of its own); a batch asks `fresh`. The caller
   * releases the lease.
   */
  async acquire(
    certificateId: string,
    options: LeaseOptions,
    fresh = false,
  ): Promise<{ lease: TokenLease; entry: CertificateEntry | undefined }> {
    const { tokenSerial } = parseCertificateId(certificateId);
    const lease = await this.queue.acquire(tokenSerial, options);
    try {
      const remembered = this.entries.get(certificateId);
      if (fresh || !remembered || remembered.token.pinLocked) await this.relist(tokenSerial);
      return { lease, entry: this.entries.get(certificateId) };
    } catch (error) {
      lease.release();
      throw error;
    }
  }
}
