/**
 * The host against faults SoftHSM cannot produce, injected by our PKCS#11 shim around SoftHSM
 * (test/fault-module): after every fault the next request must succeed.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../shared/version.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { REPO_ROOT, SOFTHSM_MODULE } from '../support/paths.js';
import { startHostSession } from '../support/host-session.js';
import { useSharedSession } from '../support/shared-session.js';

const FAULT_MODULE = path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so');
const document = Buffer.from('Quyết định số 15/QĐ-UBND về việc phê duyệt hồ sơ\n');
const digest = createHash('sha256').update(document).digest('base64');
const TOKEN_TIMEOUT_MS = 3000;

describe('host under injected token faults', () => {
  let control: string;
  const setFaults = (...lines: string[]) => writeFileSync(control, lines.join('\n') + '\n');
  // The host on the fault module, which is built first and starts with no fault set.
  const session = useSharedSession(() => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    control = path.join(mkdtempSync(path.join(tmpdir(), 'kyso-faults-')), 'faults');
    setFaults();
    return startHostSession({
      env: (token) => ({
        ...token.env,
        KYSO_PKCS11_MODULES: FAULT_MODULE,
        KYSO_FAULT_TARGET: SOFTHSM_MODULE,
        KYSO_FAULT_CONTROL: control,
        KYSO_TOKEN_TIMEOUT_MS: String(TOKEN_TIMEOUT_MS),
      }),
      listCertificates: false,
    });
  });

  const list = async () => {
    const response = await session.host.request('list-certificates', {});
    if (!response.ok) throw new Error(JSON.stringify(response.error));
    return (response.result as { certificates: CertificateEntry[] }).certificates;
  };
  const certId = async (keyId: string) => (await list()).find((c) => c.id.endsWith(`/${keyId}`))!.id;
  const signById = (certificateId: string) =>
    session.host.request('sign-cms', {
      certificateId,
      pin: session.token.pin,
      digest,
      digestAlgorithm: 'SHA-256',
      origin: 'https://a.gov.vn',
    });
  const sign = async (keyId: string, pin: string | null = session.token.pin) =>
    session.host.request('sign-cms', {
      certificateId: await certId(keyId),
      pin,
      digest,
      digestAlgorithm: 'SHA-256',
      origin: 'https://dichvucong.gov.vn',
    });
  const expectSignatureWorks = async (keyId = '02') => {
    setFaults();
    const response = await sign(keyId);
    if (!response.ok) throw new Error(`after the fault, signing failed: ${JSON.stringify(response.error)}`);
    const cms = Buffer.from((response.result as { cms: string }).cms, 'base64');
    expect(opensslCmsVerify({ cms, content: document, caFile: session.token.caPem }).ok).toBe(true);
  };

  beforeEach(async () => {
    setFaults();
    expect(
      (
        await session.host.request('hello', {
          protocolVersion: PROTOCOL_VERSION,
          extensionVersion: KYSO_VERSION,
        })
      ).ok,
    ).toBe(true);
  });
  it('a driver that prints to stdout does not corrupt the message stream', async () => {
    setFaults('stdout_noise');
    expect(await list()).toHaveLength(5);
    const response = await sign('01');
    expect(response.ok).toBe(true);
    await expectSignatureWorks();
  });

  it('a driver that segfaults in C_Sign gives TOKEN_DRIVER_FAILED, and the worker is restarted', async () => {
    const id = await certId('02');
    setFaults('segfault C_Sign');
    const response = await session.host.request('sign-cms', {
      certificateId: id,
      pin: session.token.pin,
      digest,
      digestAlgorithm: 'SHA-256',
      origin: 'https://a.gov.vn',
    });
    expect(response).toMatchObject({ ok: false, error: { code: 'TOKEN_DRIVER_FAILED' } });
    await expectSignatureWorks();
  });

  it('a driver that hangs in C_Sign times out, and the host keeps answering meanwhile', async () => {
    const id = await certId('02');
    setFaults('hang C_Sign');
    const started = Date.now();
    const pending = session.host.request('sign-cms', {
      certificateId: id,
      pin: session.token.pin,
      digest,
      digestAlgorithm: 'SHA-256',
      origin: 'https://a.gov.vn',
    });
    // the message loop is not blocked by the stuck driver
    await new Promise((r) => setTimeout(r, 300));
    session.host.send({
      id: 9001,
      command: 'hello',
      params: { protocolVersion: PROTOCOL_VERSION, extensionVersion: KYSO_VERSION },
    });
    const hello = await session.host.frameFor(9001);
    expect(hello).toMatchObject({ id: 9001, ok: true });
    expect(Date.now() - started).toBeLessThan(TOKEN_TIMEOUT_MS);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    await expectSignatureWorks();
  });

  it('a PIN pad that never answers (C_Login hangs) times out cleanly', async () => {
    const id = await certId('02');
    setFaults('hang C_Login');
    expect(await signById(id)).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    await expectSignatureWorks();
  });

  it('a locked PIN is shown in the listing and refused before any login', async () => {
    setFaults('pin_locked');
    const entry = (await list()).find((c) => c.id.endsWith('/02'))!;
    expect(entry.token.pinLocked).toBe(true);
    expect(await sign('02')).toMatchObject({ ok: false, error: { code: 'PIN_LOCKED' } });
    await expectSignatureWorks();
  });

  it('COUNT_LOW and FINAL_TRY are reported with a wrong PIN', async () => {
    setFaults('pin_count_low', 'pin_final_try');
    const entry = (await list()).find((c) => c.id.endsWith('/02'))!;
    expect(entry.token).toMatchObject({ pinCountLow: true, pinFinalTry: true });
    expect(await sign('02', '000000')).toMatchObject({
      ok: false,
      error: { code: 'PIN_INCORRECT', details: { pinCountLow: true, pinFinalTry: true } },
    });
    await expectSignatureWorks();
  });

  it('a token removed during C_Sign is TOKEN_NOT_PRESENT, and an absent token lists nothing', async () => {
    const id = await certId('02');
    setFaults('device_removed_on_sign');
    expect(await signById(id)).toMatchObject({ ok: false, error: { code: 'TOKEN_NOT_PRESENT' } });
    setFaults('token_absent');
    expect(await list()).toEqual([]);
    expect(await signById(id)).toMatchObject({ ok: false, error: { code: 'TOKEN_NOT_PRESENT' } });
    await expectSignatureWorks(); // "re-inserted"
  });

  it('without CKM_RSA_PKCS, RSA falls back to hashing on the token; without CKM_ECDSA, EC is not usable', async () => {
    setFaults('no_mechanism CKM_RSA_PKCS');
    const rsa = await sign('01');
    if (!rsa.ok) throw new Error(JSON.stringify(rsa.error));
    const cms = Buffer.from((rsa.result as { cms: string }).cms, 'base64');
    expect(opensslCmsVerify({ cms, content: document, caFile: session.token.caPem }).ok).toBe(true);
    setFaults('no_mechanism CKM_ECDSA');
    expect(await sign('02')).toMatchObject({ ok: false, error: { code: 'CERTIFICATE_NOT_USABLE' } });
    await expectSignatureWorks();
  });

  it('a protected authentication path (PIN pad) signs with no PIN from us', async () => {
    setFaults(`protected_auth_path ${session.token.pin}`);
    const entry = (await list()).find((c) => c.id.endsWith('/02'))!;
    expect(entry.token.protectedAuthPath).toBe(true);
    const response = await sign('02', null);
    expect(response.ok).toBe(true);
    await expectSignatureWorks();
  });

  it('keys with CKA_ALWAYS_AUTHENTICATE get a context-specific login per signature', async () => {
    setFaults('always_authenticate');
    const response = await sign('02');
    if (!response.ok) throw new Error(JSON.stringify(response.error));
    await expectSignatureWorks();
  });
});
