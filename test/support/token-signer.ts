/**
 * A signer on the test token through pkcs11js directly (no host): for the format tests that sign
 * with a key that never leaves the token. Key 01 is RSA-2048 (CKM_RSA_PKCS over a DigestInfo), key
 * 02 EC P-256 (CKM_ECDSA).
 */
import pkcs11js from 'pkcs11js';
import { DIGEST_INFO_PREFIX, type KeyType } from '../../shared/cms/algorithms.js';
import type { DigestInfoSigner } from '../../shared/xml/index.js';
import type { TestToken } from './token.js';

export interface TokenSigner {
  signer: DigestInfoSigner;
  close: () => void;
}

export function tokenSigner(token: TestToken, keyType: KeyType): TokenSigner {
  process.env.SOFTHSM2_CONF = token.conf;
  const p11 = new pkcs11js.PKCS11();
  p11.load(token.module);
  p11.C_Initialize();
  const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === token.label);
  if (!slot) throw new Error('test token not found');
  const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  p11.C_Login(session, pkcs11js.CKU_USER, token.pin);
  const keyId = keyType === 'RSA' ? 0x01 : 0x02;
  p11.C_FindObjectsInit(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_ID, value: Buffer.from([keyId]) },
  ]);
  const [key] = p11.C_FindObjects(session, 1);
  p11.C_FindObjectsFinal(session);
  if (!key) throw new Error(`key 0${keyId} not found`);
  const sign = (mechanism: number, input: Uint8Array) => {
    p11.C_SignInit(session, { mechanism }, key);
    return new Uint8Array(p11.C_Sign(session, Buffer.from(input), Buffer.alloc(512)));
  };
  const signer: DigestInfoSigner = {
    keyType,
    async signDigest(digest, algorithm) {
      if (keyType === 'EC') return sign(pkcs11js.CKM_ECDSA, digest);
      return sign(
        pkcs11js.CKM_RSA_PKCS,
        Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[algorithm], 'hex'), digest]),
      );
    },
    async signDigestInfo(digestInfo) {
      return sign(pkcs11js.CKM_RSA_PKCS, digestInfo);
    },
  };
  return {
    signer,
    close: () => {
      p11.C_CloseSession(session);
      p11.C_Finalize();
    },
  };
}
