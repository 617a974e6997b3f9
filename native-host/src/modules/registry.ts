/**
 * Known PKCS#11 module files of the tokens Vietnamese users own, per OS. Names are what CA
 * installers ship (see the project's reference notes); only files that exist are loaded.
 */
const LINUX = [
  '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so',
  '/usr/lib/opensc-pkcs11.so',
  '/usr/lib/libeTPkcs11.so',
  '/usr/lib/fptca_v4.so',
  '/usr/lib/softhsm/libsofthsm2.so',
];

export function knownModulePaths(platform: NodeJS.Platform): string[] {
  return platform === 'linux' ? LINUX : [];
}
