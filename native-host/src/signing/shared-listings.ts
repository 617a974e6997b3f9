/**
 * What the user's kyso processes last read from each token, kept beside its lock (one file per
 * token and module, in the lock folder): a process's first listing may find no token at all while
 * another program is in it — a driver may not report a token another process is using (SoftHSM
 * while it rewrites the token file, a card reader in another program's transaction) — and has
 * nothing of its own to show. The lock says the token is in use there (so plugged in); this says
 * what is on it. Shown only: a signature with it reads the token again under its lock first.
 */
import { lstatSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { moduleKey, parseCertificateId } from '../worker/certificate-identity.js';
import { TokenCertificateSchema, type TokenCertificate } from '../worker/messages.js';
import type { TokenLocks } from './token-lock.js';

/** A file any process of the user may write: read only when whole and in shape. */
const ListingFileSchema = z.array(TokenCertificateSchema).max(LIMITS.maxCertificates * 4);
const MAX_FILE_BYTES = 4 << 20;

export class SharedListings {
  /** file → what this process wrote there last (written again only when it changes). */
  private readonly written = new Map<string, string>();

  constructor(
    private readonly locks: TokenLocks,
    /** This process's modules: another program's certificate ids name its own modules. */
    private readonly modulePaths: () => readonly string[],
  ) {}

  private fileFor(serial: string, module: string): string {
    return `${this.locks.fileFor(serial)}.certificates-${module}`;
  }

  /** What was just read from these tokens (their certificates among `certificates`), for the others. */
  publish(serials: readonly string[], certificates: readonly TokenCertificate[]): void {
    for (const serial of serials) {
      const byModule = new Map<string, TokenCertificate[]>();
      for (const certificate of certificates) {
        if (certificate.token.serial !== serial) continue;
        const { moduleKey: module } = parseCertificateId(certificate.id);
        byModule.set(module, [...(byModule.get(module) ?? []), certificate]);
      }
      for (const [module, onToken] of byModule) this.write(this.fileFor(serial, module), onToken);
    }
  }

  private write(file: string, certificates: TokenCertificate[]): void {
    const text = JSON.stringify(certificates);
    if (this.written.get(file) === text) return;
    try {
      // Replaced whole (rename): a reader never sees half of it.
      const temporary = `${file}.${randomUUID()}.tmp`;
      writeFileSync(temporary, text, { mode: 0o600 });
      renameSync(temporary, file);
      this.written.set(file, text);
    } catch {
      // a courtesy to the others: without it, their first listing may only miss this token
    }
  }

  /**
   * The tokens another kyso process is using now, with what was last read from them through one of
   * this process's modules; a token nobody has read that way yet is left out.
   */
  inUseElsewhere(): Array<{ serial: string; certificates: TokenCertificate[] }> {
    const modules = this.modulePaths().map(moduleKey);
    const tokens: Array<{ serial: string; certificates: TokenCertificate[] }> = [];
    for (const serial of this.locks.heldElsewhere()) {
      const certificates = modules.flatMap((module) =>
        this.read(this.fileFor(serial, module), serial, module),
      );
      if (certificates.length > 0) tokens.push({ serial, certificates });
    }
    return tokens;
  }

  private read(file: string, serial: string, module: string): TokenCertificate[] {
    try {
      const stat = lstatSync(file);
      if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return [];
      const parsed = ListingFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!parsed.success) return [];
      return parsed.data.filter((certificate) => {
        const ref = parseCertificateId(certificate.id);
        return ref.moduleKey === module && ref.tokenSerial === serial && certificate.token.serial === serial;
      });
    } catch {
      return []; // none written for this module, or not readable
    }
  }
}
