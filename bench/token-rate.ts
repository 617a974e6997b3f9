/**
 * (1) The limit: C_Sign per second straight through pkcs11js, no kyso code in between, in a process
 * of its own started as kyso's worker is (glibc's malloc set as runtime.ts sets it: SoftHSM signs
 * faster with it, so the token's rate is measured with it too, or a batch would look closer to the
 * token than it is). `node dist/node/bench/token-rate.js MODULE PIN KEY-ID SIGNATURES` prints one.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pkcs11js from 'pkcs11js';
import { workerGlibcTunables } from '../native-host/src/runtime.js';
import { DIGEST_INFO_PREFIX } from '../shared/cms/algorithms.js';

export interface TokenRate {
  keyId: string;
  mechanism: string;
  signatures: number;
  perSecond: number;
  meanMs: number;
}

/** The loop, in this process (whatever its malloc settings). */
export function measureTokenRate(
  module: string,
  pin: string,
  keyId: '01' | '02',
  signatures: number,
): TokenRate {
  const p11 = new pkcs11js.PKCS11();
  p11.load(module);
  p11.C_Initialize();
  try {
    const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === 'kyso-test');
    if (!slot) throw new Error('bench token not found');
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    p11.C_Login(session, pkcs11js.CKU_USER, pin);
    p11.C_FindObjectsInit(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_ID, value: Buffer.from(keyId, 'hex') },
    ]);
    const [key] = p11.C_FindObjects(session, 1);
    p11.C_FindObjectsFinal(session);
    const digest = createHash('sha256').update('bench').digest();
    const rsa = keyId === '01';
    const mechanism = rsa ? pkcs11js.CKM_RSA_PKCS : pkcs11js.CKM_ECDSA;
    const input = rsa ? Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX['SHA-256'], 'hex'), digest]) : digest;
    const out = Buffer.alloc(512);
    const start = performance.now();
    for (let i = 0; i < signatures; i++) {
      p11.C_SignInit(session, { mechanism }, key!);
      p11.C_Sign(session, input, out);
    }
    const ms = performance.now() - start;
    p11.C_Logout(session);
    p11.C_CloseSession(session);
    return {
      keyId,
      mechanism: rsa ? 'CKM_RSA_PKCS' : 'CKM_ECDSA',
      signatures,
      perSecond: (signatures * 1000) / ms,
      meanMs: ms / signatures,
    };
  } finally {
    p11.C_Finalize();
  }
}

/**
 * The token's rate in a process started with the worker's malloc settings, and (`plainPerSecond`)
 * in one with glibc's defaults, as any other program loading the module would have it.
 */
export function measureTokenRateAsWorker(
  module: string,
  pin: string,
  keyId: '01' | '02',
  signatures: number,
): TokenRate & { plainPerSecond: number } {
  const inProcess = (glibcTunables: string | undefined) => {
    const env = { ...process.env, GLIBC_TUNABLES: glibcTunables }; // undefined: not passed at all
    const args = [fileURLToPath(import.meta.url), module, pin, keyId, String(signatures)];
    return JSON.parse(execFileSync(process.execPath, args, { env, encoding: 'utf8' })) as TokenRate;
  };
  const plain = inProcess(process.env.GLIBC_TUNABLES);
  const asWorker = inProcess(workerGlibcTunables(process.env.GLIBC_TUNABLES));
  return { ...asWorker, plainPerSecond: plain.perSecond };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [module, pin, keyId, signatures] = process.argv.slice(2);
  console.log(JSON.stringify(measureTokenRate(module!, pin!, keyId as '01' | '02', Number(signatures))));
}
