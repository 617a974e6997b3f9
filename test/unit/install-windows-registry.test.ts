import { describe, expect, it } from 'vitest';
import {
  REG_EXE,
  createRegExeRegistry,
  parseRegQueryDefault,
  regAddArgs,
  regDeleteArgs,
  regQueryArgs,
  type CommandRunner,
} from '../../native-host/src/install/windows-registry.js';

const key = 'HKCU\\Software\\Google\\Chrome\\NativeMessagingHosts\\vn.kyso.host';
const manifest = 'C:\\Users\\an\\AppData\\Local\\kyso\\NativeMessagingHosts\\chromium\\vn.kyso.host.json';

describe('reg.exe registry', () => {
  it('builds the reg.exe argument lists (no shell involved)', () => {
    expect(regAddArgs(key, manifest)).toEqual(['add', key, '/ve', '/t', 'REG_SZ', '/d', manifest, '/f']);
    expect(regDeleteArgs(key)).toEqual(['delete', key, '/f']);
    expect(regQueryArgs(key)).toEqual(['query', key, '/ve']);
  });

  it('reads the default value from reg query output in any UI language', () => {
    const english = `\r\nHKEY_CURRENT_USER\\Software\\Google\\Chrome\\NativeMessagingHosts\\vn.kyso.host\r\n    (Default)    REG_SZ    ${manifest}\r\n\r\n`;
    expect(parseRegQueryDefault(english)).toBe(manifest);
    const vietnamese = `\r\nHKEY_CURRENT_USER\\Software\\Mozilla\\NativeMessagingHosts\\vn.kyso.host\r\n    (Mặc định)    REG_SZ    C:\\a b\\c.json\r\n`;
    expect(parseRegQueryDefault(vietnamese)).toBe('C:\\a b\\c.json');
    // A key whose default value was never set.
    expect(parseRegQueryDefault(`\r\nHKEY_CURRENT_USER\\Software\\X\r\n    (Default)    REG_SZ\r\n`)).toBe('');
    expect(parseRegQueryDefault('')).toBeUndefined();
  });

  it('runs the commands through the injected runner', async () => {
    const calls: string[][] = [];
    let present: string | undefined;
    const run: CommandRunner = async (file, args) => {
      calls.push([file, ...args]);
      if (args[0] === 'add') present = args[6];
      if (args[0] === 'delete') present = undefined;
      if (args[0] === 'query') {
        if (present === undefined) throw new Error('ERROR: The system was unable to find the specified registry key or value.');
        return { stdout: `\r\n${args[1]}\r\n    (Default)    REG_SZ    ${present}\r\n` };
      }
      return { stdout: 'The operation completed successfully.\r\n' };
    };
    const registry = createRegExeRegistry(run);
    expect(await registry.getDefault(key)).toBeUndefined();
    await registry.setDefault(key, manifest);
    expect(await registry.getDefault(key)).toBe(manifest);
    await registry.deleteKey(key);
    expect(await registry.getDefault(key)).toBeUndefined();
    expect(calls).toEqual([
      [REG_EXE, 'query', key, '/ve'],
      [REG_EXE, 'add', key, '/ve', '/t', 'REG_SZ', '/d', manifest, '/f'],
      [REG_EXE, 'query', key, '/ve'],
      [REG_EXE, 'delete', key, '/f'],
      [REG_EXE, 'query', key, '/ve'],
    ]);
  });

  it('lets write and delete failures propagate (the installer reports them)', async () => {
    const registry = createRegExeRegistry(async () => {
      throw new Error('ERROR: Access is denied.');
    });
    await expect(registry.setDefault(key, manifest)).rejects.toThrow(/Access is denied/);
    await expect(registry.deleteKey(key)).rejects.toThrow(/Access is denied/);
  });
});
