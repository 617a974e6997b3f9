import { describe, expect, it } from 'vitest';
import { CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } from '../../shared/identity.js';
import { NATIVE_HOST_NAME } from '../../shared/version.js';
import * as install from '../../native-host/src/install/index.js';

const hostPath = '/opt/kyso/kyso-host.sh';

describe('host manifests', () => {
  it('Chromium family: allowed_origins with the extension origin', () => {
    expect(install.chromiumHostManifest({ hostPath })).toEqual({
      name: 'vn.kyso.host',
      description: install.HOST_DESCRIPTION,
      path: hostPath,
      type: 'stdio',
      allowed_origins: ['chrome-extension://anlcenadaodlpbpalpicanppjiejhbpp/'],
    });
    expect(NATIVE_HOST_NAME).toBe('vn.kyso.host');
    expect(CHROMIUM_EXTENSION_ID).toBe('anlcenadaodlpbpalpicanppjiejhbpp');
  });

  it('Firefox: allowed_extensions with the gecko id, no allowed_origins', () => {
    const manifest = install.firefoxHostManifest({ hostPath, description: 'test' });
    expect(manifest).toEqual({
      name: 'vn.kyso.host',
      description: 'test',
      path: hostPath,
      type: 'stdio',
      allowed_extensions: [FIREFOX_EXTENSION_ID],
    });
    expect(manifest).not.toHaveProperty('allowed_origins');
  });

  it('extra extension ids are appended once, and malformed ones refused', () => {
    const dev = 'abcdefghijklmnopabcdefghijklmnop';
    expect(
      install.chromiumHostManifest({ hostPath, extraExtensionIds: [dev, dev, CHROMIUM_EXTENSION_ID] })
        .allowed_origins,
    ).toEqual([`chrome-extension://${CHROMIUM_EXTENSION_ID}/`, `chrome-extension://${dev}/`]);
    expect(
      install.firefoxHostManifest({
        hostPath,
        extraExtensionIds: ['dev@kyso.vn', '{12345678-1234-1234-1234-123456789abc}'],
      }).allowed_extensions,
    ).toEqual(['kyso@kyso.vn', 'dev@kyso.vn', '{12345678-1234-1234-1234-123456789abc}']);
    expect(() =>
      install.chromiumHostManifest({ hostPath, extraExtensionIds: ['chrome-extension://x/'] }),
    ).toThrow(/Chromium/);
    expect(() =>
      install.chromiumHostManifest({ hostPath, extraExtensionIds: ['zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'] }),
    ).toThrow();
    expect(() => install.firefoxHostManifest({ hostPath, extraExtensionIds: ['no spaces@x'] })).toThrow(
      /Firefox/,
    );
  });

  it('picks the shape by family and serialises stably', () => {
    expect(install.hostManifest('firefox', { hostPath })).toHaveProperty('allowed_extensions');
    expect(install.hostManifest('chromium', { hostPath })).toHaveProperty('allowed_origins');
    const text = install.serializeManifest(install.hostManifest('chromium', { hostPath }));
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(install.chromiumHostManifest({ hostPath }));
    expect(install.serializeManifest(install.hostManifest('chromium', { hostPath }))).toBe(text);
  });

  it('keeps Windows paths as given (JSON escapes the backslashes)', () => {
    const text = install.serializeManifest(
      install.chromiumHostManifest({ hostPath: 'C:\\Program Files\\kyso\\kyso-host.bat' }),
    );
    expect(text).toContain('"path": "C:\\\\Program Files\\\\kyso\\\\kyso-host.bat"');
  });
});
