/**
 * `kyso-host install` / `uninstall`: write the launcher the browsers execute and register it for
 * each browser (manifest files; registry keys on Windows); then say what was done, and what to do
 * about Snap/Flatpak browsers, which cannot start native hosts by themselves.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  BROWSERS,
  CREATED_FOLDERS_FILE,
  createdFoldersThatWouldGo,
  currentPlatform,
  findHostScript,
  formatReport,
  hostLocations,
  install,
  isBrowser,
  launcherFileName,
  readCreatedFolders,
  recordCreatedFolders,
  removeCreatedFolders,
  sandboxAdviceText,
  sandboxedBrowserAdvice,
  settleCreatedFolders,
  uninstall,
  userDataDirLocation,
  writeLauncher,
  type Browser,
  type InstallReport,
  type Scope,
  type UninstallOptions,
} from '../install/index.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import { isPackagedExecutable } from '../runtime.js';

export interface InstallCommandOptions {
  scope: Scope;
  browsers?: string;
  userDataDir?: string;
  dryRun: boolean;
  /** Environment the launcher exports (e.g. SOFTHSM2_CONF for a test or demo token). */
  launcherEnv?: Record<string, string>;
  home?: string;
}

/** Where the launcher lives: per user under ~/.local/share/kyso, system-wide under /usr/local/lib/kyso. */
export function launcherDirectory(scope: Scope, home: string, platform = currentPlatform()): string {
  if (platform === 'win32') {
    return scope === 'user'
      ? path.join(process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'kyso')
      : path.join(process.env.ProgramData ?? 'C:\\ProgramData', 'kyso');
  }
  if (platform === 'darwin')
    return scope === 'user'
      ? path.join(home, 'Library/Application Support/kyso')
      : '/Library/Application Support/kyso';
  return scope === 'user' ? path.join(home, '.local/share/kyso') : '/usr/local/lib/kyso';
}

function parseBrowsers(list: string | undefined): Browser[] | undefined {
  if (list === undefined) return undefined;
  const names = list
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  // An empty list would register with no browser and still say all went well.
  if (names.length === 0)
    throw new KysoError('BAD_REQUEST', `--browser names no browser (known: ${BROWSERS.join(', ')})`);
  const unknown = names.filter((b) => !isBrowser(b));
  if (unknown.length)
    throw new KysoError(
      'BAD_REQUEST',
      `unknown browser ${unknown.join(', ')} (known: ${BROWSERS.join(', ')})`,
    );
  return names as Browser[];
}

/** What install and uninstall are both told: where, for whom, and whether to change anything. */
function commonOptions(options: InstallCommandOptions): UninstallOptions & { home: string } {
  const browsers = parseBrowsers(options.browsers);
  return {
    scope: options.scope,
    home: options.home ?? os.homedir(),
    dryRun: options.dryRun,
    ...(browsers && { browsers }),
    ...(options.userDataDir && { userDataDir: options.userDataDir }),
  };
}

/**
 * A file the installer cannot write or remove (system scope without administrator rights) named by
 * its path and error code: Node's own sentence is not printed (the CLI prints only kyso's errors).
 */
async function fileErrorsNamed<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const { code, path: file } = error as NodeJS.ErrnoException;
    if (typeof code === 'string' && typeof file === 'string')
      throw new KysoError('BAD_REQUEST', `cannot change ${file} (${code})`);
    throw error;
  }
}

export function runInstall(options: InstallCommandOptions, print: (line: string) => void): Promise<number> {
  return fileErrorsNamed(() => installWith(absoluteUserDataDir(options), print));
}

export function runUninstall(options: InstallCommandOptions, print: (line: string) => void): Promise<number> {
  return fileErrorsNamed(() => uninstallWith(absoluteUserDataDir(options), print));
}

/** A --user-data-dir named from the current folder, as Chromium reads it; manifests need full paths. */
function absoluteUserDataDir(options: InstallCommandOptions): InstallCommandOptions {
  return options.userDataDir ? { ...options, userDataDir: path.resolve(options.userDataDir) } : options;
}

/** Where the launcher script goes, and beside it the record of the folders install created. */
function launcherDirFor(options: InstallCommandOptions, home: string): string {
  return options.userDataDir ?? launcherDirectory(options.scope, home);
}

async function installWith(options: InstallCommandOptions, print: (line: string) => void): Promise<number> {
  const common = commonOptions(options);
  const launcherDir = launcherDirFor(options, common.home);
  // The packaged binary is its own launcher; a launcher script still carries test/demo environment.
  const packaged = isPackagedExecutable();
  const launcher =
    packaged && !options.launcherEnv
      ? { path: process.execPath, action: 'unchanged' as const, created: undefined }
      : await writeLauncher(launcherDir, {
          ...(!packaged && { hostScript: findHostScript() }),
          ...(options.launcherEnv && { env: options.launcherEnv }),
          dryRun: options.dryRun,
        });
  const report = await install({ ...common, hostPath: launcher.path });
  if (!options.dryRun) {
    const created = [launcher.created, ...report.entries.map((e) => e.created)];
    await recordCreatedFolders(
      launcherDir,
      created.filter((folder) => folder !== undefined),
    );
  }
  print(`launcher ${launcher.path}: ${launcher.action}`);
  print(formatReport(report));
  if (currentPlatform() === 'linux') {
    for (const advice of sandboxedBrowserAdvice({ home: common.home, exists: existsSync }))
      print(sandboxAdviceText(advice));
  }
  return report.ok ? 0 : 1;
}

async function uninstallWith(options: InstallCommandOptions, print: (line: string) => void): Promise<number> {
  const common = commonOptions(options);
  const report = await uninstall(common);
  print(formatReport(report));
  if (options.dryRun) await listWhatInstallMade(options, common.home, report, print);
  else await removeWhatInstallMade(options, common.home, report, print);
  return report.ok ? 0 : 1;
}

/**
 * The rest of what install made: the folders it created for the manifests just removed (browsers that
 * are not installed), and the launcher with its folders once no browser's manifest names it any more.
 */
async function removeWhatInstallMade(
  options: InstallCommandOptions,
  home: string,
  report: InstallReport,
  print: (line: string) => void,
): Promise<void> {
  const launcherDir = launcherDirFor(options, home);
  const created = await foldersInstallMade(options, launcherDir);
  const removed: string[] = [];
  for (const entry of report.entries) {
    if (entry.kind === 'manifest' && (entry.action === 'removed' || entry.action === 'absent'))
      removed.push(...(await removeCreatedFolders(path.dirname(entry.target), created)));
  }
  const launcher = path.join(launcherDir, launcherFileName(report.platform));
  const launcherKept = await isRegistered(launcher, options, home);
  if (
    !launcherKept &&
    (await rm(launcher).then(
      () => true,
      () => false,
    ))
  )
    print(`launcher ${launcher}: removed`);
  removed.push(...(await settleCreatedFolders(launcherDir, created, launcherKept)));
  for (const folder of removed) print(`  removed folder ${folder} (made by install)`);
}

/**
 * The folders install recorded making, and kyso's own launcher folder: installs made before the record
 * existed (stop 28) left it behind empty; it is kyso's by its name and goes only once empty.
 */
async function foldersInstallMade(options: InstallCommandOptions, launcherDir: string): Promise<string[]> {
  const recorded = await readCreatedFolders(launcherDir);
  return options.userDataDir ? recorded : [...recorded, launcherDir];
}

/** `uninstall --dry-run`: what removeWhatInstallMade would remove after the manifests listed, removing nothing. */
async function listWhatInstallMade(
  options: InstallCommandOptions,
  home: string,
  report: InstallReport,
  print: (line: string) => void,
): Promise<void> {
  const launcherDir = launcherDirFor(options, home);
  const created = await foldersInstallMade(options, launcherDir);
  // As removeWhatInstallMade: the folders of the manifests removed and of those already gone.
  const manifests = report.entries.filter(
    (entry) => entry.kind === 'manifest' && (entry.action === 'would-remove' || entry.action === 'absent'),
  );
  const going = new Set(
    manifests.filter((entry) => entry.action === 'would-remove').map((entry) => entry.target),
  );
  const wouldGo: string[] = [];
  for (const entry of manifests)
    wouldGo.push(...(await createdFoldersThatWouldGo(path.dirname(entry.target), created, going)));
  const launcher = path.join(launcherDir, launcherFileName(report.platform));
  if (!(await isRegistered(launcher, options, home, going))) {
    if (existsSync(launcher)) print(`launcher ${launcher}: would-remove`);
    going.add(launcher).add(path.join(launcherDir, CREATED_FOLDERS_FILE));
    wouldGo.push(...(await createdFoldersThatWouldGo(launcherDir, created, going)));
  }
  for (const folder of wouldGo) print(`  would remove folder ${folder} (made by install)`);
}

/** Whether a manifest kyso writes, for any browser, still names `launcher` (those in `ignoring` aside). */
async function isRegistered(
  launcher: string,
  options: InstallCommandOptions,
  home: string,
  ignoring: ReadonlySet<string> = new Set(),
): Promise<boolean> {
  const platform = currentPlatform();
  const locations = hostLocations({ platform, scope: options.scope, home, env: process.env }).located;
  if (options.userDataDir) locations.push(userDataDirLocation(options.userDataDir, 'chromium', platform));
  for (const manifest of locations.flatMap((l) => l.manifestPaths)) {
    if (ignoring.has(manifest)) continue;
    const text = await readFile(manifest, 'utf8').catch(() => undefined);
    if (text !== undefined && manifestPath(text) === launcher) return true;
  }
  return false;
}

function manifestPath(text: string): unknown {
  try {
    return (JSON.parse(text) as { path?: unknown }).path;
  } catch {
    return undefined;
  }
}
