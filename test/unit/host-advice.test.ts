import { describe, expect, it } from 'vitest';
import { HOST_DOWNLOAD_URL, hostAdvice } from '../../extension/src/options/host-advice.js';

describe('what the popup says about the kyso app', () => {
  it('missing app: install it, with the download link', () => {
    const advice = hostAdvice({ code: 'HOST_NOT_INSTALLED', message: '' });
    expect(advice).toMatchObject({ download: true });
    expect(advice!.en).toContain('not installed');
    expect(HOST_DOWNLOAD_URL).toMatch(/^https:\/\//);
  });

  it('app older than the extension: update the app (download); newer: update the extension (no download)', () => {
    const older = hostAdvice({
      code: 'VERSION_MISMATCH',
      message: '',
      details: { update: 'host', hostProtocol: 1, extensionProtocol: 2 },
    });
    expect(older).toMatchObject({ download: true });
    expect(older!.en).toContain('older than this extension');
    expect(older!.vi).toContain('cũ hơn');
    const newer = hostAdvice({ code: 'VERSION_MISMATCH', message: '', details: { update: 'extension' } });
    expect(newer).toMatchObject({ download: false });
    expect(newer!.en).toContain('update the kyso extension');
  });

  it('other errors get no advice', () => {
    expect(hostAdvice({ code: 'TIMEOUT', message: '' })).toBeUndefined();
  });
});
