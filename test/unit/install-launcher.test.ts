import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as install from '../../native-host/src/install/index.js';

describe('host launcher', () => {
  it('POSIX: absolute node, exported env, exec with the browser arguments', () => {
    const text = install.launcherScript({
      platform: 'linux',
      nodePath: '/usr/local/bin/node',
      hostScript: '/opt/kyso/native-host/bin/kyso-host.js',
      env: { SOFTHSM2_CONF: '/tmp/t/softhsm2.conf', KYSO_PKCS11_MODULES: '/usr/lib/softhsm/libsofthsm2.so' },
    });
    expect(text).toBe(
      [
        '#!/bin/sh',
        '# kyso native-messaging host launcher, written by `kyso-host install`.',
        "export SOFTHSM2_CONF='/tmp/t/softhsm2.conf'",
        "export KYSO_PKCS11_MODULES='/usr/lib/softhsm/libsofthsm2.so'",
        `exec '/usr/local/bin/node' --max-semi-space-size=1 --single-threaded-gc --max-opt=2 '/opt/kyso/native-host/bin/kyso-host.js' "$@"`,
        '',
      ].join('\n'),
    );
    expect(install.launcherFileName('darwin')).toBe('kyso-host.sh');
  });

  it('defaults to this node (process.execPath)', () => {
    expect(install.launcherScript({ platform: 'linux', hostScript: '/k.js' })).toContain(
      `exec '${process.execPath}' --max-semi-space-size=1 --single-threaded-gc --max-opt=2 '/k.js'`,
    );
  });

  it('quotes shell metacharacters literally', () => {
    expect(install.shellQuote("it's $HOME `x`")).toBe(`'it'\\''s $HOME \`x\`'`);
    expect(
      install.launcherScript({ platform: 'darwin', nodePath: '/App Support/node', hostScript: '/a/k.js' }),
    ).toContain(
      "exec '/App Support/node' --max-semi-space-size=1 --single-threaded-gc --max-opt=2 '/a/k.js'",
    );
  });

  it('Windows: a .bat with CRLF, quoted paths, %% for percent signs and %* for the arguments', () => {
    const text = install.launcherScript({
      platform: 'win32',
      nodePath: 'C:\\Program Files\\nodejs\\node.exe',
      hostScript: 'C:\\kyso\\native-host\\bin\\kyso-host.js',
      env: { KYSO_PKCS11_MODULES: 'C:\\Windows\\System32\\vnpt%1.dll' },
    });
    expect(text).toBe(
      [
        '@echo off',
        'rem kyso native-messaging host launcher, written by `kyso-host install`.',
        'setlocal',
        'set "KYSO_PKCS11_MODULES=C:\\Windows\\System32\\vnpt%%1.dll"',
        '"C:\\Program Files\\nodejs\\node.exe" --max-semi-space-size=1 --single-threaded-gc --max-opt=2 "C:\\kyso\\native-host\\bin\\kyso-host.js" %*',
        '',
      ].join('\r\n'),
    );
    expect(install.launcherFileName('win32')).toBe('kyso-host.bat');
  });

  it('refuses what it could not write safely', () => {
    expect(() =>
      install.launcherScript({ platform: 'linux', nodePath: 'node', hostScript: '/k.js' }),
    ).toThrow(/absolute/);
    expect(() => install.launcherScript({ platform: 'linux', nodePath: '/n', hostScript: 'k.js' })).toThrow(
      /absolute/,
    );
    expect(() =>
      install.launcherScript({ platform: 'win32', nodePath: '/n', hostScript: 'C:\\k.js' }),
    ).toThrow(/absolute/);
    expect(() =>
      install.launcherScript({ platform: 'linux', nodePath: '/n', hostScript: '/k.js', env: { 'A-B': 'x' } }),
    ).toThrow(/variable name/);
    expect(() =>
      install.launcherScript({ platform: 'linux', nodePath: '/n', hostScript: '/k.js', env: { A: 'x\ny' } }),
    ).toThrow(/line break/);
    expect(() =>
      install.launcherScript({
        platform: 'win32',
        nodePath: 'C:\\n.exe',
        hostScript: 'C:\\k.js',
        env: { A: 'say "hi"' },
      }),
    ).toThrow(/double quote/);
  });

  it('finds native-host/bin/kyso-host.js above the module (sources, tsc output or bundle)', () => {
    const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    expect(install.findHostScript()).toBe(path.join(repoRoot, 'native-host/bin/kyso-host.js'));
    const present = new Set(['/srv/kyso/native-host/bin/kyso-host.js']);
    expect(install.findHostScript('/srv/kyso/dist/host', (f) => present.has(f))).toBe(
      '/srv/kyso/native-host/bin/kyso-host.js',
    );
    expect(() => install.findHostScript('/elsewhere', () => false)).toThrow(/not found/);
  });
});
