/**
 * The small script a browser executes as the native host. Browsers start hosts with a minimal
 * environment, often without the PATH that finds `node`, so the script names node by absolute path
 * (process.execPath by default) and can pin environment variables the host needs (for tests and dev:
 * SOFTHSM2_CONF, KYSO_PKCS11_MODULES).
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST_NODE_FLAGS } from '../runtime.js';
import { currentPlatform, isFullPath, pathFor, type Platform } from './locations.js';
import { KysoError } from '../../../shared/protocol/errors.js';

export interface LauncherOptions {
  platform?: Platform;
  /** Absolute path of the node binary (or of the packaged kyso-host binary); default process.execPath. */
  nodePath?: string;
  /** Absolute path of native-host/bin/kyso-host.js; absent when nodePath is the packaged binary itself. */
  hostScript?: string;
  /** Environment variables exported before node starts. */
  env?: Readonly<Record<string, string>>;
}

export function launcherFileName(platform: Platform): string {
  return platform === 'win32' ? 'kyso-host.bat' : 'kyso-host.sh';
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The launcher's text. Pure; throws on values the script could not carry safely. */
export function launcherScript(options: LauncherOptions): string {
  const platform = options.platform ?? currentPlatform();
  const nodePath = options.nodePath ?? process.execPath;
  for (const [label, file] of [
    ['node', nodePath],
    ['host script', options.hostScript],
  ] as const) {
    if (file !== undefined && !isFullPath(file, platform))
      throw new KysoError('BAD_REQUEST', `The ${label} path must be absolute: ${file}`);
  }
  const env = Object.entries(options.env ?? {});
  for (const [name, value] of env) {
    if (!ENV_NAME.test(name)) throw new KysoError('BAD_REQUEST', `Not an environment variable name: ${name}`);
    if (/[\r\n\0]/.test(value))
      throw new KysoError('BAD_REQUEST', `Environment value for ${name} has a line break or NUL`);
  }
  if (platform === 'win32') return batchLauncher(nodePath, options.hostScript, env);
  return shellLauncher(nodePath, options.hostScript, env);
}

function shellLauncher(nodePath: string, hostScript: string | undefined, env: [string, string][]): string {
  const lines = ['#!/bin/sh', '# kyso native-messaging host launcher, written by `kyso-host install`.'];
  for (const [name, value] of env) lines.push(`export ${name}=${shellQuote(value)}`);
  const script = hostScript === undefined ? '' : ` ${HOST_NODE_FLAGS.join(' ')} ${shellQuote(hostScript)}`;
  lines.push(`exec ${shellQuote(nodePath)}${script} "$@"`);
  return `${lines.join('\n')}\n`;
}

/** Single quotes keep $, ` and \ literal; an embedded ' closes, escapes and reopens. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function batchLauncher(nodePath: string, hostScript: string | undefined, env: [string, string][]): string {
  for (const value of [nodePath, hostScript ?? '', ...env.map(([, v]) => v)]) {
    // cmd.exe has no way to escape a double quote inside a quoted argument.
    if (value.includes('"'))
      throw new KysoError('NOT_SUPPORTED', `A double quote cannot appear in a .bat launcher: ${value}`);
  }
  const lines = [
    '@echo off',
    'rem kyso native-messaging host launcher, written by `kyso-host install`.',
    'setlocal',
  ];
  // Inside a batch file % starts a variable even within quotes; %% is a literal percent sign.
  const batch = (s: string) => s.replace(/%/g, '%%');
  for (const [name, value] of env) lines.push(`set "${name}=${batch(value)}"`);
  const script = hostScript === undefined ? '' : ` ${HOST_NODE_FLAGS.join(' ')} "${batch(hostScript)}"`;
  lines.push(`"${batch(nodePath)}"${script} %*`);
  return `${lines.join('\r\n')}\r\n`;
}

export interface WriteLauncherResult {
  path: string;
  action: 'written' | 'unchanged' | 'would-write';
  /** The topmost folder writing it created (none existed before), for uninstall to remove again. */
  created?: string;
}

/**
 * Writes the launcher into `dir` (created if needed), executable by everyone and writable only by
 * the owner: the browser runs it, and nobody else should be able to change what it runs.
 */
export async function writeLauncher(
  dir: string,
  options: LauncherOptions & { dryRun?: boolean },
): Promise<WriteLauncherResult> {
  const platform = options.platform ?? currentPlatform();
  const file = pathFor(platform).join(dir, launcherFileName(platform));
  const text = launcherScript({ ...options, platform });
  if (options.dryRun) return { path: file, action: 'would-write' };
  const previous = await readFile(file, 'utf8').catch(() => undefined);
  const created = await mkdir(dir, { recursive: true });
  if (previous !== text) await writeFile(file, text, { mode: 0o755 });
  // chmod as well: writeFile's mode applies only when the file is created, and the umask trims it.
  if (platform !== 'win32') await chmod(file, 0o755);
  return { path: file, action: previous === text ? 'unchanged' : 'written', ...(created && { created }) };
}

/**
 * Finds native-host/bin/kyso-host.js by walking up from `startDir` to the kyso package root, so it
 * works from the TypeScript sources, the tsc output (dist/node/...) and the bundles (dist/host).
 */
export function findHostScript(
  startDir: string = path.dirname(fileURLToPath(import.meta.url)),
  exists: (file: string) => boolean = existsSync,
): string {
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, 'native-host', 'bin', 'kyso-host.js');
    if (exists(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new KysoError('INTERNAL', `native-host/bin/kyso-host.js not found above ${startDir}`);
    dir = parent;
  }
}
