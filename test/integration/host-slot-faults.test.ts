/**
 * Two tokens behind one driver (our fault module around SoftHSM), one of whose slots fails (a
 * flaky reader): only that slot's token may go missing. The other token is still listed and signs,
 * and the module report says which slot failed, with the CKR name, never a driver's text. Nor may
 * one odd object hide its token's other certificates.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { CertificateEntry, SkippedCertificates } from '../../shared/protocol/common.js';
import type { ModuleReport } from '../../shared/protocol/host.js';
import { FAULT_MODULE, buildFaultModule, faultModuleEnv } from '../support/fault-module.js';
import { startHostSession } from '../support/host-session.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { TOKEN_LABEL } from '../support/paths.js';
import { useSharedSession } from '../support/shared-session.js';
import { makeSoftwareIdentity, type SoftwareIdentity } from '../support/software-signer.js';
import { addSecondToken, writeLongIdCertificate, writeUnlistableCertificates } from '../support/token.js';

const SECOND_LABEL = 'kyso-chi-nhanh-2';
const SECOND_KEY_ID = '07';
const document = Buffer.from('Biên bản bàn giao tài sản — Chi nhánh 2\n');
const digest = createHash('sha256').update(document).digest('base64');

describe('one failing slot among two tokens of one module', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kyso-slot-faults-'));
  const control = path.join(dir, 'faults');
  const setFaults = (...lines: string[]) => writeFileSync(control, lines.join('\n') + '\n');
  let second: SoftwareIdentity;
  const session = useSharedSession(() => {
    buildFaultModule();
    setFaults();
    second = makeSoftwareIdentity(dir, 'EC', '/C=VN/O=Chi nhánh 2/CN=Chi nhánh 2');
    const keyPem = path.join(dir, 'second.key');
    writeFileSync(keyPem, second.key.export({ type: 'pkcs8', format: 'pem' }));
    return startHostSession({
      env: (token) => {
        // before the host starts: SoftHSM reads its token store at C_Initialize
        addSecondToken(token, SECOND_LABEL, SECOND_KEY_ID, keyPem, second.certificateDer);
        return { ...token.env, ...faultModuleEnv(control) };
      },
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => setFaults());

  const listing = async () => {
    const response = await session.host.request('list-certificates', {});
    if (!response.ok) throw new Error(JSON.stringify(response.error));
    return response.result as { certificates: CertificateEntry[]; skipped: SkippedCertificates[] };
  };
  const list = async () => (await listing()).certificates;
  const labelsListed = async () => [...new Set((await list()).map((c) => c.token.label))].sort();
  const faultModule = async () => {
    const response = await session.host.request('modules', {});
    if (!response.ok) throw new Error(JSON.stringify(response.error));
    return (response.result as ModuleReport).modules.find((m) => m.path === FAULT_MODULE);
  };
  const listedId = async (keyId: string) => {
    const entry = (await list()).find((c) => c.id.endsWith(`/${keyId}`));
    if (!entry) throw new Error(`key ${keyId} not listed`);
    return entry.id;
  };
  const signCms = async (certificateId: string) =>
    session.host.request('sign-cms', {
      certificateId,
      pin: session.token.pin,
      digest,
      digestAlgorithm: 'SHA-256',
      origin: 'https://chinhanh2.gov.vn',
    });
  /** Signs with the listed certificate of key `keyId` and checks the CMS with openssl. */
  const signsAndVerifies = async (keyId: string, caFile: string) => {
    const response = await signCms(await listedId(keyId));
    if (!response.ok) throw new Error(JSON.stringify(response.error));
    const cms = Buffer.from((response.result as { cms: string }).cms, 'base64');
    return opensslCmsVerify({ cms, content: document, caFile }).ok;
  };
  const slotFailure = /^slot \d+ failed: TOKEN_DRIVER_FAILED \(CKR_DEVICE_ERROR\)/;

  // Each token's slot fails in turn, so that the failing one comes first in the slot list once.
  it("C_GetTokenInfo failing for the first token's slot: the second is listed and signs", async () => {
    setFaults(`fail_slot ${TOKEN_LABEL} C_GetTokenInfo 0x30`);
    expect(await labelsListed()).toEqual([SECOND_LABEL]);
    expect(await signsAndVerifies(SECOND_KEY_ID, second.caPem)).toBe(true);
    const report = await faultModule();
    expect(report).toMatchObject({ loaded: true, error: expect.stringMatching(slotFailure) });
    setFaults();
    expect(await labelsListed()).toEqual([TOKEN_LABEL, SECOND_LABEL].sort());
    expect((await faultModule())?.error).toBeUndefined();
  });

  it("C_GetTokenInfo failing for the second token's slot: the first is listed and signs", async () => {
    setFaults(`fail_slot ${SECOND_LABEL} C_GetTokenInfo 0x30`);
    expect(await labelsListed()).toEqual([TOKEN_LABEL]);
    expect(await signsAndVerifies('02', session.token.caPem)).toBe(true);
    expect(await faultModule()).toMatchObject({ loaded: true, error: expect.stringMatching(slotFailure) });
  });

  it('C_OpenSession or C_FindObjects failing in one slot: the other token is still listed', async () => {
    for (const fn of ['C_OpenSession', 'C_FindObjects']) {
      setFaults(`fail_slot ${TOKEN_LABEL} ${fn} 0x30`);
      expect(await labelsListed(), fn).toEqual([SECOND_LABEL]);
      expect(await faultModule(), fn).toMatchObject({
        loaded: true,
        error: expect.stringMatching(slotFailure),
      });
    }
  });

  // pkcs11js leaves C_FindObjects's errors unwrapped (no code): they were a driver failure whose
  // details carried pkcs11js's text, whatever the token said.
  it('C_FindObjects failing while signing is told by its CKR: a token pulled out is TOKEN_NOT_PRESENT', async () => {
    const id = await listedId(SECOND_KEY_ID);
    setFaults(`fail_slot ${SECOND_LABEL} C_FindObjects 0x32`); // CKR_DEVICE_REMOVED
    expect(await signCms(id)).toMatchObject({
      ok: false,
      error: { code: 'TOKEN_NOT_PRESENT', details: { ckr: 'CKR_DEVICE_REMOVED' } },
    });
  });

  it("a certificate object with a CKA_ID too long to name is skipped: the token's others are still listed", async () => {
    const before = (await list()).length;
    writeLongIdCertificate(session.token);
    const listed = await list();
    expect(listed.length).toBe(before);
    expect(listed.some((c) => c.id.endsWith('/02'))).toBe(true);
  });

  it("a certificate object the driver cannot read is skipped: the token's others are still listed", async () => {
    setFaults('fail_object cert-02 0x30'); // CKR_DEVICE_ERROR for that object only
    const listed = (await list()).filter((c) => c.token.label === TOKEN_LABEL);
    expect(listed.some((c) => c.id.endsWith('/02'))).toBe(false);
    expect(listed.some((c) => c.id.endsWith('/01'))).toBe(true);
  });

  it("each object left out is counted under its token's label in the listing's `skipped`, which the consent window shows", async () => {
    const leftOn = async (label: string) =>
      (await listing()).skipped.find((s) => s.tokenLabel === label)?.count ?? 0;
    const before = await leftOn(TOKEN_LABEL);
    // No CKA_ID (nothing ties it to a key), an Ed25519 key (kyso signs with RSA and EC), one the driver cannot read.
    writeUnlistableCertificates(session.token);
    setFaults('fail_object cert-02 0x30');
    const { certificates, skipped } = await listing();
    expect(skipped).toContainEqual({ tokenLabel: TOKEN_LABEL, count: before + 3 });
    expect(skipped.map((s) => s.tokenLabel)).not.toContain(SECOND_LABEL);
    expect(certificates.some((c) => c.id.endsWith('/01'))).toBe(true);
    expect(certificates.some((c) => c.id.endsWith('/ed'))).toBe(false);
    setFaults();
    expect(await leftOn(TOKEN_LABEL)).toBe(before + 2);
  });
});
