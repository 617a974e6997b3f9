/**
 * Who a certificate is: the id kyso gives it (module, token serial, CKA_ID). Ids stay valid while the
 * token stays inserted. No pkcs11js here: the host reads ids (to queue per token) without loading it.
 */
import { createHash } from 'node:crypto';
import { KysoError } from '../../../shared/protocol/errors.js';

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
  let tokenSerial: string;
  try {
    tokenSerial = decodeURIComponent(serial);
  } catch {
    throw new KysoError('BAD_REQUEST', 'malformed certificate id', { field: 'certificateId' });
  }
  return { moduleKey, tokenSerial, keyId };
}

/** Short stable name of a module path, used inside certificate ids. */
export function moduleKey(path: string): string {
  return createHash('sha256').update(path).digest('hex').slice(0, 8);
}

/** PKCS#11 pads its fixed-size strings with spaces (some drivers with NULs). */
export function trimPadded(value: string): string {
  return value.replace(/[\s\0]+$/, '');
}
