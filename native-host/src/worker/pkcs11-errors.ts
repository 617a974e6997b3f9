/** PKCS#11 return values → kyso error codes. Unknown ones are a driver failure, named in details. */
import { KysoError, type ErrorCode } from '../../../shared/protocol/errors.js';

const CKR: Record<number, { name: string; code: ErrorCode }> = {
  0x50: { name: 'CKR_FUNCTION_CANCELED', code: 'USER_CANCELLED' },
  0xa0: { name: 'CKR_PIN_INCORRECT', code: 'PIN_INCORRECT' },
  0xa1: { name: 'CKR_PIN_INVALID', code: 'PIN_INVALID' },
  0xa2: { name: 'CKR_PIN_LEN_RANGE', code: 'PIN_INVALID' },
  0xa3: { name: 'CKR_PIN_EXPIRED', code: 'PIN_LOCKED' },
  0xa4: { name: 'CKR_PIN_LOCKED', code: 'PIN_LOCKED' },
  0xe0: { name: 'CKR_TOKEN_NOT_PRESENT', code: 'TOKEN_NOT_PRESENT' },
  0xe1: { name: 'CKR_TOKEN_NOT_RECOGNIZED', code: 'TOKEN_NOT_PRESENT' },
  0x32: { name: 'CKR_DEVICE_REMOVED', code: 'TOKEN_NOT_PRESENT' },
  0x30: { name: 'CKR_DEVICE_ERROR', code: 'TOKEN_DRIVER_FAILED' },
  0x31: { name: 'CKR_DEVICE_MEMORY', code: 'TOKEN_DRIVER_FAILED' },
  0xb0: { name: 'CKR_SESSION_CLOSED', code: 'TOKEN_NOT_PRESENT' },
  0xb3: { name: 'CKR_SESSION_HANDLE_INVALID', code: 'TOKEN_NOT_PRESENT' },
  0x03: { name: 'CKR_SLOT_ID_INVALID', code: 'TOKEN_NOT_PRESENT' },
  0x101: { name: 'CKR_USER_NOT_LOGGED_IN', code: 'TOKEN_DRIVER_FAILED' },
  0x70: { name: 'CKR_MECHANISM_INVALID', code: 'CERTIFICATE_NOT_USABLE' },
  0x54: { name: 'CKR_FUNCTION_NOT_SUPPORTED', code: 'CERTIFICATE_NOT_USABLE' },
  0x68: { name: 'CKR_KEY_FUNCTION_NOT_PERMITTED', code: 'CERTIFICATE_NOT_USABLE' },
};

export const CKR_USER_ALREADY_LOGGED_IN = 0x100;
export const CKR_MECHANISM_INVALID = 0x70;
export const CKR_FUNCTION_NOT_SUPPORTED = 0x54;
export const CKR_USER_NOT_LOGGED_IN = 0x101;

/**
 * The CK_RV of a pkcs11js error, or undefined for other errors. pkcs11js 2 leaves C_FindObjects's
 * errors unwrapped: a plain Error whose message is "CKR_NAME:<decimal>", with no code.
 */
export function pkcs11ReturnValue(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'number') return code;
  const message = (error as { message?: unknown })?.message;
  const unwrapped = typeof message === 'string' ? /^CKR_\w+:(\d+)$/.exec(message) : null;
  return unwrapped ? Number(unwrapped[1]) : undefined;
}

export function toKysoError(error: unknown): KysoError {
  if (error instanceof KysoError) return error;
  const rv = pkcs11ReturnValue(error);
  if (rv === undefined)
    return new KysoError('TOKEN_DRIVER_FAILED', undefined, {
      cause: String((error as Error)?.message ?? error),
    });
  const known = CKR[rv];
  const name = known?.name ?? `CKR_0x${rv.toString(16)}`;
  return new KysoError(known?.code ?? 'TOKEN_DRIVER_FAILED', undefined, { ckr: name });
}
