import { describe, expect, it } from 'vitest';
import {
  detectSandboxedBrowsers,
  evidencePaths,
  sandboxAdvice,
  sandboxedBrowserAdvice,
} from '../../native-host/src/install/sandboxed-browsers.js';

const home = '/home/an';
const fakeFs = (present: string[]) => (file: string) => present.includes(file);

describe('snap and Flatpak browsers', () => {
  it('finds nothing on a system without them', () => {
    expect(detectSandboxedBrowsers({ home, exists: fakeFs([]) })).toEqual([]);
  });

  it('finds snaps by /snap/bin, /var/lib/snapd/snap/bin or ~/snap', () => {
    const found = detectSandboxedBrowsers({
      home,
      exists: fakeFs(['/snap/bin/chromium', '/home/an/snap/firefox', '/var/lib/snapd/snap/bin/brave']),
    });
    expect(found).toEqual([
      { browser: 'firefox', kind: 'snap', id: 'firefox', evidence: '/home/an/snap/firefox' },
      { browser: 'chromium', kind: 'snap', id: 'chromium', evidence: '/snap/bin/chromium' },
      { browser: 'brave', kind: 'snap', id: 'brave', evidence: '/var/lib/snapd/snap/bin/brave' },
    ]);
  });

  it('finds system and per-user Flatpaks', () => {
    const found = detectSandboxedBrowsers({
      home,
      exists: fakeFs([
        '/var/lib/flatpak/app/org.chromium.Chromium',
        '/home/an/.local/share/flatpak/app/com.google.Chrome',
        '/home/an/.var/app/org.mozilla.firefox',
        '/var/lib/flatpak/app/com.microsoft.Edge',
      ]),
    });
    expect(found.map((f) => [f.browser, f.kind, f.id])).toEqual([
      ['firefox', 'flatpak', 'org.mozilla.firefox'],
      ['chromium', 'flatpak', 'org.chromium.Chromium'],
      ['chrome', 'flatpak', 'com.google.Chrome'],
      ['edge', 'flatpak', 'com.microsoft.Edge'],
    ]);
  });

  it('reports each package once, with the first evidence found', () => {
    const found = detectSandboxedBrowsers({
      home,
      exists: fakeFs(['/snap/bin/firefox', '/home/an/snap/firefox']),
    });
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence).toBe('/snap/bin/firefox');
    expect(evidencePaths({ kind: 'flatpak', id: 'x.y' }, home)).toEqual([
      '/var/lib/flatpak/app/x.y',
      '/home/an/.local/share/flatpak/app/x.y',
      '/home/an/.var/app/x.y',
    ]);
  });

  it.each([
    ['snap', 'firefox', '/snap/bin/firefox', 'works', /xdg-desktop-portal/],
    [
      'flatpak',
      'org.mozilla.firefox',
      '/var/lib/flatpak/app/org.mozilla.firefox',
      'needs-setup',
      /xdg-native-messaging-proxy/,
    ],
  ] as const)('Firefox %s (%s): %s', (kind, id, evidence, support, names) => {
    // A snap works through the desktop portal; a Flatpak needs xdg-native-messaging-proxy.
    const advice = sandboxAdvice({ browser: 'firefox', kind, id, evidence });
    expect(advice.support).toBe(support);
    expect(advice.en).toMatch(names);
    expect(advice.vi).toMatch(names);
  });

  it('Chromium-family snaps and Flatpaks cannot reach the host: install the .deb/.rpm browser', () => {
    const advice = sandboxedBrowserAdvice({
      home,
      exists: fakeFs(['/snap/bin/chromium', '/var/lib/flatpak/app/com.brave.Browser']),
    });
    expect(advice.map((a) => a.support)).toEqual(['unsupported', 'unsupported']);
    for (const a of advice) {
      expect(a.en).toMatch(/cannot start native hosts/);
      expect(a.en).toMatch(/\.deb\/\.rpm/);
      expect(a.vi).toMatch(/\.deb\/\.rpm/);
    }
    // Only Flatpak has the (sandbox-weakening) flatpak-spawn workaround.
    expect(advice[0]?.en).not.toMatch(/flatpak-spawn/);
    expect(advice[1]?.en).toMatch(/flatpak-spawn --host/);
    expect(advice[1]?.en).toContain('com.brave.Browser');
  });
});
