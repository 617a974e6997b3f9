/**
 * Everything kyso does with PKCS#11, over pkcs11js. Runs only inside the worker process: drivers may
 * print to stdout, block in C_Login, or crash, and none of that may touch the native-messaging stream.
 */
import { createHash } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { DIGEST_INFO_PREFIX, SHA1_DIGEST_INFO_PREFIX } from '../../../shared/cms/digest-info.js';
import type { TokenDigestAlgorithm } from './messages.js';
import { DIGEST_ALGORITHMS, type DigestAlgorithm, type RsaScheme, type TokenInfo } from '../../../shared/protocol/common.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import { CKR_FUNCTION_NOT_SUPPORTED, CKR_MECHANISM_INVALID, CKR_USER_ALREADY_LOGGED_IN, pkcs11ReturnValue, toKysoError } from './pkcs11-errors.js';

type Handle = Buffer;

/** A certificate as the token holds it; the host parses it (the worker stays small and quick to start). */
export interface TokenCertificate {
  id: string;
  certificate: string;
  token: TokenInfo;
}

interface LoadedModule {
  path: string;
  /** Short stable name used inside certificate ids. */
  key: string;
  p11: pkcs11js.PKCS11;
}

export interface CertificateRef {
  moduleKey: string;
  tokenSerial: string;
  keyId: string;
}

export function certificateId(ref: CertificateRef): string {
  return [ref.moduleKey, encodeURIComponent(ref.tokenSerial), ref.keyId].join('/');
}

export function parseCertificateId(id: string): CertificateRef {
  const [moduleKey, serial, keyId, extra] = id.split('/');
  if (!moduleKey || serial === undefined || !keyId || extra !== undefined || !/^[0-9a-f]+$/.test(keyId)) {
    throw new KysoError('BAD_REQUEST', 'malformed certificate id', { field: 'certificateId' });
  }
  return { moduleKey, tokenSerial: decodeURIComponent(serial), keyId };
}

export function moduleKey(path: string): string {
  return createHash('sha256').update(path).digest('hex').slice(0, 8);
}

function trimPadded(value: string): string {
  return value.replace(/[\s\0]+$/, '');
}

function describeToken(info: pkcs11js.TokenInfo): TokenInfo {
  const f = info.flags;
  return {
    label: trimPadded(info.label),
    manufacturer: trimPadded(info.manufacturerID),
    model: trimPadded(info.model),
    serial: trimPadded(info.serialNumber),
    protectedAuthPath: (f & pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH) !== 0,
    pinCountLow: (f & pkcs11js.CKF_USER_PIN_COUNT_LOW) !== 0,
    pinFinalTry: (f & pkcs11js.CKF_USER_PIN_FINAL_TRY) !== 0,
    pinLocked: (f & pkcs11js.CKF_USER_PIN_LOCKED) !== 0,
  };
}

interface OpenSigning extends KeyInSession {
  handle: number;
  ref: CertificateRef;
  mechanisms: number[] | undefined;
}

export class TokenAccess {
  private readonly modules: LoadedModule[] = [];
  private signing: OpenSigning | undefined;
  private lastHandle = 0;
  readonly moduleErrors: Array<{ module: string; error: string }> = [];

  /** Loads each module; one that fails to load is reported and skipped, never hides the others. */
  constructor(modulePaths: readonly string[]) {
    for (const path of modulePaths) {
      const p11 = new pkcs11js.PKCS11();
      try {
        p11.load(path);
        p11.C_Initialize();
        this.modules.push({ path, key: moduleKey(path), p11 });
      } catch (error) {
        this.moduleErrors.push({ module: path, error: String((error as Error).message ?? error) });
      }
    }
  }

  close(): void {
    if (this.signing) this.closeSigning(this.signing.handle);
    for (const m of this.modules) {
      try {
        m.p11.C_Finalize();
      } catch {
        // finalizing is best effort: the process is about to exit
      }
    }
  }

  /** Every X.509 certificate with a CKA_ID on every present, initialised token. */
  listCertificates(): TokenCertificate[] {
    const entries: TokenCertificate[] = [];
    for (const module of this.modules) {
      let slots: Handle[];
      try {
        slots = module.p11.C_GetSlotList(true);
      } catch (error) {
        this.moduleErrors.push({ module: module.path, error: toKysoError(error).message });
        continue;
      }
      for (const slot of slots) {
        try {
          entries.push(...this.listSlot(module, slot));
        } catch {
          // a token pulled out while we read it simply drops out of the list
        }
      }
    }
    return entries;
  }

  private listSlot(module: LoadedModule, slot: Handle): TokenCertificate[] {
    const { p11 } = module;
    const info = p11.C_GetTokenInfo(slot);
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) return [];
    const token = describeToken(info);
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      const handles = findAll(p11, session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
      ]);
      const entries: TokenCertificate[] = [];
      for (const handle of handles) {
        const [value, id] = p11.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_VALUE }, { type: pkcs11js.CKA_ID }]);
        const der = value?.value;
        const keyId = id?.value?.toString('hex');
        if (!der || !keyId) continue; // a certificate without CKA_ID cannot be tied to a key
        entries.push({
          id: certificateId({ moduleKey: module.key, tokenSerial: token.serial, keyId }),
          certificate: der.toString('base64'),
          token,
        });
      }
      return entries;
    } finally {
      p11.C_CloseSession(session);
    }
  }

  private findToken(ref: CertificateRef): { module: LoadedModule; slot: Handle; info: pkcs11js.TokenInfo } {
    const module = this.modules.find((m) => m.key === ref.moduleKey);
    if (!module) throw new KysoError('TOKEN_NOT_PRESENT', undefined, { reason: 'module not loaded' });
    for (const slot of module.p11.C_GetSlotList(true)) {
      const info = module.p11.C_GetTokenInfo(slot);
      if (trimPadded(info.serialNumber) === ref.tokenSerial) return { module, slot, info };
    }
    throw new KysoError('TOKEN_NOT_PRESENT');
  }

  /**
   * Opens a session, logs in and finds the key: the start of one consented operation, which may
   * sign many documents (a batch) before closeSigning logs out.
   */
  openSigning(certificate: string, pin: string | null): { handle: number; keyType: 'RSA' | 'EC' } {
    if (this.signing) this.closeSigning(this.signing.handle); // never two logged-in operations at once
    const ref = parseCertificateId(certificate);
    try {
      const { module, slot, info } = this.findToken(ref);
      const token = describeToken(info);
      if (token.pinLocked) throw new KysoError('PIN_LOCKED');
      if (pin === null && !token.protectedAuthPath) throw new KysoError('PIN_INVALID', undefined, { reason: 'PIN required' });
      const { p11 } = module;
      const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
      try {
        this.login(module, session, pin);
        const key = findOne(p11, session, [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
          { type: pkcs11js.CKA_ID, value: Buffer.from(ref.keyId, 'hex') },
        ]);
        if (!key) throw new KysoError('NO_CERTIFICATE', 'The private key for this certificate is not on the token.');
        const keyType = readUlong(p11, session, key, pkcs11js.CKA_KEY_TYPE) ?? -1;
        const alwaysAuthenticate = readBool(p11, session, key, pkcs11js.CKA_ALWAYS_AUTHENTICATE);
        this.signing = {
          handle: ++this.lastHandle,
          ref,
          p11,
          session,
          key,
          keyType,
          alwaysAuthenticate,
          // Kept only while the operation is open, and only when the key asks for it per signature.
          pin: alwaysAuthenticate ? pin : null,
          mechanisms: safeMechanismList(p11, slot),
        };
        return { handle: this.signing.handle, keyType: keyType === pkcs11js.CKK_EC ? 'EC' : 'RSA' };
      } catch (error) {
        logoutAndClose(p11, session);
        throw error;
      }
    } catch (error) {
      throw this.withPinState(toKysoError(error), ref);
    }
  }

  signWith(handle: number, digest: Uint8Array, algorithm: TokenDigestAlgorithm, data?: Uint8Array, rsaScheme: RsaScheme = 'PKCS1-v1_5') {
    const signing = this.signing;
    if (!signing || signing.handle !== handle) throw new KysoError('TOKEN_NOT_PRESENT', undefined, { reason: 'no open signing session' });
    try {
      return signWithKey(signing, signing.mechanisms, digest, algorithm, data, rsaScheme);
    } catch (error) {
      throw this.withPinState(toKysoError(error), signing.ref);
    }
  }

  closeSigning(handle: number): void {
    const signing = this.signing;
    if (!signing || signing.handle !== handle) return;
    this.signing = undefined;
    logoutAndClose(signing.p11, signing.session);
  }

  private login(module: LoadedModule, session: Handle, pin: string | null): void {
    // Protected authentication path: the PIN is entered on the device; PKCS#11 v2 takes no PIN.
    try {
      module.p11.C_Login(session, pkcs11js.CKU_USER, pin ?? '');
    } catch (error) {
      if (pkcs11ReturnValue(error) !== CKR_USER_ALREADY_LOGGED_IN) throw error;
      // Someone left this application logged in: log out so that this PIN is really checked.
      module.p11.C_Logout(session);
      module.p11.C_Login(session, pkcs11js.CKU_USER, pin ?? '');
    }
  }

  /** After a PIN error, tell the user what the token now says (count low, final try, locked). */
  private withPinState(error: KysoError, ref: CertificateRef): KysoError {
    if (error.code !== 'PIN_INCORRECT' && error.code !== 'PIN_LOCKED') return error;
    try {
      const token = describeToken(this.findToken(ref).info);
      if (token.pinLocked && error.code === 'PIN_INCORRECT') return new KysoError('PIN_LOCKED', undefined, { ...error.details });
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

function logoutAndClose(p11: pkcs11js.PKCS11, session: Handle): void {
  try {
    p11.C_Logout(session);
  } catch {
    // not logged in, or the token is gone
  }
  try {
    p11.C_CloseSession(session);
  } catch {
    // the session may be gone with the token
  }
}

function findAll(p11: pkcs11js.PKCS11, session: Handle, template: pkcs11js.Template): Handle[] {
  p11.C_FindObjectsInit(session, template);
  try {
    const all: Handle[] = [];
    for (;;) {
      const batch = p11.C_FindObjects(session, 32);
      all.push(...batch);
      if (batch.length < 32) return all;
    }
  } finally {
    p11.C_FindObjectsFinal(session);
  }
}

function findOne(p11: pkcs11js.PKCS11, session: Handle, template: pkcs11js.Template): Handle | undefined {
  return findAll(p11, session, template)[0];
}

const RSA_WITH_HASH: Record<DigestAlgorithm, { mechanism: number; name: string }> = {
  'SHA-256': { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS, name: 'CKM_SHA256_RSA_PKCS' },
  'SHA-384': { mechanism: pkcs11js.CKM_SHA384_RSA_PKCS, name: 'CKM_SHA384_RSA_PKCS' },
  'SHA-512': { mechanism: pkcs11js.CKM_SHA512_RSA_PKCS, name: 'CKM_SHA512_RSA_PKCS' },
};

interface KeyInSession {
  p11: pkcs11js.PKCS11;
  session: Handle;
  key: Handle;
  keyType: number;
  /** CKA_ALWAYS_AUTHENTICATE: the PIN is asked again for each signature (context-specific login). */
  alwaysAuthenticate: boolean;
  pin: string | null;
}

interface Attempt {
  name: string;
  mechanism: number | pkcs11js.Mechanism;
  input: Buffer;
}

const HASH_MECHANISM: Record<DigestAlgorithm, { hash: number; mgf: number; pss: number; pssName: string }> = {
  'SHA-256': { hash: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256, pss: pkcs11js.CKM_SHA256_RSA_PKCS_PSS, pssName: 'CKM_SHA256_RSA_PKCS_PSS' },
  'SHA-384': { hash: pkcs11js.CKM_SHA384, mgf: pkcs11js.CKG_MGF1_SHA384, pss: pkcs11js.CKM_SHA384_RSA_PKCS_PSS, pssName: 'CKM_SHA384_RSA_PKCS_PSS' },
  'SHA-512': { hash: pkcs11js.CKM_SHA512, mgf: pkcs11js.CKG_MGF1_SHA512, pss: pkcs11js.CKM_SHA512_RSA_PKCS_PSS, pssName: 'CKM_SHA512_RSA_PKCS_PSS' },
};

/** RSASSA-PSS as CMS describes it: MGF1 with the same hash, salt as long as the hash. */
function pssMechanism(mechanism: number, algorithm: DigestAlgorithm): pkcs11js.Mechanism {
  const h = HASH_MECHANISM[algorithm];
  return {
    mechanism,
    parameter: { type: pkcs11js.CK_PARAMS_RSA_PSS, hashAlg: h.hash, mgf: h.mgf, saltLen: DIGEST_ALGORITHMS[algorithm] },
  } as pkcs11js.Mechanism;
}

/**
 * The ways this key can sign, best first. RSA prefers CKM_RSA_PKCS over DigestInfo (it takes a
 * digest, so the document never has to reach the token); tokens without it get the signed bytes
 * hashed on the token (CKM_SHAxxx_RSA_PKCS) when the caller has them. EC uses CKM_ECDSA (raw r‖s).
 * Mechanisms the token does not list are skipped; one it lists but then rejects falls through.
 */
function attemptsFor(
  keyType: number,
  mechanisms: number[] | undefined,
  digest: Uint8Array,
  algorithm: TokenDigestAlgorithm,
  data: Uint8Array | undefined,
  rsaScheme: RsaScheme,
): Attempt[] {
  const listed = (m: number) => mechanisms === undefined || mechanisms.includes(m);
  const attempts: Attempt[] = [];
  if (algorithm === 'SHA-1') {
    // rsa-sha1 XML only: PKCS#1 v1.5 over the SHA-1 DigestInfo, nothing else.
    if (keyType !== pkcs11js.CKK_RSA || rsaScheme !== 'PKCS1-v1_5' || digest.length !== 20) {
      throw new KysoError('BAD_REQUEST', 'SHA-1 is only signed as RSA PKCS#1 v1.5');
    }
    if (listed(pkcs11js.CKM_RSA_PKCS)) {
      attempts.push({ name: 'CKM_RSA_PKCS', mechanism: pkcs11js.CKM_RSA_PKCS, input: Buffer.concat([Buffer.from(SHA1_DIGEST_INFO_PREFIX, 'hex'), digest]) });
    }
  } else if (keyType === pkcs11js.CKK_RSA && rsaScheme === 'PSS') {
    if (listed(pkcs11js.CKM_RSA_PKCS_PSS)) {
      attempts.push({ name: 'CKM_RSA_PKCS_PSS', mechanism: pssMechanism(pkcs11js.CKM_RSA_PKCS_PSS, algorithm), input: Buffer.from(digest) });
    }
    const h = HASH_MECHANISM[algorithm];
    if (data && listed(h.pss)) attempts.push({ name: h.pssName, mechanism: pssMechanism(h.pss, algorithm), input: Buffer.from(data) });
  } else if (keyType === pkcs11js.CKK_RSA) {
    if (listed(pkcs11js.CKM_RSA_PKCS)) {
      const digestInfo = Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[algorithm], 'hex'), digest]);
      attempts.push({ name: 'CKM_RSA_PKCS', mechanism: pkcs11js.CKM_RSA_PKCS, input: digestInfo });
    }
    const withHash = RSA_WITH_HASH[algorithm];
    if (data && listed(withHash.mechanism)) attempts.push({ ...withHash, input: Buffer.from(data) });
  } else if (keyType === pkcs11js.CKK_EC) {
    if (listed(pkcs11js.CKM_ECDSA)) attempts.push({ name: 'CKM_ECDSA', mechanism: pkcs11js.CKM_ECDSA, input: Buffer.from(digest) });
  } else {
    throw new KysoError('CERTIFICATE_NOT_USABLE', 'Unsupported key type.', { keyType });
  }
  if (attempts.length === 0) {
    throw new KysoError('CERTIFICATE_NOT_USABLE', 'The token offers no mechanism kyso can sign with.', {
      reason: 'no usable mechanism',
    });
  }
  return attempts;
}

function signWithKey(
  k: KeyInSession,
  mechanisms: number[] | undefined,
  digest: Uint8Array,
  algorithm: TokenDigestAlgorithm,
  data: Uint8Array | undefined,
  rsaScheme: RsaScheme,
): { signature: Uint8Array; mechanism: string } {
  const attempts = attemptsFor(k.keyType, mechanisms, digest, algorithm, data, rsaScheme);
  for (const [index, attempt] of attempts.entries()) {
    try {
      return { signature: sign(k, attempt), mechanism: attempt.name };
    } catch (error) {
      const rv = pkcs11ReturnValue(error);
      const unsupported = rv === CKR_MECHANISM_INVALID || rv === CKR_FUNCTION_NOT_SUPPORTED;
      if (!unsupported || index === attempts.length - 1) throw error;
    }
  }
  throw new KysoError('INTERNAL');
}

function sign(k: KeyInSession, attempt: Attempt): Uint8Array {
  k.p11.C_SignInit(k.session, typeof attempt.mechanism === 'number' ? { mechanism: attempt.mechanism } : attempt.mechanism, k.key);
  if (k.alwaysAuthenticate) k.p11.C_Login(k.session, CKU_CONTEXT_SPECIFIC, k.pin ?? '');
  return new Uint8Array(k.p11.C_Sign(k.session, attempt.input, Buffer.alloc(1024)));
}

const CKU_CONTEXT_SPECIFIC = 2;

/** Optional attributes are read one at a time: C_GetAttributeValue fails whole on any invalid one. */
function readAttribute(p11: pkcs11js.PKCS11, session: Handle, handle: Handle, type: number): Buffer | undefined {
  try {
    return p11.C_GetAttributeValue(session, handle, [{ type }])[0]?.value;
  } catch {
    return undefined;
  }
}

function readUlong(p11: pkcs11js.PKCS11, session: Handle, handle: Handle, type: number): number | undefined {
  const value = readAttribute(p11, session, handle, type);
  return value && value.length >= 4 ? value.readUInt32LE(0) : undefined;
}

function readBool(p11: pkcs11js.PKCS11, session: Handle, handle: Handle, type: number): boolean {
  const value = readAttribute(p11, session, handle, type);
  return value !== undefined && value.length > 0 && value[0] !== 0;
}

/** The slot's mechanisms, or undefined when the driver cannot list them (then we just try). */
function safeMechanismList(p11: pkcs11js.PKCS11, slot: Handle): number[] | undefined {
  try {
    return p11.C_GetMechanismList(slot);
  } catch {
    return undefined;
  }
}
