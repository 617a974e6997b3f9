/**
 * Extra PKCS#11 modules from the options page: the host writes them to its config file, reloads
 * its worker, and reports what it found and loaded. A missing file or a library that is not a
 * PKCS#11 module is reported and hides nothing else.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import type { ModuleReport } from '../../shared/protocol/host.js';
import { moduleKey } from '../../native-host/src/worker/certificate-identity.js';
import type { HostProcess } from '../support/host-process.js';
import { SOFTHSM_MODULE } from '../support/paths.js';
import { startHostSession, type HostSession } from '../support/host-session.js';
import { userModuleSetup } from '../support/user-modules.js';

describe('PKCS#11 modules the user adds', () => {
  let session: HostSession;
  let host: HostProcess;
  const { dir, config, vendorModule, hostEnv, remove } = userModuleSetup('kyso-modules-');

  beforeAll(async () => {
    session = await startHostSession({ env: hostEnv, listCertificates: false });
    ({ host } = session);
  });
  afterAll(async () => {
    await session?.close();
    remove();
  });

  async function report(command: 'modules' | 'set-modules', params: object): Promise<ModuleReport> {
    const response = await host.request(command, params as never);
    if (!response.ok) throw new Error(JSON.stringify(response.error));
    return response.result as ModuleReport;
  }
  async function certificateIds(): Promise<string[]> {
    const response = await host.request('list-certificates', {});
    if (!response.ok) throw new Error(JSON.stringify(response.error));
    return (response.result as { certificates: CertificateEntry[] }).certificates.map((c) => c.id);
  }

  it('reports the known modules it finds, loaded, and nothing configured', async () => {
    const before = await report('modules', {});
    expect(before.environmentOverride).toBe(false);
    expect(before.configured).toEqual([]);
    expect(before.modules).toContainEqual({
      path: SOFTHSM_MODULE,
      source: 'known',
      present: true,
      loaded: true,
    });
    expect(before.modules.some((m) => m.path === vendorModule)).toBe(false);
    expect((await certificateIds()).some((id) => id.startsWith(`${moduleKey(vendorModule)}/`))).toBe(false);
  });

  it('an added module is written to the config file, loaded, and its certificates listed', async () => {
    const after = await report('set-modules', { configured: [vendorModule] });
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ modules: [vendorModule] });
    expect(after.configured).toEqual([vendorModule]);
    expect(after.modules).toContainEqual({
      path: vendorModule,
      source: 'configured',
      present: true,
      loaded: true,
    });
    const ids = await certificateIds();
    expect(ids.filter((id) => id.startsWith(`${moduleKey(vendorModule)}/`)).length).toBeGreaterThanOrEqual(4);
    expect(ids.some((id) => id.startsWith(`${moduleKey(SOFTHSM_MODULE)}/`))).toBe(true);
  });

  it('a missing file and a library that is not PKCS#11 are reported; the others still load; other settings in the file stay', async () => {
    writeFileSync(config, JSON.stringify({ modules: [vendorModule], keep: 'this' }));
    const notPkcs11 = ['/usr/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libz.so.1'].find((f) =>
      existsSync(f),
    )!;
    const missing = path.join(dir, 'nowhere', 'libmissing.so');
    const result = await report('set-modules', { configured: [vendorModule, missing, notPkcs11] });
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({
      modules: [vendorModule, missing, notPkcs11],
      keep: 'this',
    });
    expect(result.modules).toContainEqual({
      path: missing,
      source: 'configured',
      present: false,
      loaded: false,
      error: 'file not found',
    });
    const broken = result.modules.find((m) => m.path === notPkcs11)!;
    expect(broken).toMatchObject({ source: 'configured', present: true, loaded: false });
    expect(broken.error).toBeTruthy();
    expect(result.modules).toContainEqual({
      path: vendorModule,
      source: 'configured',
      present: true,
      loaded: true,
    });
    expect((await certificateIds()).some((id) => id.startsWith(`${moduleKey(vendorModule)}/`))).toBe(true);

    const removed = await report('set-modules', { configured: [] });
    expect(removed.configured).toEqual([]);
    expect((await certificateIds()).some((id) => id.startsWith(`${moduleKey(vendorModule)}/`))).toBe(false);
  });

  it('only absolute paths to shared libraries are accepted', async () => {
    for (const configured of [
      ['libvendor.so'],
      ['/etc/passwd'],
      ['../../lib/x.so'],
      [`/${'a'.repeat(1100)}.so`],
      Array(17).fill(vendorModule),
    ]) {
      const response = await host.request('set-modules', { configured });
      expect(response, JSON.stringify(configured).slice(0, 80)).toMatchObject({
        ok: false,
        error: { code: 'BAD_REQUEST' },
      });
    }
  });
});
