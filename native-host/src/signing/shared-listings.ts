/**
 * What the user's kyso processes last read from each token, kept beside its lock (one file per
 * token and module, in the lock folder): a process's first listing may find no token at all while
 * another program is in it — a driver may not report a token another process is using (SoftHSM
 * while it rewrites the token file, a card reader in another program's transaction) — and has
 * nothing of its own to show. The lock says the token is in use there (so plugged in); this says
 * what is on it, and how many certificate objects its reading left out (one file per token: the
 * window says so, as for a token it read itself). Shown only: a signature with it reads the token
 * again under its lock first.
 */
import { lstatSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { moduleKey, parseCertificateId } from '../worker/certificate-identity.js';
import {
  SkippedObjectsSchema,
  TokenCertificateSchema,
  type SkippedObjects,
  type TokenCertificate,
} from '../worker/messages.js';
import type { TokenLocks } from './token-lock.js';

/** A file any process of the user may write: read only when whole and in shape. */
const ListingFileSchema = z.array(TokenCertificateSchema).max(LIMITS.maxCertificates * 4);
/** What a reading left out of one token (null: nothing). */
const SkippedFileSchema = SkippedObjectsSchema.nullable();
const MAX_FILE_BYTES = 4 << 20;

/** A token another kyso process is in, as it last read it. */
export interface ReadElsewhere {
  serial: string;
  certificates: TokenCertificate[];
  skipped?: SkippedObjects;
}

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

  /** What was just read from these tokens (their certificates among `certificates`, what was left out among `skipped`), for the others. */
  publish(
    serials: readonly string[],
    certificates: readonly TokenCertificate[],
    skipped: readonly SkippedObjects[],
  ): void {
    for (const serial of serials) {
      const left = skipped.find((s) => s.tokenSerial === serial) ?? null;
      this.write(`${this.locks.fileFor(serial)}.skipped`, left);
      const byModule = new Map<string, TokenCertificate[]>();
      for (const certificate of certificates) {
        if (certificate.token.serial !== serial) continue;
        const { moduleKey: module } = parseCertificateId(certificate.id);
        byModule.set(module, [...(byModule.get(module) ?? []), certificate]);
      }
      for (const [module, onToken] of byModule) this.write(this.fileFor(serial, module), onToken);
    }
  }

  private write(file: string, content: TokenCertificate[] | SkippedObjects | null): void {
    const text = JSON.stringify(content);
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
   * this process's modules and what that reading left out; a token with neither is left out.
   */
  inUseElsewhere(): ReadElsewhere[] {
    const modules = this.modulePaths().map(moduleKey);
    const tokens: ReadElsewhere[] = [];
    for (const serial of this.locks.heldElsewhere()) {
      const certificates = modules.flatMap((module) =>
        this.read(this.fileFor(serial, module), serial, module),
      );
      const skipped = this.readSkipped(serial);
      if (certificates.length > 0 || skipped)
        tokens.push({ serial, certificates, ...(skipped && { skipped }) });
    }
    return tokens;
  }

  private readSkipped(serial: string): SkippedObjects | undefined {
    const parsed = SkippedFileSchema.safeParse(this.parsedFile(`${this.locks.fileFor(serial)}.skipped`));
    return parsed.success && parsed.data?.tokenSerial === serial ? parsed.data : undefined;
  }

  /** A file's JSON when it is a whole, small regular file; undefined otherwise. */
  private parsedFile(file: string): unknown {
    try {
      const stat = lstatSync(file);
      if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return undefined;
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return undefined; // none written, or not readable
    }
  }

  private read(file: string, serial: string, module: string): TokenCertificate[] {
    const parsed = ListingFileSchema.safeParse(this.parsedFile(file));
    if (!parsed.success) return [];
    return parsed.data.filter((certificate) => {
      const ref = parseCertificateId(certificate.id);
      return ref.moduleKey === module && ref.tokenSerial === serial && certificate.token.serial === serial;
    });
  }
}
