/**
 * The Windows registry as the installer needs it: one default (unnamed) string value per key, which
 * browsers read as the path of the host manifest. Implemented with reg.exe, present on every Windows,
 * so no native addon is needed; the command builders are pure and unit-tested on any OS.
 */
import { execFile } from 'node:child_process';

export interface Registry {
  /** The key's default value, or undefined when the key (or its default value) does not exist. */
  getDefault(key: string): Promise<string | undefined>;
  /** Creates the key if needed and sets its default value (REG_SZ). */
  setDefault(key: string, value: string): Promise<void>;
  /** Deletes the key and everything under it. */
  deleteKey(key: string): Promise<void>;
}

/** Runs a program with arguments (no shell); rejects when it exits non-zero. */
export type CommandRunner = (file: string, args: readonly string[]) => Promise<{ stdout: string }>;

export const REG_EXE = 'reg.exe';

export function regQueryArgs(key: string): string[] {
  return ['query', key, '/ve'];
}

export function regAddArgs(key: string, value: string): string[] {
  // /ve: the default value; /f: overwrite without asking (reg.exe would otherwise wait on stdin).
  return ['add', key, '/ve', '/t', 'REG_SZ', '/d', value, '/f'];
}

export function regDeleteArgs(key: string): string[] {
  return ['delete', key, '/f'];
}

/**
 * Reads the value out of `reg query <key> /ve` output. The value's name is localised ("(Default)",
 * "(Mặc định)", ...), so the line is recognised by its type column instead.
 */
export function parseRegQueryDefault(stdout: string): string | undefined {
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^\s+.*?\s{4}REG_(?:EXPAND_)?SZ(?:\s{4}(.*))?$/.exec(line);
    if (match) return match[1] ?? '';
  }
  return undefined;
}

export function runWithExecFile(file: string, args: readonly string[]): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { windowsHide: true }, (error, stdout) => {
      // Node's ExecFileException is an Error; its type (an Omit<>) no longer says so.
      if (error) reject(error instanceof Error ? error : new Error(error.message));
      else resolve({ stdout: String(stdout) });
    });
  });
}

export function createRegExeRegistry(run: CommandRunner = runWithExecFile): Registry {
  return {
    async getDefault(key) {
      try {
        const { stdout } = await run(REG_EXE, regQueryArgs(key));
        return parseRegQueryDefault(stdout);
      } catch {
        // reg query exits 1 when the key does not exist.
        return undefined;
      }
    },
    async setDefault(key, value) {
      await run(REG_EXE, regAddArgs(key, value));
    },
    async deleteKey(key) {
      await run(REG_EXE, regDeleteArgs(key));
    },
  };
}
