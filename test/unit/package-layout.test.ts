import { describe, expect, it } from 'vitest';
import { CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } from '../../shared/identity.js';
import * as layout from '../../scripts/package/layout.js';
import * as policies from '../../scripts/package/policies.js';
import * as runtime from '../../native-host/src/runtime.js';
import { launcherScript } from '../../native-host/src/install/launcher.js';

describe('Linux package layout', () => {
  it('registers the installed binary in each browser’s system directory, one file per directory', () => {
    const manifests = layout.systemManifests();
    expect(manifests.map((m) => m.path)).toEqual([
      '/etc/chromium/native-messaging-hosts/vn.kyso.host.json', // Chromium and Brave
      '/etc/opt/chrome/native-messaging-hosts/vn.kyso.host.json',
      '/etc/opt/edge/native-messaging-hosts/vn.kyso.host.json',
      '/usr/lib/mozilla/native-messaging-hosts/vn.kyso.host.json',
    ]);
    for (const manifest of manifests) {
      const json = JSON.parse(manifest.text!);
      expect(json.path).toBe('/opt/kyso/kyso-host');
      if (manifest.path.includes('mozilla')) expect(json.allowed_extensions).toEqual([FIREFOX_EXTENSION_ID]);
      else expect(json.allowed_origins).toEqual([`chrome-extension://${CHROMIUM_EXTENSION_ID}/`]);
      expect(manifest.mode).toBe(0o644);
    }
  });

  it('puts pkcs11js and the font beside the executable, and links kyso and kyso-host to it', () => {
    const files = layout.programFiles({
      binary: '/b/kyso-host',
      pkcs11jsDir: '/nm/pkcs11js',
      fontsDir: '/f',
    });
    expect(files.find((f) => f.path === '/opt/kyso/kyso-host')).toMatchObject({
      from: '/b/kyso-host',
      mode: 0o755,
    });
    expect(files.find((f) => f.path === '/opt/kyso/lib/pkcs11js/build/Release/pkcs11.node')?.from).toBe(
      '/nm/pkcs11js/build/Release/pkcs11.node',
    );
    expect(files.find((f) => f.path === '/opt/kyso/fonts/LiberationSerif-Regular.ttf')?.from).toBe(
      '/f/LiberationSerif-Regular.ttf',
    );
    expect(layout.commandLinks().map((l) => [l.path, l.symlink])).toEqual([
      ['/usr/bin/kyso', '/opt/kyso/kyso-host'],
      ['/usr/bin/kyso-host', '/opt/kyso/kyso-host'],
    ]);
  });

  it('declares the shared libraries Node’s binary really links, and purges only its own directory', () => {
    const control = layout.debControl({ version: '1.2.3', architecture: 'amd64', installedSizeKiB: 99 });
    expect(control).toMatch(/^Package: kyso\nVersion: 1\.2\.3\nArchitecture: amd64\n/);
    expect(control).toContain('\nDepends: libc6 (>= 2.34), libstdc++6 (>= 9), libgcc-s1\n');
    expect(control.endsWith('\n')).toBe(true);
    expect(layout.debPostrm()).toContain('if [ "$1" = purge ]; then\n  rm -rf /opt/kyso\nfi');
    expect(layout.debArchitecture('x64')).toBe('amd64');
    expect(() => layout.debArchitecture('ia32')).toThrow(/no Debian architecture/);
  });

  it('enterprise policies force-install the extension and set its managed storage, as opt-in templates', () => {
    expect(policies.chromiumPolicy()).toEqual({
      ExtensionInstallForcelist: [`${CHROMIUM_EXTENSION_ID};https://clients2.google.com/service/update2/crx`],
      '3rdparty': {
        extensions: {
          [CHROMIUM_EXTENSION_ID]: { allowedOrigins: ['https://dichvucong.gov.vn'], blockedOrigins: [] },
        },
      },
    });
    const firefox = policies.firefoxPolicy('https://agency.example/kyso.xpi', {
      allowedOrigins: ['https://thue.gov.vn'],
    }) as { policies: Record<string, Record<string, unknown>> };
    expect(firefox.policies.ExtensionSettings![FIREFOX_EXTENSION_ID]).toEqual({
      installation_mode: 'force_installed',
      install_url: 'https://agency.example/kyso.xpi',
    });
    expect(firefox.policies['3rdparty']).toEqual({
      Extensions: { [FIREFOX_EXTENSION_ID]: { allowedOrigins: ['https://thue.gov.vn'] } },
    });
    // templates live under the program, never where a browser reads them
    const templates = policies.enterprisePolicies('/opt/kyso/policies').map((f) => f.path);
    expect(templates).toEqual([
      '/opt/kyso/policies/chrome/kyso.json',
      '/opt/kyso/policies/chromium/kyso.json',
      '/opt/kyso/policies/edge/kyso.json',
      '/opt/kyso/policies/brave/kyso.json',
      '/opt/kyso/policies/firefox/policies.json',
      '/opt/kyso/policies/firefox-esr/policies.json',
    ]);
    for (const location of Object.values(policies.LINUX_POLICY_LOCATIONS))
      expect(templates).not.toContain(location);
  });
});

describe('packaged runtime', () => {
  it('the packaged binary starts its worker as itself; development forks the worker bundle with the host flags', () => {
    expect(runtime.workerLaunch('/d/worker-main.js', true)).toEqual({
      modulePath: runtime.WORKER_ARGUMENT,
      execArgv: [],
    });
    expect(runtime.workerLaunch('/d/worker-main.js', false)).toEqual({
      modulePath: '/d/worker-main.js',
      execArgv: [...runtime.HOST_NODE_FLAGS],
    });
  });

  it("the worker's GLIBC_TUNABLES: kyso's malloc setting, then the user's own, which glibc lets win", () => {
    expect(runtime.workerGlibcTunables(undefined)).toBe('glibc.malloc.tcache_count=64');
    expect(runtime.workerGlibcTunables('')).toBe('glibc.malloc.tcache_count=64');
    expect(runtime.workerGlibcTunables('glibc.malloc.tcache_count=0')).toBe(
      'glibc.malloc.tcache_count=64:glibc.malloc.tcache_count=0',
    );
  });

  it('a packaged binary without its addon says so; a development build is not checked', () => {
    expect(runtime.packagedAddonProblem(true, '/opt/kyso', () => false)).toBe(
      "kyso's PKCS#11 component is missing (/opt/kyso/lib/pkcs11js/build/Release/pkcs11.node): reinstall kyso",
    );
    expect(
      runtime.packagedAddonProblem(
        true,
        '/opt/kyso',
        (f) => f === '/opt/kyso/lib/pkcs11js/build/Release/pkcs11.node',
      ),
    ).toBeUndefined();
    expect(runtime.packagedAddonProblem(false, '/opt/kyso', () => false)).toBeUndefined();
  });

  it('a development build says so in --version', () => {
    expect(runtime.versionLine()).toMatch(/^kyso \d+\.\d+\.\d+ \(development build\)$/);
  });

  it('a launcher for the packaged binary execs it without node flags', () => {
    expect(
      launcherScript({
        platform: 'linux',
        nodePath: '/opt/kyso/kyso-host',
        env: { SOFTHSM2_CONF: '/t/s.conf' },
      }),
    ).toBe(
      `#!/bin/sh\n# kyso native-messaging host launcher, written by \`kyso-host install\`.\nexport SOFTHSM2_CONF='/t/s.conf'\nexec '/opt/kyso/kyso-host' "$@"\n`,
    );
    expect(launcherScript({ platform: 'win32', nodePath: 'C:\\kyso\\kyso-host.exe' })).toContain(
      '"C:\\kyso\\kyso-host.exe" %*\r\n',
    );
  });
});
