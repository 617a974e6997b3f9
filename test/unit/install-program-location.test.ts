import { describe, expect, it } from 'vitest';
import { programLocation } from '../../native-host/src/install/program-location.js';

describe('where the packaged program is installed', () => {
  it('Linux: /opt/kyso for the machine (the .deb), ~/.local/opt/kyso for one user (the .tar.gz)', () => {
    expect(programLocation('linux', 'system', '/home/an')).toEqual({
      dir: '/opt/kyso',
      binary: '/opt/kyso/kyso-host',
      addon: '/opt/kyso/lib/pkcs11js/build/Release/pkcs11.node',
      fonts: '/opt/kyso/fonts',
    });
    expect(programLocation('linux', 'user', '/home/an').binary).toBe('/home/an/.local/opt/kyso/kyso-host');
  });

  it('macOS: Application Support, machine-wide or in the home folder', () => {
    expect(programLocation('darwin', 'system', '/Users/an').binary).toBe(
      '/Library/Application Support/kyso/kyso-host',
    );
    expect(programLocation('darwin', 'user', '/Users/an').addon).toBe(
      '/Users/an/Library/Application Support/kyso/lib/pkcs11js/build/Release/pkcs11.node',
    );
  });

  it('Windows: Program Files for the machine, %LOCALAPPDATA%\\Programs for one user, .exe and backslashes', () => {
    expect(programLocation('win32', 'system', 'C:\\Users\\an', { ProgramFiles: 'D:\\Apps' })).toEqual({
      dir: 'D:\\Apps\\kyso',
      binary: 'D:\\Apps\\kyso\\kyso-host.exe',
      addon: 'D:\\Apps\\kyso\\lib\\pkcs11js\\build\\Release\\pkcs11.node',
      fonts: 'D:\\Apps\\kyso\\fonts',
    });
    expect(programLocation('win32', 'system', 'C:\\Users\\an').binary).toBe(
      'C:\\Program Files\\kyso\\kyso-host.exe',
    );
    // environment names are case-insensitive on Windows
    expect(programLocation('win32', 'user', 'C:\\Users\\an', { localappdata: 'E:\\L' }).binary).toBe(
      'E:\\L\\Programs\\kyso\\kyso-host.exe',
    );
    expect(programLocation('win32', 'user', 'C:\\Users\\an').dir).toBe(
      'C:\\Users\\an\\AppData\\Local\\Programs\\kyso',
    );
  });
});
