/**
 * A token plugged in after the host (and its PKCS#11 worker) started, with a module that takes a
 * snapshot of the devices at C_Initialize — PKCS#11 allows it ("it may be necessary to call
 * C_Initialize" to see a new device), and such modules exist (test/fault-module:
 * slots_at_initialize). The consent window's "try again" must find the token, not an empty list
 * until the worker happens to stop for being idle (which every listing postpones) — also when
 * another token of the same module was there all along. Modules are initialised again at most
 * once per interval (KYSO_MODULE_REINITIALIZE_MS; 0 here, to plug in without waiting): a module
 * slow in C_Initialize must not slow every listing that finds no token.
 */
import { X509Certificate, createHash, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import type { HostResponse } from '../../shared/protocol/host.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { buildFaultModule, faultModuleEnv } from '../support/fault-module.js';
import { startHostSession, type HostSession } from '../support/host-session.js';
import { makeSoftwareIdentity, type SoftwareIdentity } from '../support/software-signer.js';
import { addSecondToken } from '../support/token.js';

const document = Buffer.from('Tờ khai lệ phí trước bạ\n');
const SECOND_LABEL = 'kyso-cong-ty-2';
const SECOND_KEY_ID = '07';

function resultOf<T>(response: HostResponse): T {
  if (!response.ok) throw new Error(JSON.stringify(response.error));
  return response.result as T;
}

describe('a token plugged in after the host started', () => {
  let dir: string;
  let control: string;
  let second: SoftwareIdentity;
  let session: HostSession;
  const setFaults = (...lines: string[]) => writeFileSync(control, lines.join('\n') + '\n');

  beforeAll(async () => {
    buildFaultModule();
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-plugged-later-'));
    control = path.join(dir, 'faults');
    second = makeSoftwareIdentity(dir, 'EC', '/C=VN/O=Công ty Cổ phần Thứ Hai/CN=Công ty Cổ phần Thứ Hai');
    const keyPem = path.join(dir, 'second.key');
    writeFileSync(keyPem, second.key.export({ type: 'pkcs8', format: 'pem' }));
    // neither token plugged in when the worker starts
    setFaults('slots_at_initialize', 'token_absent');
    session = await startHostSession({
      env: (token) => {
        addSecondToken(token, SECOND_LABEL, SECOND_KEY_ID, keyPem, second.certificateDer);
        return {
          ...token.env,
          ...faultModuleEnv(control),
          KYSO_MODULE_REINITIALIZE_MS: '0',
        };
      },
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
    setFaults('slots_at_initialize', `hide_token ${SECOND_LABEL}`); // the user plugs one token in, and presses "try again"
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

  it('a second token of the same module, plugged in while the first is there, is found and signs', async () => {
    setFaults('slots_at_initialize', `hide_token ${SECOND_LABEL}`);
    const before = await list();
    expect(before.some((c) => c.id.endsWith('/02'))).toBe(true);
    expect(before.some((c) => c.id.endsWith(`/${SECOND_KEY_ID}`))).toBe(false);

    setFaults('slots_at_initialize'); // the second token is plugged in
    const other = (await list()).find((c) => c.id.endsWith(`/${SECOND_KEY_ID}`));
    expect(other, 'the second token’s certificate').toBeDefined();
    const signed = resultOf<{ signature: string }>(
      await session.host.request('sign-raw', {
        certificateId: other!.id,
        pin: session.token.pin,
        digest: createHash('sha256').update(document).digest('base64'),
        digestAlgorithm: 'SHA-256',
        origin: 'https://dichvucong.gov.vn',
      }),
    );
    const key = new X509Certificate(second.certificateDer).publicKey;
    const signature = Buffer.from(signed.signature, 'base64');
    expect(verify('sha256', document, { key, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
  });
});

describe('listings while no token is plugged in', () => {
  let dir: string;
  let trace: string;
  let session: HostSession;

  beforeAll(async () => {
    buildFaultModule();
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-no-token-'));
    const control = path.join(dir, 'faults');
    trace = path.join(dir, 'trace');
    writeFileSync(control, 'token_absent\n');
    session = await startHostSession({
      env: (token) => ({
        ...token.env,
        ...faultModuleEnv(control, trace),
      }),
      listCertificates: false,
    });
  });
  afterAll(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('do not initialise the module again at each one (a portal may list every few seconds)', async () => {
    for (let i = 0; i < 4; i++) {
      const listed = resultOf<{ certificates: CertificateEntry[] }>(
        await session.host.request('list-certificates', {}),
      );
      expect(listed.certificates).toEqual([]);
    }
    const initializations = readFileSync(trace, 'utf8')
      .split('\n')
      .filter((line) => line.endsWith(' C_Initialize'));
    // the worker's load; the next one not before MODULE_REINITIALIZE_INTERVAL_MS (10 s)
    expect(initializations).toHaveLength(1);
  });
});
