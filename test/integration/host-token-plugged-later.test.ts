/**
 * A token plugged in after the host (and its PKCS#11 worker) started, with a module that takes a
 * snapshot of the devices at C_Initialize — PKCS#11 allows it ("it may be necessary to call
 * C_Initialize" to see a new device), and such modules exist (test/fault-module:
 * slots_at_initialize). The consent window's "try again" must find the token, not an empty list
 * until the worker happens to stop for being idle (which every listing postpones).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import type { HostResponse } from '../../shared/protocol/host.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { REPO_ROOT, SOFTHSM_MODULE } from '../support/paths.js';
import { startHostSession, type HostSession } from '../support/host-session.js';

const FAULT_MODULE = path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so');
const document = Buffer.from('Tờ khai lệ phí trước bạ\n');

function resultOf<T>(response: HostResponse): T {
  if (!response.ok) throw new Error(JSON.stringify(response.error));
  return response.result as T;
}

describe('a token plugged in after the host started', () => {
  let dir: string;
  let control: string;
  let session: HostSession;
  const setFaults = (...lines: string[]) => writeFileSync(control, lines.join('\n') + '\n');

  beforeAll(async () => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-plugged-later-'));
    control = path.join(dir, 'faults');
    setFaults('slots_at_initialize', 'token_absent'); // not plugged in when the worker starts
    session = await startHostSession({
      env: (token) => ({
        ...token.env,
        KYSO_PKCS11_MODULES: FAULT_MODULE,
        KYSO_FAULT_TARGET: SOFTHSM_MODULE,
        KYSO_FAULT_CONTROL: control,
      }),
      listCertificates: false,
    });
  });
  afterAll(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const list = async () =>
    resultOf<{ certificates: CertificateEntry[] }>(await session.host.request('list-certificates', {}))
      .certificates;

  it('is found by the next listing, and signs', async () => {
    expect(await list()).toEqual([]);
    setFaults('slots_at_initialize'); // the user plugs the token in, and presses "try again"
    const certificates = await list();
    const signer = certificates.find((c) => c.id.endsWith('/02'));
    expect(signer, 'the plugged-in token’s certificates').toBeDefined();

    const signed = resultOf<{ cms: string }>(
      await session.host.request('sign-cms', {
        certificateId: signer!.id,
        pin: session.token.pin,
        digest: createHash('sha256').update(document).digest('base64'),
        digestAlgorithm: 'SHA-256',
        origin: 'https://dichvucong.gov.vn',
      }),
    );
    const cms = Buffer.from(signed.cms, 'base64');
    expect(opensslCmsVerify({ cms, content: document, caFile: session.token.caPem }).ok).toBe(true);
  });
});
