/**
 * What the Linux packages contain and where it goes: pure, so the layout, the Debian control files
 * and the browser registrations are unit-tested without building anything.
 */
import path from 'node:path';
import { hostManifest, serializeManifest } from '../../native-host/src/install/manifest.js';
import { hostLocations, type Browser } from '../../native-host/src/install/locations.js';
import { programLocation } from '../../native-host/src/install/program-location.js';
import { PACKAGED_PKCS11_ADDON, PACKAGED_PKCS11JS_DIR } from '../../native-host/src/runtime.js';

const SYSTEM_PROGRAM = programLocation('linux', 'system', '/root');
export const INSTALL_DIR = SYSTEM_PROGRAM.dir;
export const HOST_BINARY = SYSTEM_PROGRAM.binary;
/** Browsers the .deb registers system-wide: every one with a documented system location on Linux. */
export const DEB_BROWSERS: readonly Browser[] = ['chrome', 'chromium', 'edge', 'brave', 'firefox'];

/**
 * Firefox on Debian and Ubuntu reads /usr/lib/mozilla; /usr/lib64 is for Fedora-style systems, which
 * a .deb does not target (the .tar.gz's `kyso-host install --scope system` writes both).
 */
const DEB_SKIPPED_DIRS = ['/usr/lib64/'];

export interface PackageFile {
  /** Absolute path on the installed system. */
  path: string;
  /** File content, or a symbolic link's target. */
  text?: string;
  symlink?: string;
  /** Copied from the build tree (absolute path there). */
  from?: string;
  mode: number;
}

/** The native-messaging manifests the .deb installs: one file per directory, shared by browsers reading it. */
export function systemManifests(): PackageFile[] {
  const { located } = hostLocations({ platform: 'linux', scope: 'system', home: '/root' }, DEB_BROWSERS);
  const files = new Map<string, PackageFile>();
  for (const location of located) {
    for (const file of location.manifestPaths) {
      if (DEB_SKIPPED_DIRS.some((dir) => file.startsWith(dir))) continue;
      const text = serializeManifest(hostManifest(location.family, { hostPath: HOST_BINARY }));
      files.set(file, { path: file, text, mode: 0o644 });
    }
  }
  return [...files.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** Files from the build: the single executable, the pkcs11js addon beside it, the stamp font. */
export function programFiles(
  build: { binary: string; pkcs11jsDir: string; fontsDir: string },
  installDir = INSTALL_DIR,
): PackageFile[] {
  const addonDir = `${installDir}/${PACKAGED_PKCS11JS_DIR}`;
  return [
    { path: `${installDir}/kyso-host`, from: build.binary, mode: 0o755 },
    { path: `${addonDir}/package.json`, from: path.join(build.pkcs11jsDir, 'package.json'), mode: 0o644 },
    { path: `${addonDir}/index.js`, from: path.join(build.pkcs11jsDir, 'index.js'), mode: 0o644 },
    { path: `${addonDir}/LICENSE`, from: path.join(build.pkcs11jsDir, 'LICENSE'), mode: 0o644 },
    {
      path: `${installDir}/${PACKAGED_PKCS11_ADDON}`,
      from: path.join(build.pkcs11jsDir, 'build/Release/pkcs11.node'),
      mode: 0o644,
    },
    {
      path: `${installDir}/fonts/LiberationSerif-Regular.ttf`,
      from: path.join(build.fontsDir, 'LiberationSerif-Regular.ttf'),
      mode: 0o644,
    },
    { path: `${installDir}/fonts/OFL.txt`, from: path.join(build.fontsDir, 'OFL.txt'), mode: 0o644 },
  ];
}

/** Two names, one program: `kyso` for people, `kyso-host` for installers and browsers. */
export function commandLinks(): PackageFile[] {
  return ['kyso', 'kyso-host'].map((name) => ({
    path: `/usr/bin/${name}`,
    symlink: HOST_BINARY,
    mode: 0o777,
  }));
}

export interface ControlFields {
  version: string;
  /** Debian architecture (amd64, arm64). */
  architecture: string;
  installedSizeKiB: number;
}

/**
 * Depends: the packaged binary is Node's own executable, which links libstdc++ and libgcc_s
 * dynamically (as does pkcs11js's addon), so "libc6 only" is not true: both are declared. Debian
 * and Ubuntu desktops have them installed already. pkcs11js's addon as built on Debian 12 needs
 * glibc 2.34 (objdump -T), Node 20 itself 2.28.
 */
export function debControl(fields: ControlFields): string {
  return [
    'Package: kyso',
    `Version: ${fields.version}`,
    `Architecture: ${fields.architecture}`,
    'Maintainer: kyso developers <kyso@kyso.vn>',
    `Installed-Size: ${fields.installedSizeKiB}`,
    'Depends: libc6 (>= 2.34), libstdc++6 (>= 9), libgcc-s1',
    'Suggests: pcscd, opensc',
    'Section: utils',
    'Priority: optional',
    'Homepage: https://kyso.vn',
    'Description: sign on Vietnamese public-service portals with your USB token',
    ' kyso ("ký số") lets a browser extension sign with the PKCS#11 USB token your',
    ' certificate authority issued. This package is the native host and the `kyso`',
    ' command line, registered for Chrome, Chromium, Edge, Brave and Firefox.',
    '',
  ].join('\n');
}

/**
 * Every file kyso installs is in dpkg's list, so `dpkg --remove` deletes them. kyso writes nothing
 * else system-wide at run time; per-user settings (~/.config/kyso) belong to the user, and Debian
 * policy forbids maintainer scripts to touch home directories. On purge, only directories an
 * administrator's leftovers kept alive (policy copies made by hand are theirs) remain.
 */
export function debPostrm(): string {
  return [
    '#!/bin/sh',
    'set -e',
    'if [ "$1" = purge ]; then',
    `  rm -rf ${INSTALL_DIR}`,
    'fi',
    'exit 0',
    '',
  ].join('\n');
}

/** dpkg architecture name of a Node architecture. */
export function debArchitecture(nodeArch: string): string {
  const names: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
  const name = names[nodeArch];
  if (!name) throw new Error(`no Debian architecture for ${nodeArch}`);
  return name;
}

/** /usr/share/doc/kyso/copyright (machine-readable format), as Debian policy asks. */
export function debCopyright(): string {
  return [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: kyso',
    '',
    'Files: *',
    'Copyright: kyso developers',
    'License: Apache-2.0',
    ' See /usr/share/common-licenses/Apache-2.0.',
    '',
    'Files: opt/kyso/lib/pkcs11js/*',
    'Copyright: PeculiarVentures',
    'License: MIT',
    ' See /opt/kyso/lib/pkcs11js/LICENSE.',
    '',
    'Files: opt/kyso/fonts/*',
    'Copyright: Red Hat, Inc. (Liberation fonts)',
    'License: OFL-1.1',
    ' See /opt/kyso/fonts/OFL.txt.',
    '',
    'Files: opt/kyso/kyso-host',
    'Copyright: Node.js contributors and others (the Node.js runtime the program is built into)',
    'License: Expat',
    ' See https://github.com/nodejs/node/blob/main/LICENSE.',
    '',
  ].join('\n');
}
