/**
 * Known PKCS#11 modules of the tokens Vietnamese users own, per OS. File names are what the CAs'
 * installers ship (not all confirmed on every OS); only files that exist are ever loaded, so an
 * unknown name costs nothing. Users can add their own with KYSO_PKCS11_MODULES or the config file.
 */

export interface KnownModule {
  /** Who ships it, shown by `kyso-host doctor`. */
  vendor: string;
  win32?: string[];
  darwin?: string[];
  linux?: string[];
}

const sys32 = (...names: string[]) => names.map((n) => `C:\\Windows\\System32\\${n}`);
const usrLocalLib = (...names: string[]) => names.map((n) => `/usr/local/lib/${n}`);
const usrLib = (...names: string[]) =>
  names.flatMap((n) => [`/usr/lib/${n}`, `/usr/lib/x86_64-linux-gnu/${n}`, `/usr/local/lib/${n}`]);

export const KNOWN_MODULES: readonly KnownModule[] = [
  {
    vendor: 'VNPT-CA',
    win32: sys32(
      'vnptca_p11_v10.dll',
      'vnptca_p11_v9.dll',
      'vnptca_p11_v8.dll',
      'vnptca_p11_v7.dll',
      'vnptca_p11_v6.dll',
      'VNPT-CA_v34.dll',
      'vnpt-ca_cl_v1.dll',
    ),
    darwin: usrLocalLib('libvnptca_p11_v10.dylib', 'libvnptca_p11_v8.dylib', 'vnptca_p11_v6.dylib'),
    linux: usrLib('libvnptca_p11_v10.so', 'libvnptca_p11_v8.so', 'libvnptca_p11_v6.so'),
  },
  {
    vendor: 'Viettel-CA',
    win32: sys32(
      'viettel-ca_v6.dll',
      'viettel-ca_v5.dll',
      'viettel-ca_v4.dll',
      'viettel-ca_v3.dll',
      'viettel-ca_v2.dll',
      'viettel-ca_v1.dll',
    ),
    darwin: usrLocalLib('viettel-ca_v6.dylib', 'viettel-ca_v5.dylib', 'viettel-ca_v4.dylib'),
    linux: usrLib('libviettel-ca_v6.so', 'viettel-ca_v6.so'),
  },
  {
    vendor: 'FPT-CA',
    win32: sys32('fptca_v6.dll', 'fptca_v5.dll', 'fptca_v4.dll', 'fptca_v3.dll', 'fpt-ca.dll'),
    darwin: usrLocalLib('fptca_v4.dylib', 'fptca_v3.dylib'),
    linux: ['/usr/lib/fptca_v4.so', ...usrLib('fptca_v3.so')],
  },
  {
    vendor: 'BkavCA',
    win32: sys32('BkavCA.dll', 'BkavCAv2S.dll', 'bkavcaetoken.dll', 'st3csp11.dll'),
    linux: usrLib('libbkavcaetoken.so'),
  },
  { vendor: 'CA2 / Nacencomm', win32: sys32('CA2_csp11.dll', 'CA2_v34.dll', 'ncca_csp11_v1.dll') },
  {
    vendor: 'SmartSign / Vina-CA',
    win32: sys32(
      'Vina-CAv10.dll',
      'Vina-CAv9.dll',
      'Vina-CAv8.dll',
      'Vina-CAv7.dll',
      'Vina-CAv6.dll',
      'Vina-CAv5.dll',
      'Vina-CAv4.dll',
      'Vina-CAv3.dll',
      'Vina-CA.dll',
    ),
  },
  { vendor: 'Safe-CA', win32: sys32('safe-ca.dll') },
  { vendor: 'EFY-CA', win32: sys32('efy-ca_v1.dll') },
  { vendor: 'Newtel-CA', win32: sys32('newca_v4.dll') },
  { vendor: 'FastCA', win32: sys32('fca_v1.dll') },
  { vendor: 'MISA-CA', win32: sys32('misaca_csp11_v2.dll') },
  { vendor: 'I-CA', win32: sys32('ica_csp11_v1.dll') },
  {
    vendor: 'SafeNet eToken',
    win32: sys32('eTPKCS11.dll'),
    darwin: [
      '/usr/local/lib/libeTPkcs11.dylib',
      '/Library/Frameworks/eToken.framework/Versions/Current/libeToken.dylib',
    ],
    linux: usrLib('libeTPkcs11.so', 'libeToken.so'),
  },
  {
    vendor: 'Bit4id (also Ban Cơ yếu tokens)',
    win32: sys32('bit4xpki.dll'),
    darwin: usrLocalLib('libbit4xpki.dylib'),
    linux: usrLib('libbit4xpki.so'),
  },
  {
    vendor: 'Feitian ePass2003',
    win32: sys32('eps2003csp11.dll', 'ShuttleCsp11_3003.dll'),
    darwin: usrLocalLib('libcastle.1.0.0.dylib', 'libeps2003csp11.dylib'),
    linux: usrLib('libcastle.so.1.0.0', 'libeps2003csp11.so'),
  },
  { vendor: 'Gemalto / Watchdata', win32: sys32('gclib.dll', 'WDPKCS.dll') },
  {
    vendor: 'OpenSC',
    win32: ['C:\\Program Files\\OpenSC Project\\OpenSC\\pkcs11\\opensc-pkcs11.dll'],
    darwin: [
      '/Library/OpenSC/lib/opensc-pkcs11.so',
      '/usr/local/lib/opensc-pkcs11.so',
      '/opt/homebrew/lib/opensc-pkcs11.so',
    ],
    linux: usrLib('opensc-pkcs11.so'),
  },
  {
    vendor: 'SoftHSM',
    win32: ['C:\\SoftHSM2\\lib\\softhsm2-x64.dll'],
    darwin: ['/usr/local/lib/softhsm/libsofthsm2.so', '/opt/homebrew/lib/softhsm/libsofthsm2.so'],
    linux: ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'],
  },
];

export function knownModulePaths(platform: NodeJS.Platform): string[] {
  const key = platform === 'win32' || platform === 'darwin' || platform === 'linux' ? platform : undefined;
  if (!key) return [];
  return KNOWN_MODULES.flatMap((m) => m[key] ?? []);
}

export function vendorOf(modulePath: string): string | undefined {
  return KNOWN_MODULES.find((m) => [m.win32, m.darwin, m.linux].some((list) => list?.includes(modulePath)))
    ?.vendor;
}
