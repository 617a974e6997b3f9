/**
 * Our fault-injecting PKCS#11 module (test/fault-module) seen through pkcs11js directly, against a
 * private copy of the SoftHSM test token: pass-through signs for real, and each control directive
 * has its effect. Faults that stop or kill the caller (hang, segfault) and stdout noise are watched
 * from child processes, never from this one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate, createHash, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import pkcs11js from 'pkcs11js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SOFTHSM_MODULE } from '../support/paths.js';
import { copyTestToken, type TestToken } from '../support/token.js';

const FAULT_MODULE = path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so');
const data = Buffer.from('Tờ khai thuế GTGT tháng 10/2026\n');
const sha256 = createHash('sha256').update(data).digest();

const CKF_TOKEN_PRESENT = 0x1; // CK_SLOT_INFO flag (not exported by pkcs11js)
const CKR_DEVICE_ERROR = 0x30;
const CKR_DEVICE_REMOVED = 0x32;
const CKR_MECHANISM_INVALID = 0x70;
const CKR_PIN_INCORRECT = 0xa0;
const CKR_PIN_LOCKED = 0xa4;
const CKR_TOKEN_NOT_PRESENT = 0xe0;
const CKR_USER_NOT_LOGGED_IN = 0x101;

/** The CK_RV a PKCS#11 call threw (pkcs11js Pkcs11Error.code), or 0 if it did not throw. */
function rvOf(call: () => unknown): number {
  try {
    call();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'number') throw error;
    return code;
  }
  return 0;
}

describe('fault-injecting PKCS#11 module', () => {
  let token: TestToken;
  let scratch: string;
  let control: string;
  let p11: pkcs11js.PKCS11;
  let slot: pkcs11js.Handle;
  const setFaults = (...lines: string[]) => writeFileSync(control, lines.join('\n') + '\n');

  const openSession = () => p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  const login = (session: pkcs11js.Handle, pin: string = token.pin) =>
    p11.C_Login(session, pkcs11js.CKU_USER, pin);
  const find = (session: pkcs11js.Handle, cls: number, id: number) => {
    p11.C_FindObjectsInit(session, [
      { type: pkcs11js.CKA_CLASS, value: cls },
      { type: pkcs11js.CKA_ID, value: Buffer.from([id]) },
    ]);
    const [handle] = p11.C_FindObjects(session, 1);
    p11.C_FindObjectsFinal(session);
    if (!handle) throw new Error(`object class ${cls} id ${id} not on the token`);
    return handle;
  };
  const privateKey = (session: pkcs11js.Handle, id: number) => find(session, pkcs11js.CKO_PRIVATE_KEY, id);
  const alwaysAuthenticate = (session: pkcs11js.Handle, object: pkcs11js.Handle) =>
    p11.C_GetAttributeValue(session, object, [{ type: pkcs11js.CKA_ALWAYS_AUTHENTICATE }])[0]!.value;
  const tokenFlags = () => p11.C_GetTokenInfo(slot).flags;
  const certificateKey = (id: '01' | '02') => new X509Certificate(token.certDer(id)).publicKey;

  /** ECDSA P-256 (key 02) over the SHA-256 of `data`; the signature is raw r‖s. */
  const signEc = (session: pkcs11js.Handle, beforeSign?: () => void) => {
    p11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, privateKey(session, 2));
    beforeSign?.();
    return p11.C_Sign(session, sha256, Buffer.alloc(256));
  };
  const ecVerifies = (signature: Buffer) =>
    verify('sha256', data, { key: certificateKey('02'), dsaEncoding: 'ieee-p1363' }, signature);

  beforeAll(() => {
    // The module reads SOFTHSM2_CONF and KYSO_FAULT_* with getenv(): process.env reaches the C
    // environment only in a process's main thread (vitest's default "forks" pool).
    if (!isMainThread)
      throw new Error('fault-module.test.ts needs a process of its own (vitest pool "forks")');
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    token = copyTestToken();
    scratch = mkdtempSync(path.join(tmpdir(), 'kyso-fault-module-'));
    control = path.join(scratch, 'faults');
    setFaults();
    Object.assign(process.env, {
      SOFTHSM2_CONF: token.conf,
      KYSO_FAULT_TARGET: SOFTHSM_MODULE,
      KYSO_FAULT_CONTROL: control,
    });
    p11 = new pkcs11js.PKCS11();
    p11.load(FAULT_MODULE);
    p11.C_Initialize();
    const found = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === token.label);
    if (!found) throw new Error(`token ${token.label} not found through the fault module`);
    slot = found;
  });
  afterEach(() => {
    setFaults();
    p11.C_CloseAllSessions(slot); // also logs out
  });
  afterAll(() => {
    p11?.C_Finalize();
    p11?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    token?.remove();
  });

  describe('pass-through', () => {
    it('RSA (PKCS#1 v1.5 and PSS) and ECDSA signatures verify against the certificates on the token', () => {
      const session = openSession();
      login(session);
      p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, privateKey(session, 1));
      const rsa = p11.C_Sign(session, data, Buffer.alloc(512));
      expect(rsa).toHaveLength(256);
      expect(verify('sha256', data, certificateKey('01'), rsa)).toBe(true);

      const pss = {
        mechanism: pkcs11js.CKM_RSA_PKCS_PSS,
        parameter: {
          type: pkcs11js.CK_PARAMS_RSA_PSS,
          hashAlg: pkcs11js.CKM_SHA256,
          mgf: pkcs11js.CKG_MGF1_SHA256,
          saltLen: 32,
        },
      } as pkcs11js.Mechanism; // the typings lack the PSS parameter shape
      p11.C_SignInit(session, pss, privateKey(session, 1));
      const rsaPss = p11.C_Sign(session, sha256, Buffer.alloc(512));
      const pssKey = { key: certificateKey('01'), padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 };
      expect(verify('sha256', data, pssKey, rsaPss)).toBe(true);

      const ec = signEc(session);
      expect(ec).toHaveLength(64);
      expect(ecVerifies(ec)).toBe(true);
    });

    it('with no control file, with comments only, or unknown lines, nothing changes', () => {
      const honest = tokenFlags();
      for (const faults of [['# pin_locked', '   # token_absent'], ['no_such_directive 1']]) {
        setFaults(...faults);
        expect(tokenFlags()).toBe(honest);
      }
      rmSync(control);
      expect(tokenFlags()).toBe(honest);
      const session = openSession();
      login(session);
      expect(ecVerifies(signEc(session))).toBe(true);
      expect(alwaysAuthenticate(session, privateKey(session, 2))[0]).toBe(0);
    });
  });

  it('pin_locked: the token says so and C_Login fails with CKR_PIN_LOCKED, until the fault is lifted', () => {
    setFaults('pin_locked');
    expect(tokenFlags() & pkcs11js.CKF_USER_PIN_LOCKED).toBeTruthy();
    const session = openSession();
    let thrown: unknown;
    try {
      login(session);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: CKR_PIN_LOCKED,
      message: expect.stringContaining('CKR_PIN_LOCKED'),
    });
    setFaults(); // re-read on the next call: no restart needed
    expect(tokenFlags() & pkcs11js.CKF_USER_PIN_LOCKED).toBeFalsy();
    login(session);
  });

  it('pin_count_low and pin_final_try set their token flags', () => {
    expect(tokenFlags() & (pkcs11js.CKF_USER_PIN_COUNT_LOW | pkcs11js.CKF_USER_PIN_FINAL_TRY)).toBe(0);
    setFaults('pin_count_low');
    expect(tokenFlags() & pkcs11js.CKF_USER_PIN_COUNT_LOW).toBeTruthy();
    expect(tokenFlags() & pkcs11js.CKF_USER_PIN_FINAL_TRY).toBeFalsy();
    setFaults('pin_count_low', 'pin_final_try');
    expect(tokenFlags() & pkcs11js.CKF_USER_PIN_FINAL_TRY).toBeTruthy();
  });

  it('protected_auth_path: the flag is set and an empty PIN logs in with the PIN "typed on the pad"', () => {
    setFaults(`protected_auth_path ${token.pin}`);
    expect(tokenFlags() & pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH).toBeTruthy();
    const session = openSession();
    login(session, '');
    expect(ecVerifies(signEc(session))).toBe(true);
    p11.C_Logout(session);
    // the pad's PIN really goes to SoftHSM: a wrong one there is refused
    setFaults('protected_auth_path 000000');
    expect(rvOf(() => login(session, ''))).toBe(CKR_PIN_INCORRECT);
  });

  it('always_authenticate: private keys say CKA_ALWAYS_AUTHENTICATE and C_Sign wants a context-specific login', () => {
    const session = openSession();
    login(session);
    const key = privateKey(session, 2);
    expect(alwaysAuthenticate(session, key)[0]).toBe(0);
    setFaults('always_authenticate');
    expect(alwaysAuthenticate(session, key)[0]).toBe(1);
    // other objects are left alone: a certificate has no such attribute
    const certificate = find(session, pkcs11js.CKO_CERTIFICATE, 2);
    expect(
      p11.C_GetAttributeValue(session, certificate, [{ type: pkcs11js.CKA_LABEL }])[0]!.value,
    ).toBeInstanceOf(Buffer);

    expect(rvOf(() => signEc(session))).toBe(CKR_USER_NOT_LOGGED_IN);
    // the failed C_Sign ended the operation: a new C_SignInit is accepted
    p11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, key);
    expect(rvOf(() => p11.C_Login(session, pkcs11js.CKU_CONTEXT_SPECIFIC, '000000'))).toBe(CKR_PIN_INCORRECT);
    p11.C_Login(session, pkcs11js.CKU_CONTEXT_SPECIFIC, token.pin); // a retry, within the same operation
    expect(ecVerifies(p11.C_Sign(session, sha256, Buffer.alloc(256)))).toBe(true);
    // one context login, one signature
    expect(rvOf(() => signEc(session))).toBe(CKR_USER_NOT_LOGGED_IN);
    expect(
      ecVerifies(signEc(session, () => p11.C_Login(session, pkcs11js.CKU_CONTEXT_SPECIFIC, token.pin))),
    ).toBe(true);
  });

  it('device_removed_on_sign: C_SignInit works, C_Sign fails with CKR_DEVICE_REMOVED', () => {
    const session = openSession();
    login(session);
    setFaults('device_removed_on_sign');
    expect(rvOf(() => signEc(session))).toBe(CKR_DEVICE_REMOVED);
    // "re-inserted": the same session signs again (the real operation was ended too)
    setFaults();
    expect(ecVerifies(signEc(session))).toBe(true);
  });

  it('token_absent: no slot with a token, and the token cannot be reached', () => {
    setFaults('token_absent');
    expect(p11.C_GetSlotList(true)).toEqual([]);
    expect(p11.C_GetSlotList(false).length).toBeGreaterThan(0); // the reader is still there
    expect(p11.C_GetSlotInfo(slot).flags & CKF_TOKEN_PRESENT).toBe(0);
    expect(rvOf(() => p11.C_GetTokenInfo(slot))).toBe(CKR_TOKEN_NOT_PRESENT);
    expect(rvOf(() => openSession())).toBe(CKR_TOKEN_NOT_PRESENT);
    setFaults();
    expect(p11.C_GetSlotList(true).some((s) => s.equals(slot))).toBe(true);
  });

  it('slots_at_initialize: the token is as present as it was at C_Initialize, until the next C_Initialize', () => {
    setFaults('slots_at_initialize', 'token_absent');
    p11.C_Finalize();
    p11.C_Initialize(); // absent now: the snapshot says absent
    setFaults('slots_at_initialize'); // plugged in
    expect(p11.C_GetSlotList(true)).toEqual([]);
    expect(rvOf(() => p11.C_GetTokenInfo(slot))).toBe(CKR_TOKEN_NOT_PRESENT);
    p11.C_Finalize();
    p11.C_Initialize(); // seen after the module is initialised again
    expect(p11.C_GetSlotList(true).some((s) => s.equals(slot))).toBe(true);
    setFaults('slots_at_initialize', 'token_absent'); // pulled out: still there for this snapshot
    expect(p11.C_GetSlotList(true).some((s) => s.equals(slot))).toBe(true);
    setFaults();
  });

  it('no_mechanism (by name or hex): gone from the mechanism list, and C_SignInit refuses it', () => {
    const all = p11.C_GetMechanismList(slot);
    const removed = [
      pkcs11js.CKM_RSA_PKCS,
      pkcs11js.CKM_SHA256_RSA_PKCS,
      pkcs11js.CKM_SHA384_RSA_PKCS,
      pkcs11js.CKM_SHA512_RSA_PKCS,
      pkcs11js.CKM_RSA_PKCS_PSS,
      pkcs11js.CKM_ECDSA,
    ];
    for (const mechanism of removed) expect(all).toContain(mechanism);
    setFaults(
      'no_mechanism CKM_RSA_PKCS',
      'no_mechanism 0x40 # CKM_SHA256_RSA_PKCS',
      'no_mechanism CKM_SHA384_RSA_PKCS',
      'no_mechanism CKM_SHA512_RSA_PKCS',
      'no_mechanism CKM_RSA_PKCS_PSS',
      'no_mechanism CKM_ECDSA',
    );
    const left = p11.C_GetMechanismList(slot);
    expect(left).toHaveLength(all.length - removed.length);
    for (const mechanism of removed) expect(left).not.toContain(mechanism);
    expect(rvOf(() => p11.C_GetMechanismInfo(slot, pkcs11js.CKM_ECDSA))).toBe(CKR_MECHANISM_INVALID);

    const session = openSession();
    login(session);
    expect(rvOf(() => signEc(session))).toBe(CKR_MECHANISM_INVALID);
    for (const mechanism of [pkcs11js.CKM_RSA_PKCS, pkcs11js.CKM_SHA256_RSA_PKCS]) {
      expect(rvOf(() => p11.C_SignInit(session, { mechanism }, privateKey(session, 1)))).toBe(
        CKR_MECHANISM_INVALID,
      );
    }
    // the others still work
    p11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA1_RSA_PKCS }, privateKey(session, 1));
    expect(verify('sha1', data, certificateKey('01'), p11.C_Sign(session, data, Buffer.alloc(512)))).toBe(
      true,
    );
  });

  it('fail_function: that function returns the given CK_RV', () => {
    setFaults('fail_function C_OpenSession 0x30', 'fail_function C_GetMechanismList 0x00000032');
    expect(rvOf(() => openSession())).toBe(CKR_DEVICE_ERROR);
    expect(rvOf(() => p11.C_GetMechanismList(slot))).toBe(CKR_DEVICE_REMOVED);
    expect(rvOf(() => p11.C_GetTokenInfo(slot))).toBe(0);
  });

  describe('in a child process', () => {
    /**
     * A fresh node process: loads the fault module, logs in and signs with the EC key, telling its
     * progress on stderr (stdout is left to the module). Killed after `timeoutMs`.
     */
    const child = (faults: string[], timeoutMs = 15_000) => {
      setFaults(...faults);
      const script = `
        import pkcs11js from 'pkcs11js';
        import { createHash } from 'node:crypto';
        const step = (s) => process.stderr.write(s + '\\n');
        const p11 = new pkcs11js.PKCS11();
        p11.load(${JSON.stringify(FAULT_MODULE)});
        p11.C_Initialize();
        const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === ${JSON.stringify(token.label)});
        const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
        step('C_Login');
        p11.C_Login(session, pkcs11js.CKU_USER, ${JSON.stringify(token.pin)});
        p11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_ID, value: Buffer.from([2]) }]);
        const [key] = p11.C_FindObjects(session, 1);
        p11.C_FindObjectsFinal(session);
        p11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, key);
        step('C_Sign');
        const signature = p11.C_Sign(session, createHash('sha256').update('x').digest(), Buffer.alloc(256));
        step('signed ' + signature.length);
        p11.C_Logout(session);
        p11.C_CloseSession(session);
        p11.C_Finalize();
      `;
      const started = Date.now();
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: REPO_ROOT, // resolves 'pkcs11js'
        env: {
          ...process.env,
          SOFTHSM2_CONF: token.conf,
          KYSO_FAULT_TARGET: SOFTHSM_MODULE,
          KYSO_FAULT_CONTROL: control,
        },
        encoding: 'utf8',
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
      });
      return { ...run, elapsed: Date.now() - started, steps: run.stderr.trim().split('\n') };
    };

    it('without faults, the child signs (the harness works)', () => {
      const run = child([]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.steps).toContain('signed 64');
      expect(run.stdout).toBe('');
    });

    it("stdout_noise: the driver writes to the caller's stdout, and still works", () => {
      const run = child(['stdout_noise']);
      expect(run.status, run.stderr).toBe(0);
      expect(run.steps).toContain('signed 64');
      const lines = run.stdout.trim().split('\n');
      expect(lines.length).toBeGreaterThan(5);
      expect(lines.some((l) => l.includes('C_Sign'))).toBe(true);
      expect(lines.some((l) => l.includes('C_Login'))).toBe(true);
    });

    it('hang C_Sign and hang C_Login: the call never returns', () => {
      for (const fn of ['C_Sign', 'C_Login']) {
        const run = child([`hang ${fn}`], 3000);
        expect(run.signal, run.stderr).toBe('SIGKILL'); // killed by our timeout, still inside the call
        expect(run.elapsed).toBeGreaterThanOrEqual(2900);
        expect(run.steps.at(-1)).toBe(fn);
      }
    });

    it('segfault C_Sign: the process dies of SIGSEGV inside C_Sign', () => {
      const run = child(['segfault C_Sign']);
      expect(run.signal, run.stderr).toBe('SIGSEGV');
      expect(run.steps).toContain('C_Sign');
      expect(run.steps).not.toContain('signed 64');
    });
  });
});
