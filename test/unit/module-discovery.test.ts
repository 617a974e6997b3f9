import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeModules, modulesToLoad } from '../../native-host/src/modules/discovery.js';
import { KNOWN_MODULES, knownModulePaths, vendorOf } from '../../native-host/src/modules/registry.js';

describe('PKCS#11 module discovery', () => {
  it('knows modules for every Vietnamese CA named in the reference, on Windows', () => {
    const vendors = KNOWN_MODULES.filter((m) => m.win32?.length)
      .map((m) => m.vendor)
      .join(' ');
    for (const ca of [
      'VNPT-CA',
      'Viettel-CA',
      'FPT-CA',
      'BkavCA',
      'CA2',
      'SmartSign',
      'Safe-CA',
      'EFY-CA',
      'Newtel-CA',
      'FastCA',
      'MISA-CA',
      'I-CA',
      'SafeNet',
      'Bit4id',
      'ePass2003',
      'OpenSC',
      'SoftHSM',
    ]) {
      expect(vendors).toContain(ca);
    }
    expect(knownModulePaths('win32')).toContain('C:\\Windows\\System32\\viettel-ca_v6.dll');
    expect(knownModulePaths('darwin')).toContain('/usr/local/lib/fptca_v4.dylib');
    expect(knownModulePaths('linux')).toContain('/usr/lib/fptca_v4.so');
    expect(knownModulePaths('aix')).toEqual([]);
    expect(vendorOf('C:\\Windows\\System32\\bit4xpki.dll')).toMatch(/Bit4id/);
  });

  it('loads only files that exist, configured ones first, without duplicates', () => {
    const present = new Set([
      '/opt/vendor/custom.so',
      '/usr/lib/fptca_v4.so',
      '/usr/lib/softhsm/libsofthsm2.so',
    ]);
    const found = modulesToLoad({
      env: {},
      platform: 'linux',
      exists: (f) => present.has(f),
      configured: ['/opt/vendor/custom.so', '/opt/vendor/missing.so', '/usr/lib/fptca_v4.so'],
    });
    expect(found).toEqual([
      '/opt/vendor/custom.so',
      '/usr/lib/fptca_v4.so',
      '/usr/lib/softhsm/libsofthsm2.so',
    ]);
  });

  it('KYSO_PKCS11_MODULES replaces discovery (with the platform delimiter)', () => {
    const exists = () => true;
    expect(
      modulesToLoad({
        env: { KYSO_PKCS11_MODULES: '/a.so:/b.so' },
        platform: 'linux',
        exists,
        configured: ['/c.so'],
      }),
    ).toEqual(['/a.so', '/b.so']);
    expect(
      modulesToLoad({ env: { KYSO_PKCS11_MODULES: 'C:\\a.dll;D:\\b.dll' }, platform: 'win32', exists }),
    ).toEqual(['C:\\a.dll', 'D:\\b.dll']);
  });

  it('one library linked under two names is loaded once (and described once)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kyso-discovery-'));
    try {
      const real = path.join(dir, 'libvendor.so');
      const alias = path.join(dir, 'libvendor-alias.so');
      writeFileSync(real, 'not really a library');
      symlinkSync(real, alias);
      const env = { KYSO_PKCS11_MODULES: '', KYSO_CONFIG: path.join(dir, 'none.json') };
      expect(
        modulesToLoad({ env, platform: 'linux', configured: [alias, real] }).filter((m) => m.startsWith(dir)),
      ).toEqual([alias]);
      expect(
        describeModules({ env, platform: 'linux', configured: [alias, real] }).filter(
          (m) => m.source === 'configured',
        ),
      ).toEqual([{ path: alias, source: 'configured', present: true }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
