/**
 * Everything kyso does with PKCS#11, over pkcs11js. Runs only inside the worker process: drivers may
 * print to stdout, block in C_Login, or crash, and none of that may touch the native-messaging stream.
 */
import pkcs11js from 'pkcs11js';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import {
  certificateId,
  moduleKey,
  parseCertificateId,
  trimPadded,
  type CertificateRef,
} from './certificate-identity.js';
import { groupAttempts, keyKindOf, setItemInput, type GroupAttempt, type KeyKind } from './mechanisms.js';
import {
  MAX_CERTIFICATE_ID_CHARS,
  MAX_SIGNATURE_BYTES,
  TOKEN_DIGEST_LENGTH,
  groupSize,
  noteSkipped,
  type DigestToSign,
  type ItemSignature,
  type ModuleError,
  type SignGroup,
  type SignedGroup,
  type SkippedObjects,
  type TokenCertificate,
} from './messages.js';
import { packGroups, unpackGroups } from './sign-groups.js';
import type { TokenInfo } from '../../../shared/protocol/common.js';
import {
  describeToken,
  findAll,
  findOne,
  loginUser,
  logoutAndClose,
  readBool,
  readUlong,
  safeMechanismList,
  signWithAttempts,
  ulongOf,
  type Handle,
  type KeyInSession,
} from './pkcs11-helpers.js';
import { toKysoError } from './pkcs11-errors.js';
import { benchMark } from '../bench-marks.js';

interface LoadedModule {
  path: string;
  /** Short stable name used inside certificate ids. */
  key: string;
  p11: pkcs11js.PKCS11;
  /** false once a key handle found in one login was refused in the next. */
  handlesOutliveLogin?: boolean;
  /** When its C_Initialize was last called (Date.now()): see tokenSerials. */
  initializedAt: number;
}

/**
 * How often, at most, a module is initialised again to see devices plugged in since (tokenSerials):
 * a vendor module can take seconds in C_Initialize, and portals (the plugin shims) list often.
 * KYSO_MODULE_REINITIALIZE_MS overrides it (tests).
 */
export const MODULE_REINITIALIZE_INTERVAL_MS = 10_000;

export interface TokenAccessOptions {
  /** MODULE_REINITIALIZE_INTERVAL_MS unless given. */
  reinitializeAfterMs?: number | undefined;
  /**
   * Told the module a listing is about to call into, and undefined once it is out of it: a driver
   * that crashes or hangs there is then known to the host, which leaves that module out (worker-main.ts).
   */
  listing?: (module: string | undefined) => void;
}

/**
 * What one certificate's key needs to sign, kept between consented operations so that a signature
 * is login, sign, logout and little else: read once after a listing of its token, dropped at the
 * next listing of that token, at any error on it, and when the token is gone.
 */
interface KnownKey {
  key: Handle;
  keyKind: KeyKind;
  alwaysAuthenticate: boolean;
  mechanisms: number[] | undefined;
}

/** The same bytes as a Buffer (what pkcs11js takes), without a copy. */
const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Adds a module's problem to a list unless it is there already. */
function addOnce(errors: ModuleError[], problem: ModuleError): void {
  if (!errors.some((e) => e.module === problem.module && e.error === problem.error)) errors.push(problem);
}

/** A slot's number as the module gives it (CK_SLOT_ID, little-endian in pkcs11js's buffer). */
const slotNumber = (slot: Handle): string =>
  String(slot.length >= 8 ? slot.readBigUInt64LE(0) : slot.readUInt32LE(0));

/** A token as the caches name it: `moduleKey/serial`. */
const tokenOf = (ref: CertificateRef) => `${ref.moduleKey}/${ref.tokenSerial}`;

/** A session kept open on a token (TokenAccess.anchors), with what its token said when it was opened. */
interface Anchor {
  p11: pkcs11js.PKCS11;
  session: Handle;
  slot: Handle;
  token: TokenInfo;
}

/** A logged-in session with its key: one consented operation. */
interface OpenSigning extends KeyInSession {
  handle: number;
  ref: CertificateRef;
  keyKind: KeyKind;
  mechanisms: number[] | undefined;
}

export class TokenAccess {
  private readonly modules: LoadedModule[] = [];
  private readonly open = new Map<number, OpenSigning>();
  private lastHandle = 0;
  /** certificate id → its key, found in an earlier login (see KnownKey). */
  private readonly knownKeys = new Map<string, KnownKey>();
  /** certificate id → its certificate object's handle, found in an earlier session (readCertificate). */
  private readonly certificateHandles = new Map<string, Handle>();
  /**
   * token → one session kept open (never logged in on) while the worker runs: some modules
   * (SoftHSM) invalidate every object handle when a token's last session closes, and with this one
   * open the certificate's handle stays good from one signature to the next. While it answers, the
   * token is still in its slot (a token pulled out takes its sessions with it), so a signature
   * finds the slot through it instead of listing slots and reading token info again.
   */
  private readonly anchors = new Map<string, Anchor>();
  /** Modules that failed to load: for as long as this worker lives. */
  private readonly loadErrors: ModuleError[] = [];
  /**
   * What went wrong in a module during the current listing (from tokenSerials on): a driver's
   * passing failure (SoftHSM while another process rewrites its token file) is not reported as that
   * module's error at every listing after it, until the worker stops.
   */
  private listingErrors: ModuleError[] = [];

  /** Each module's problem: its load, or what failed in it (or in one of its slots) during the last listing. */
  get moduleErrors(): ModuleError[] {
    return [...this.loadErrors, ...this.listingErrors];
  }

  /** Loads each module; one that fails to load is reported and skipped, never hides the others. */
  private readonly reinitializeAfterMs: number;
  private readonly listing: (module: string | undefined) => void;

  constructor(modulePaths: readonly string[], options: TokenAccessOptions = {}) {
    this.reinitializeAfterMs = options.reinitializeAfterMs ?? MODULE_REINITIALIZE_INTERVAL_MS;
    this.listing = options.listing ?? (() => undefined);
    for (const path of modulePaths) this.load(path);
  }

  /** Runs a listing's calls into one module, the module named to `listing` meanwhile. */
  private inModule<T>(module: LoadedModule, calls: () => T): T {
    this.listing(module.path);
    try {
      return calls();
    } finally {
      this.listing(undefined);
    }
  }

  /** Loads and initialises one more module; a failure is reported (moduleErrors) and the module skipped. */
  load(path: string): void {
    const p11 = new pkcs11js.PKCS11();
    try {
      p11.load(path);
      p11.C_Initialize();
      this.modules.push({ path, key: moduleKey(path), p11, initializedAt: Date.now() });
    } catch (error) {
      addOnce(this.loadErrors, { module: path, error: String((error as Error).message ?? error) });
    }
  }

  /** Logs out of every open operation and finalises each module: the token is left as the driver wants it. */
  close(): void {
    for (const handle of [...this.open.keys()]) this.closeSigning(handle);
    for (const token of [...this.anchors.keys()]) this.dropAnchor(token);
    for (const m of this.modules.splice(0)) {
      try {
        m.p11.C_Finalize();
      } catch {
        // finalizing is best effort: the process is about to exit
      }
    }
  }

  /** Each problem once: every listing would otherwise add the same failing module again. */
  private reportModuleError(module: string, error: string): void {
    addOnce(this.listingErrors, { module, error });
  }

  /**
   * One slot that failed while the module's others answer (a flaky reader): its token is left out
   * of this listing and the failure reported as that slot's, by code and CKR name, never the
   * driver's text. A token pulled out meanwhile just drops out, as it would from the slot list.
   */
  private reportSlotError(module: LoadedModule, slot: Handle, error: unknown): void {
    const failure = toKysoError(error);
    if (failure.code === 'TOKEN_NOT_PRESENT') return;
    const id = slotNumber(slot);
    const ckr = failure.details?.ckr;
    addOnce(this.listingErrors, {
      module: module.path,
      slot: id,
      error: `slot ${id} failed: ${failure.code}${typeof ckr === 'string' ? ` (${ckr})` : ''}; its token is left out, the module's other tokens are listed`,
    });
  }

  /** The token in one slot of a listing; undefined (and reported) when that slot fails. */
  private slotTokenInfo(module: LoadedModule, slot: Handle): pkcs11js.TokenInfo | undefined {
    try {
      return module.p11.C_GetTokenInfo(slot);
    } catch (error) {
      this.reportSlotError(module, slot, error);
      return undefined;
    }
  }

  /**
   * Serials of the present, initialised tokens (no session is opened). Slot lists are read afresh
   * (tokenPresent) each time, which is how most modules show a token plugged in. But PKCS#11 lets a
   * module see only the devices there at its C_Initialize, and no module says which kind it is: so
   * each one is also initialised again here when its last C_Initialize is older than
   * reinitializeAfterMs — whether or not it shows tokens (a second token of the same module must
   * be found too), and never more often (a module slow in C_Initialize must not slow every listing).
   */
  tokenSerials(): string[] {
    this.listingErrors = [];
    const now = Date.now();
    for (const module of this.modules)
      if (now - module.initializedAt >= this.reinitializeAfterMs)
        this.inModule(module, () => this.initializeAgain(module));
    return this.presentSerials();
  }

  /**
   * C_Finalize and C_Initialize, for a module none of whose tokens is in use: everything known of
   * its sessions and objects goes (their handles end with it). A module with a login open (a batch
   * whose token was pulled out) is left alone: that login's handles must never name new sessions.
   */
  private initializeAgain(module: LoadedModule): void {
    if ([...this.open.values()].some((o) => o.ref.moduleKey === module.key)) return;
    for (const token of [...this.anchors.keys()])
      if (token.startsWith(`${module.key}/`)) this.dropAnchor(token);
    for (const known of [this.knownKeys, this.certificateHandles])
      for (const id of known.keys()) if (parseCertificateId(id).moduleKey === module.key) known.delete(id);
    try {
      module.p11.C_Finalize();
    } catch {
      // not initialised (a failed earlier attempt): initialised below all the same
    }
    try {
      module.p11.C_Initialize();
    } catch (error) {
      this.reportModuleError(module.path, toKysoError(error).message);
    }
    module.initializedAt = Date.now(); // a failed attempt counts too: tried again only after the interval
  }

  private presentSerials(): string[] {
    const serials = new Set<string>();
    for (const module of this.modules) {
      try {
        this.inModule(module, () => {
          for (const slot of module.p11.C_GetSlotList(true)) {
            const info = this.slotTokenInfo(module, slot);
            if (info && info.flags & pkcs11js.CKF_TOKEN_INITIALIZED)
              serials.add(trimPadded(info.serialNumber));
          }
        });
      } catch (error) {
        this.reportModuleError(module.path, toKysoError(error).message);
      }
    }
    return [...serials];
  }

  /**
   * Every X.509 certificate with a CKA_ID on every present, initialised token (or only those with
   * these serials), and the certificate objects left out, per token.
   */
  listCertificates(serials?: readonly string[]): {
    certificates: TokenCertificate[];
    skippedObjects: SkippedObjects[];
  } {
    const entries: TokenCertificate[] = [];
    const skipped: SkippedObjects[] = [];
    for (const module of this.modules)
      this.inModule(module, () => this.listModule(module, serials, entries, skipped));
    return { certificates: entries, skippedObjects: skipped };
  }

  private listModule(
    module: LoadedModule,
    serials: readonly string[] | undefined,
    entries: TokenCertificate[],
    skipped: SkippedObjects[],
  ): void {
    let slots: Handle[];
    try {
      slots = module.p11.C_GetSlotList(true);
    } catch (error) {
      this.reportModuleError(module.path, toKysoError(error).message);
      return;
    }
    for (const slot of slots) {
      try {
        entries.push(...this.listSlot(module, slot, serials, skipped));
      } catch (error) {
        this.reportSlotError(module, slot, error);
      }
    }
  }

  private listSlot(
    module: LoadedModule,
    slot: Handle,
    serials: readonly string[] | undefined,
    skipped: SkippedObjects[],
  ): TokenCertificate[] {
    const { p11 } = module;
    const info = p11.C_GetTokenInfo(slot);
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) return [];
    const token = describeToken(info);
    if (serials && !serials.includes(token.serial)) return [];
    this.forgetToken(`${module.key}/${token.serial}`);
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      const handles = findAll(p11, session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
      ]);
      const entries: TokenCertificate[] = [];
      // Counted apart until the token is read whole: a token pulled out midway is reported as gone, not as odd objects.
      const left: SkippedObjects[] = [];
      const skip = (reason: string) => noteSkipped(left, token, reason);
      for (const handle of handles) {
        let read: ReturnType<pkcs11js.PKCS11['C_GetAttributeValue']>;
        try {
          read = p11.C_GetAttributeValue(session, handle, [
            { type: pkcs11js.CKA_VALUE },
            { type: pkcs11js.CKA_ID },
          ]);
        } catch (error) {
          // One object the driver cannot read is skipped, never its token's others; a token gone drops out whole.
          const failure = toKysoError(error);
          if (failure.code === 'TOKEN_NOT_PRESENT') throw error;
          const ckr = failure.details?.ckr;
          skip(`unreadable certificate object (${typeof ckr === 'string' ? ckr : failure.code})`);
          continue;
        }
        const [value, id] = read;
        const der = value?.value;
        const keyId = id?.value?.toString('hex');
        if (!der) {
          skip('certificate object without a value');
          continue;
        }
        if (!keyId) {
          skip('no CKA_ID (it cannot be tied to a key)');
          continue;
        }
        const name = certificateId({ moduleKey: module.key, tokenSerial: token.serial, keyId });
        // A CKA_ID too long to name (the answer's schema would refuse the whole listing): this one is skipped.
        if (name.length > MAX_CERTIFICATE_ID_CHARS) {
          skip(`CKA_ID too long (${keyId.length / 2} bytes)`);
          continue;
        }
        entries.push({ id: name, certificate: der.toString('base64'), token });
      }
      skipped.push(...left);
      return entries;
    } finally {
      p11.C_CloseSession(session);
    }
  }

  /** Drops what was remembered of one token (`moduleKey/serial`): listed again, failed, or gone. */
  private forgetToken(token: string): void {
    for (const known of [this.knownKeys, this.certificateHandles])
      for (const id of known.keys()) if (tokenOf(parseCertificateId(id)) === token) known.delete(id);
    this.dropAnchor(token);
  }

  /** Keeps a session open on the token (see anchors); a module that refuses one just reads more. */
  private keepAnchor(p11: pkcs11js.PKCS11, slot: Handle, key: string, token: TokenInfo): void {
    if (this.anchors.has(key)) return;
    try {
      const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      this.anchors.set(key, { p11, session, slot, token });
    } catch {
      // too many sessions, token busy: the certificate is then searched for each time
    }
  }

  private dropAnchor(token: string): void {
    const anchor = this.anchors.get(token);
    if (!anchor) return;
    this.anchors.delete(token);
    try {
      anchor.p11.C_CloseSession(anchor.session);
    } catch {
      // the token is gone, and its sessions with it
    }
  }

  /**
   * The token's certificate under this id (base64), read in an open session; null when there is
   * none. Certificates are public objects whose handles last across sessions: the one found last
   * time is read directly (class, id and value read back, so a recycled handle cannot pass), and
   * searched for again only when that fails.
   */
  private readCertificate(
    p11: pkcs11js.PKCS11,
    session: Handle,
    certificate: string,
    ref: CertificateRef,
  ): string | null {
    const keyId = Buffer.from(ref.keyId, 'hex');
    const known = this.certificateHandles.get(certificate);
    if (known) {
      try {
        const [kind, id, value] = p11.C_GetAttributeValue(session, known, [
          { type: pkcs11js.CKA_CLASS },
          { type: pkcs11js.CKA_ID },
          { type: pkcs11js.CKA_VALUE },
        ]);
        if (ulongOf(kind?.value) === pkcs11js.CKO_CERTIFICATE && id?.value?.equals(keyId) && value?.value)
          return value.value.toString('base64');
      } catch {
        // gone or another kind of object now: searched for below
      }
      this.certificateHandles.delete(certificate);
    }
    const handle = findOne(p11, session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
      { type: pkcs11js.CKA_ID, value: keyId },
    ]);
    const der = handle && p11.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_VALUE }])[0]?.value;
    if (!der) return null;
    this.certificateHandles.set(certificate, handle);
    return der.toString('base64');
  }

  /** The key of a logged-in session: the one found before when it still answers, else looked up. */
  private keyFor(
    p11: pkcs11js.PKCS11,
    session: Handle,
    slot: Handle,
    certificateId: string,
    ref: CertificateRef,
  ): KnownKey {
    const known = this.knownKeys.get(certificateId);
    const module = this.modules.find((m) => m.key === ref.moduleKey);
    // A handle can outlive its object (token re-initialised): reading its type checks it is still the key.
    if (
      known &&
      module?.handlesOutliveLogin !== false &&
      keyKindOf(readUlong(p11, session, known.key, pkcs11js.CKA_KEY_TYPE)) === known.keyKind
    )
      return known;
    // Some modules (SoftHSM) drop private objects' handles at logout: then the key is looked up at
    // each login, and what is known of it (type, always-authenticate, mechanisms) is kept.
    if (known && module) module.handlesOutliveLogin = false;
    const key = findOne(p11, session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_ID, value: Buffer.from(ref.keyId, 'hex') },
    ]);
    if (!key)
      throw new KysoError('NO_CERTIFICATE', 'The private key for this certificate is not on the token.');
    if (known) return { ...known, key };
    const found: KnownKey = {
      key,
      keyKind: keyKindOf(readUlong(p11, session, key, pkcs11js.CKA_KEY_TYPE)),
      alwaysAuthenticate: readBool(p11, session, key, pkcs11js.CKA_ALWAYS_AUTHENTICATE),
      mechanisms: safeMechanismList(p11, slot),
    };
    this.knownKeys.set(certificateId, found);
    return found;
  }

  /**
   * The token's module, slot and description for a signature: through its anchor session when that
   * still answers (C_GetSessionInfo, a few µs; C_GetSlotList + C_GetTokenInfo cost SoftHSM ~80 µs),
   * else by listing the slots. What the anchor remembers is only trusted for facts that do not
   * change while the token stays in (labels, serial, PIN pad); a token it saw locked is read again,
   * and a PIN locked since then is the login's own error (PIN_LOCKED).
   */
  private locateToken(ref: CertificateRef): { module: LoadedModule; slot: Handle; token: TokenInfo } {
    const anchor = this.anchors.get(tokenOf(ref));
    const module = this.modules.find((m) => m.key === ref.moduleKey);
    if (anchor && module && !anchor.token.pinLocked) {
      try {
        if (anchor.p11.C_GetSessionInfo(anchor.session).slotID.equals(anchor.slot))
          return { module, slot: anchor.slot, token: anchor.token };
      } catch {
        // the token was pulled out (or the module restarted): found again below
      }
      this.dropAnchor(tokenOf(ref));
    }
    const found = this.findToken(ref);
    return { module: found.module, slot: found.slot, token: describeToken(found.info) };
  }

  private findToken(ref: CertificateRef): { module: LoadedModule; slot: Handle; info: pkcs11js.TokenInfo } {
    const module = this.modules.find((m) => m.key === ref.moduleKey);
    if (!module) throw new KysoError('TOKEN_NOT_PRESENT', undefined, { reason: 'module not loaded' });
    // Another slot of the module failing (a flaky reader) must not keep this token from signing.
    let failed: unknown;
    for (const slot of module.p11.C_GetSlotList(true)) {
      let info: pkcs11js.TokenInfo;
      try {
        info = module.p11.C_GetTokenInfo(slot);
      } catch (error) {
        failed ??= error;
        continue;
      }
      if (trimPadded(info.serialNumber) === ref.tokenSerial) return { module, slot, info };
    }
    // Not found: maybe in the slot that failed, whose error then says more than "not present".
    throw failed === undefined ? new KysoError('TOKEN_NOT_PRESENT') : toKysoError(failed);
  }

  /**
   * Opens a session, logs in and finds the key: the start of one consented operation, which may
   * sign many documents (a batch) before closeSigning logs out. An operation already open on the
   * same token is never closed for another: the host queues per token, so this is refused instead.
   */
  openSigning(certificate: string, pin: string | null): { handle: number; keyType: 'RSA' | 'EC' };
  openSigning(
    certificate: string,
    pin: string | null,
    expected: string | undefined,
  ): { handle: number; keyType: 'RSA' | 'EC' } | { certificateChanged: string | null };
  openSigning(
    certificate: string,
    pin: string | null,
    expected?: string,
  ): { handle: number; keyType: 'RSA' | 'EC' } | { certificateChanged: string | null } {
    const ref = parseCertificateId(certificate);
    const busy = [...this.open.values()].some(
      (o) => o.ref.moduleKey === ref.moduleKey && o.ref.tokenSerial === ref.tokenSerial,
    );
    if (busy)
      throw new KysoError('BUSY', undefined, { reason: 'another operation is logged in on this token' });
    try {
      const { module, slot, token } = this.locateToken(ref);
      if (token.pinLocked) throw new KysoError('PIN_LOCKED');
      if (pin === null && !token.protectedAuthPath)
        throw new KysoError('PIN_INVALID', undefined, { reason: 'PIN required' });
      const { p11 } = module;
      const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      try {
        this.keepAnchor(p11, slot, tokenOf(ref), token);
        if (expected !== undefined) {
          // Read at every signature (a public object, no login): a certificate renewed or removed by
          // other software since the host's listing must not be signed for.
          const actual = this.readCertificate(p11, session, certificate, ref);
          if (actual !== expected) {
            logoutAndClose(p11, session);
            this.forgetToken(tokenOf(ref));
            return { certificateChanged: actual };
          }
        }
        benchMark('worker:login');
        loginUser(p11, session, pin);
        benchMark('worker:logged-in');
        const { key, keyKind, alwaysAuthenticate, mechanisms } = this.keyFor(
          p11,
          session,
          slot,
          certificate,
          ref,
        );
        const signing: OpenSigning = {
          handle: ++this.lastHandle,
          ref,
          p11,
          session,
          key,
          keyKind,
          alwaysAuthenticate,
          pin: alwaysAuthenticate ? pin : null,
          mechanisms,
        };
        this.open.set(signing.handle, signing);
        return { handle: signing.handle, keyType: keyKind === 'EC' ? 'EC' : 'RSA' };
      } catch (error) {
        logoutAndClose(p11, session);
        throw error;
      }
    } catch (error) {
      this.forgetToken(tokenOf(ref));
      throw this.withPinState(toKysoError(error), ref);
    }
  }

  private signingOf(handle: number): OpenSigning {
    const signing = this.open.get(handle);
    // The login this handle stood for is gone with a worker that crashed or was replaced.
    if (!signing) throw new KysoError('TOKEN_DRIVER_FAILED', undefined, { reason: 'signing session ended' });
    return signing;
  }

  /** A signature that failed: what the token knows is dropped, and the error says what the PIN state is. */
  private signingError(error: unknown, signing: OpenSigning): KysoError {
    this.forgetToken(tokenOf(signing.ref));
    return this.withPinState(toKysoError(error), signing.ref);
  }

  /**
   * A group of items of one kind, each on its own (one failure is reported in its place, the rest
   * still sign), with nothing per item but C_SignInit and C_Sign: the mechanism is chosen once for
   * the group, each input is written into one buffer reused for the group, and each signature
   * straight into the answer's buffer.
   */
  signGroup(handle: number, group: SignGroup): SignedGroup {
    const digestLength = TOKEN_DIGEST_LENGTH[group.digestAlgorithm];
    const count = groupSize(group);
    const ends = new Uint32Array(count);
    const errors: SignedGroup['errors'] = [];
    const failAll = (error: unknown) => {
      const wire = toWireError(error);
      for (let i = 0; i < count; i++) errors.push({ index: i, error: wire });
      return { signatures: new Uint8Array(0), ends, errors };
    };
    let signing: OpenSigning;
    try {
      signing = this.signingOf(handle);
    } catch (error) {
      return failAll(error);
    }
    let attempts: GroupAttempt[];
    try {
      attempts = groupAttempts({
        keyKind: signing.keyKind,
        listed: signing.mechanisms,
        digestAlgorithm: group.digestAlgorithm,
        digestLength,
        hasData: group.data !== undefined,
        rsaScheme: group.rsaScheme,
      });
    } catch (error) {
      return failAll(this.signingError(error, signing));
    }
    const digests = asBuffer(group.digests);
    const data = group.data && { bytes: asBuffer(group.data.bytes), ends: group.data.ends };
    const output = Buffer.allocUnsafe(count * MAX_SIGNATURE_BYTES);
    let at = 0;
    benchMark('worker:sign');
    for (let i = 0; i < count; i++) {
      setItemInput(
        attempts,
        digests.subarray(i * digestLength, (i + 1) * digestLength),
        data && data.bytes.subarray(i && data.ends[i - 1], data.ends[i]),
      );
      try {
        at += signWithAttempts(signing, attempts, output.subarray(at, at + MAX_SIGNATURE_BYTES)).length;
      } catch (error) {
        errors.push({ index: i, error: this.signingError(error, signing).toWire() });
      }
      ends[i] = at;
    }
    benchMark('worker:signed');
    return { signatures: output.subarray(0, at), ends, errors };
  }

  /**
   * A whole single operation in one call: log in, sign, log out; nothing can come in between. With
   * `expected`, nothing is done when the token no longer holds that certificate under this id.
   */
  signOnce(
    certificate: string,
    pin: string | null,
    items: readonly DigestToSign[],
    expected?: string,
  ): { keyType: 'RSA' | 'EC'; results: ItemSignature[] } | { certificateChanged: string | null } {
    const opened = this.openSigning(certificate, pin, expected);
    if ('certificateChanged' in opened) return opened;
    const { handle, keyType } = opened;
    try {
      // signed as a batch's items are (one loop, one choice of mechanism), answered item by item
      const groups = packGroups(items);
      return {
        keyType,
        results: unpackGroups(
          groups,
          groups.map((group) => this.signGroup(handle, group)),
        ),
      };
    } finally {
      this.closeSigning(handle);
    }
  }

  closeSigning(handle: number): void {
    const signing = this.open.get(handle);
    if (!signing) return;
    this.open.delete(handle);
    logoutAndClose(signing.p11, signing.session);
  }

  /** After a PIN error, tell the user what the token now says (count low, final try, locked). */
  private withPinState(error: KysoError, ref: CertificateRef): KysoError {
    if (error.code !== 'PIN_INCORRECT' && error.code !== 'PIN_LOCKED') return error;
    try {
      const token = describeToken(this.findToken(ref).info);
      if (token.pinLocked && error.code === 'PIN_INCORRECT')
        return new KysoError('PIN_LOCKED', undefined, { ...error.details });
      return new KysoError(error.code, error.message, {
        ...error.details,
        pinCountLow: token.pinCountLow,
        pinFinalTry: token.pinFinalTry,
      });
    } catch {
      return error;
    }
  }
}
