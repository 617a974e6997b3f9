/** Small PKCS#11 steps over pkcs11js that every token operation shares. */
import pkcs11js from 'pkcs11js';
import type { TokenInfo } from '../../../shared/protocol/common.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import { trimPadded } from './certificate-identity.js';
import type { MechanismAttempt } from './mechanisms.js';
import {
  CKR_FUNCTION_NOT_SUPPORTED,
  CKR_MECHANISM_INVALID,
  CKR_USER_ALREADY_LOGGED_IN,
  pkcs11ReturnValue,
} from './pkcs11-errors.js';

export type Handle = Buffer;

const CKU_CONTEXT_SPECIFIC = 2;

/** A private key found in a logged-in session, ready to sign. */
export interface KeyInSession {
  p11: pkcs11js.PKCS11;
  session: Handle;
  key: Handle;
  /** CKA_ALWAYS_AUTHENTICATE: the PIN is asked again for each signature (context-specific login). */
  alwaysAuthenticate: boolean;
  /** Kept only while the operation is open, and only when the key asks for it per signature. */
  pin: string | null;
}

export function findAll(p11: pkcs11js.PKCS11, session: Handle, template: pkcs11js.Template): Handle[] {
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

export function findOne(
  p11: pkcs11js.PKCS11,
  session: Handle,
  template: pkcs11js.Template,
): Handle | undefined {
  return findAll(p11, session, template)[0];
}

/** Optional attributes are read one at a time: C_GetAttributeValue fails whole on any invalid one. */
export function readAttribute(
  p11: pkcs11js.PKCS11,
  session: Handle,
  handle: Handle,
  type: number,
): Buffer | undefined {
  try {
    return p11.C_GetAttributeValue(session, handle, [{ type }])[0]?.value;
  } catch {
    return undefined;
  }
}

/** A CK_ULONG attribute's value (its low 32 bits: every class, type and key type kyso reads fits). */
export const ulongOf = (value: Buffer | undefined): number | undefined =>
  value && value.length >= 4 ? value.readUInt32LE(0) : undefined;

export function readUlong(
  p11: pkcs11js.PKCS11,
  session: Handle,
  handle: Handle,
  type: number,
): number | undefined {
  return ulongOf(readAttribute(p11, session, handle, type));
}

export function readBool(p11: pkcs11js.PKCS11, session: Handle, handle: Handle, type: number): boolean {
  const value = readAttribute(p11, session, handle, type);
  return value !== undefined && value.length > 0 && value[0] !== 0;
}

/** The slot's mechanisms, or undefined when the driver cannot list them (then we just try). */
export function safeMechanismList(p11: pkcs11js.PKCS11, slot: Handle): number[] | undefined {
  try {
    return p11.C_GetMechanismList(slot);
  } catch {
    return undefined;
  }
}

/** Protected authentication path (pin null): the PIN is entered on the device; PKCS#11 v2 takes none. */
export function loginUser(p11: pkcs11js.PKCS11, session: Handle, pin: string | null): void {
  try {
    p11.C_Login(session, pkcs11js.CKU_USER, pin ?? '');
  } catch (error) {
    if (pkcs11ReturnValue(error) !== CKR_USER_ALREADY_LOGGED_IN) throw error;
    // Someone left this application logged in: log out so that this PIN is really checked.
    p11.C_Logout(session);
    p11.C_Login(session, pkcs11js.CKU_USER, pin ?? '');
  }
}

export function logoutAndClose(p11: pkcs11js.PKCS11, session: Handle): void {
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

/**
 * Tries each mechanism in order; one the token lists but then rejects as unsupported falls
 * through. The signature is written at the start of `output` and returned as a view of it.
 */
export function signWithAttempts(
  k: KeyInSession,
  attempts: readonly MechanismAttempt[],
  output: Buffer,
): Buffer {
  for (let index = 0; index < attempts.length; index++) {
    const attempt = attempts[index]!;
    try {
      k.p11.C_SignInit(k.session, attempt.mechanism, k.key);
      if (k.alwaysAuthenticate) k.p11.C_Login(k.session, CKU_CONTEXT_SPECIFIC, k.pin ?? '');
      return k.p11.C_Sign(k.session, attempt.input, output);
    } catch (error) {
      const rv = pkcs11ReturnValue(error);
      const unsupported = rv === CKR_MECHANISM_INVALID || rv === CKR_FUNCTION_NOT_SUPPORTED;
      if (!unsupported || index === attempts.length - 1) throw error;
    }
  }
  throw new KysoError('INTERNAL');
}

/** A token as the protocol describes it. */
export function describeToken(info: pkcs11js.TokenInfo): TokenInfo {
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
