/**
 * Registers (and unregisters) the kyso native host with browsers: writes the host manifest where each
 * browser looks, and on Windows points the browser's registry key at it. File system and registry are
 * injectable so the whole flow, Windows included, is testable on any OS.
 */
import { constants as fsConstants } from 'node:fs';
import { access, chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DEFAULT_BROWSERS,
  currentPlatform,
  familyOf,
  hostLocation,
  hostLocations,
  isFullPath,
  userDataDirLocation,
  type Browser,
  type BrowserFamily,
  type Env,
  type HostLocation,
  type Platform,
  type Scope,
} from './locations.js';
import { hostManifest, serializeManifest } from './manifest.js';
import { createRegExeRegistry, type Registry } from './windows-registry.js';
import { KysoError } from '../../../shared/protocol/errors.js';

export interface InstallerFs {
  /** The file's text, or undefined when it does not exist. */
  readText(file: string): Promise<string | undefined>;
  /** Writes the file with the given mode, creating parent directories; returns the topmost one it created. */
  writeText(file: string, text: string, mode: number): Promise<string | undefined>;
  /** Removes the file; false when it was not there. */
  remove(file: string): Promise<boolean>;
  /** Why the browser could not execute this file, or undefined when it can. */
  launchProblem(file: string, platform: Platform, scope: Scope): Promise<string | undefined>;
}

export interface CommonOptions {
  platform?: Platform;
  scope: Scope;
  /** Default: every browser; with userDataDir, Chromium only. */
  browsers?: readonly Browser[];
  /** Default os.homedir(). Tests pass a private HOME. */
  home?: string;
  /** Default process.env (XDG_CONFIG_HOME, LOCALAPPDATA, ...). */
  env?: Env;
  /**
   * A Chromium --user-data-dir: Chromium-family browsers are registered in <dir>/NativeMessagingHosts
   * instead of their default location (Linux and macOS).
   */
  userDataDir?: string;
  /** Report what would be done without changing anything. */
  dryRun?: boolean;
  fs?: InstallerFs;
  /** Windows only; default runs reg.exe. */
  registry?: Registry;
}

export interface InstallOptions extends CommonOptions {
  /** Absolute path of the launcher the browser will execute. */
  hostPath: string;
  description?: string;
  /** Extension ids allowed besides kyso's own, e.g. a dev build's. */
  extraChromiumExtensionIds?: readonly string[];
  extraFirefoxExtensionIds?: readonly string[];
}

export type UninstallOptions = CommonOptions;

export type EntryAction =
  | 'written'
  | 'unchanged'
  | 'would-write'
  | 'removed'
  | 'absent'
  | 'would-remove'
  | 'kept-shared'
  | 'skipped'
  | 'failed';

export interface ReportEntry {
  /** The browsers this target serves (several browsers can share one file or registry key). */
  browsers: Browser[];
  kind: 'manifest' | 'registry';
  /** The manifest file, or the registry key; empty for a skipped browser. */
  target: string;
  action: EntryAction;
  detail?: string;
  /** The topmost folder this write created (none existed before it), for uninstall to remove again. */
  created?: string;
}

export interface InstallReport {
  operation: 'install' | 'uninstall';
  platform: Platform;
  scope: Scope;
  dryRun: boolean;
  hostPath?: string;
  entries: ReportEntry[];
  /** Problems that stop the browser from starting the host even though manifests were written. */
  problems: string[];
  /** True when nothing failed and no problem was found. */
  ok: boolean;
}

interface Plan {
  platform: Platform;
  scope: Scope;
  locations: HostLocation[];
  unsupported: Browser[];
  /** Targets of the browsers not selected, so uninstalling one browser keeps what another still uses. */
  othersTargets: Map<string, Browser[]>;
}

export async function install(options: InstallOptions): Promise<InstallReport> {
  const platform = options.platform ?? currentPlatform();
  if (!isFullPath(options.hostPath, platform)) {
    // Chrome and Firefox require an absolute path on Linux and macOS; kyso uses one everywhere.
    throw new KysoError('BAD_REQUEST', `hostPath must be absolute: ${options.hostPath}`);
  }
  const plan = makePlan(options, platform);
  const fs = options.fs ?? nodeInstallerFs;
  const dryRun = options.dryRun ?? false;
  const entries: ReportEntry[] = skippedEntries(plan);

  const problem = await fs.launchProblem(options.hostPath, platform, options.scope);
  const problems = problem ? [problem] : [];

  for (const [file, { family, browsers }] of manifestTargets(plan.locations)) {
    const text = serializeManifest(
      hostManifest(family, {
        hostPath: options.hostPath,
        description: options.description,
        extraExtensionIds:
          family === 'firefox' ? options.extraFirefoxExtensionIds : options.extraChromiumExtensionIds,
      }),
    );
    entries.push(await writeManifest(fs, file, text, { browsers, dryRun }));
  }

  const registry = options.registry ?? createRegExeRegistry();
  for (const [key, { manifestPath, browsers }] of registryTargets(plan.locations)) {
    entries.push(await setRegistryKey(registry, key, manifestPath, { browsers, dryRun }));
  }

  return report('install', plan, dryRun, entries, problems, options.hostPath);
}

export async function uninstall(options: UninstallOptions): Promise<InstallReport> {
  const platform = options.platform ?? currentPlatform();
  const plan = makePlan(options, platform);
  const fs = options.fs ?? nodeInstallerFs;
  const dryRun = options.dryRun ?? false;
  const entries: ReportEntry[] = skippedEntries(plan);

  // Registry first: a key left pointing at a deleted file is worse than a file nobody points at.
  const registry = options.registry ?? createRegExeRegistry();
  // What another, unselected browser still uses is kept.
  const removeUnlessShared = async (
    kind: ReportEntry['kind'],
    target: string,
    browsers: Browser[],
    remove: () => Promise<ReportEntry>,
  ) => {
    const sharers = plan.othersTargets.get(target);
    entries.push(sharers ? keptShared(kind, target, browsers, sharers) : await remove());
  };
  for (const [key, { browsers }] of registryTargets(plan.locations)) {
    await removeUnlessShared('registry', key, browsers, () =>
      deleteRegistryKey(registry, key, { browsers, dryRun }),
    );
  }
  for (const [file, { browsers }] of manifestTargets(plan.locations)) {
    await removeUnlessShared('manifest', file, browsers, () =>
      removeManifest(fs, file, { browsers, dryRun }),
    );
  }

  return report('uninstall', plan, dryRun, entries, []);
}

function makePlan(options: CommonOptions, platform: Platform): Plan {
  const query = {
    platform,
    scope: options.scope,
    home: options.home ?? os.homedir(),
    env: options.env ?? process.env,
  };
  const selected = options.browsers ?? (options.userDataDir ? ['chromium' as const] : DEFAULT_BROWSERS);
  const locate = (browser: Browser): HostLocation | undefined =>
    options.userDataDir && familyOf(browser) === 'chromium'
      ? userDataDirLocation(options.userDataDir, browser, platform)
      : hostLocation(browser, query);

  const locations: HostLocation[] = [];
  const unsupported: Browser[] = [];
  for (const browser of new Set(selected)) {
    const location = locate(browser);
    if (location) locations.push(location);
    else unsupported.push(browser);
  }

  const othersTargets = new Map<string, Browser[]>();
  // A custom profile belongs to the caller alone; default locations can be shared between browsers.
  if (!options.userDataDir) {
    const others = DEFAULT_BROWSERS.filter((b) => !selected.includes(b));
    for (const location of hostLocations(query, others).located) {
      for (const target of [...location.manifestPaths, ...location.registryKeys]) {
        othersTargets.set(target, [...(othersTargets.get(target) ?? []), location.browser]);
      }
    }
  }
  return { platform, scope: options.scope, locations, unsupported, othersTargets };
}

function manifestTargets(
  locations: HostLocation[],
): Map<string, { family: BrowserFamily; browsers: Browser[] }> {
  const targets = new Map<string, { family: BrowserFamily; browsers: Browser[] }>();
  for (const location of locations) {
    for (const file of location.manifestPaths) {
      const existing = targets.get(file);
      if (existing && existing.family !== location.family) {
        throw new KysoError('BAD_REQUEST', `${file} would need both a Chromium and a Firefox manifest`);
      }
      if (existing) existing.browsers.push(location.browser);
      else targets.set(file, { family: location.family, browsers: [location.browser] });
    }
  }
  return targets;
}

function registryTargets(
  locations: HostLocation[],
): Map<string, { manifestPath: string; browsers: Browser[] }> {
  const targets = new Map<string, { manifestPath: string; browsers: Browser[] }>();
  for (const location of locations) {
    const manifestPath = location.manifestPaths[0];
    if (!manifestPath) continue;
    for (const key of location.registryKeys) {
      const existing = targets.get(key);
      if (existing && existing.manifestPath !== manifestPath) {
        throw new KysoError('BAD_REQUEST', `${key} would need to point at two manifests`);
      }
      if (existing) existing.browsers.push(location.browser);
      else targets.set(key, { manifestPath, browsers: [location.browser] });
    }
  }
  return targets;
}

/** Which browsers a target serves, and whether to change nothing. */
interface Change {
  browsers: Browser[];
  dryRun: boolean;
}

/** One target's line of the report: the action `work` took, or 'failed' and why. */
async function reportStep(
  entry: Omit<ReportEntry, 'action'>,
  work: () => Promise<EntryAction>,
  why: (error: unknown) => string,
): Promise<ReportEntry> {
  try {
    return { ...entry, action: await work() };
  } catch (error) {
    return { ...entry, action: 'failed', detail: why(error) };
  }
}

/** What kyso owns in one place (a manifest file or a registry default value) and how to read and write it. */
interface OwnedValue {
  entry: Pick<ReportEntry, 'kind' | 'target' | 'detail'>;
  wanted: string;
  read: () => Promise<string | undefined>;
  /** Returns the folder it created, if any. */
  write: () => Promise<string | undefined>;
  why: (error: unknown) => string;
}

/** Left alone when it already holds what is wanted, else written (or, in a dry run, would be). */
async function writeOwnedValue(value: OwnedValue, { browsers, dryRun }: Change): Promise<ReportEntry> {
  let created: string | undefined;
  const entry = await reportStep(
    { browsers, ...value.entry },
    async () => {
      if ((await value.read()) === value.wanted) return 'unchanged';
      if (dryRun) return 'would-write';
      created = await value.write();
      return 'written';
    },
    value.why,
  );
  return created ? { ...entry, created } : entry;
}

function writeManifest(fs: InstallerFs, file: string, text: string, change: Change): Promise<ReportEntry> {
  return writeOwnedValue(
    {
      entry: { kind: 'manifest', target: file },
      wanted: text,
      read: () => fs.readText(file),
      write: () => fs.writeText(file, text, 0o644),
      why: describeFsError('write', file),
    },
    change,
  );
}

function removeManifest(fs: InstallerFs, file: string, { browsers, dryRun }: Change): Promise<ReportEntry> {
  return reportStep(
    { browsers, kind: 'manifest', target: file },
    async () => {
      if (dryRun) return (await fs.readText(file)) === undefined ? 'absent' : 'would-remove';
      return (await fs.remove(file)) ? 'removed' : 'absent';
    },
    describeFsError('remove', file),
  );
}

function setRegistryKey(
  registry: Registry,
  key: string,
  manifestPath: string,
  change: Change,
): Promise<ReportEntry> {
  return writeOwnedValue(
    {
      entry: { kind: 'registry', target: key, detail: manifestPath },
      wanted: manifestPath,
      read: () => registry.getDefault(key),
      write: async () => {
        await registry.setDefault(key, manifestPath);
        return undefined;
      },
      why: (error) => `${(error as Error).message} (HKLM needs an administrator)`,
    },
    change,
  );
}

function deleteRegistryKey(
  registry: Registry,
  key: string,
  { browsers, dryRun }: Change,
): Promise<ReportEntry> {
  return reportStep(
    { browsers, kind: 'registry', target: key },
    async () => {
      if ((await registry.getDefault(key)) === undefined) return 'absent';
      if (dryRun) return 'would-remove';
      await registry.deleteKey(key);
      return 'removed';
    },
    (error) => (error as Error).message,
  );
}

function keptShared(
  kind: ReportEntry['kind'],
  target: string,
  browsers: Browser[],
  sharers: Browser[],
): ReportEntry {
  return { browsers, kind, target, action: 'kept-shared', detail: `also used by ${sharers.join(', ')}` };
}

function skippedEntries(plan: Plan): ReportEntry[] {
  return plan.unsupported.map((browser) => ({
    browsers: [browser],
    kind: 'manifest' as const,
    target: '',
    action: 'skipped' as const,
    detail: `no documented ${plan.scope}-scope location for ${browser} on ${plan.platform}`,
  }));
}

function report(
  operation: InstallReport['operation'],
  plan: Plan,
  dryRun: boolean,
  entries: ReportEntry[],
  problems: string[],
  hostPath?: string,
): InstallReport {
  const ok = problems.length === 0 && entries.every((e) => e.action !== 'failed');
  return { operation, platform: plan.platform, scope: plan.scope, dryRun, hostPath, entries, problems, ok };
}

/** What each file system error means for someone installing; the rest are named by code alone. */
const FS_ERROR_MEANINGS: Readonly<Record<string, string>> = {
  EACCES: 'no permission; system scope needs root / an administrator',
  EPERM: 'no permission; system scope needs root / an administrator',
  ENOTDIR: 'not a folder',
  EROFS: 'read-only file system',
  ENOSPC: 'disk full',
};

/** The file and kyso's words for what went wrong, not Node's sentence. */
function describeFsError(verb: 'write' | 'remove', file: string) {
  return (error: unknown): string => {
    const { code, path: where } = error as NodeJS.ErrnoException;
    if (typeof code !== 'string') return `cannot ${verb} ${file}`;
    const meaning = FS_ERROR_MEANINGS[code];
    return `cannot ${verb} ${where ?? file} (${code}${meaning ? `: ${meaning}` : ''})`;
  };
}

/** Human-readable lines for the CLI. */
export function formatReport(report: InstallReport): string {
  const lines = [
    `${report.operation}${report.dryRun ? ' (dry run)' : ''}: ${report.scope} scope on ${report.platform}` +
      (report.hostPath ? `, host ${report.hostPath}` : ''),
  ];
  for (const e of report.entries) {
    const target = e.target ? ` ${e.target}` : '';
    const detail = e.detail ? ` (${e.detail})` : '';
    lines.push(`  ${e.action.padEnd(12)} ${e.browsers.join(', ')}: ${e.kind}${target}${detail}`);
  }
  for (const problem of report.problems) lines.push(`  problem: ${problem}`);
  return `${lines.join('\n')}\n`;
}

const WINDOWS_LAUNCHABLE = /\.(?:exe|bat|cmd|com)$/i;

export const nodeInstallerFs: InstallerFs = {
  async readText(file) {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  async writeText(file, text, mode) {
    const created = await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text, { mode });
    // writeFile's mode applies only to new files and is trimmed by the umask; browsers need to read it.
    if (process.platform !== 'win32') await chmod(file, mode);
    return created;
  },
  async remove(file) {
    try {
      await rm(file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  },
  async launchProblem(file, platform, scope) {
    let info;
    try {
      info = await stat(file);
    } catch {
      return `The host launcher ${file} does not exist`;
    }
    if (!info.isFile()) return `The host launcher ${file} is not a file`;
    if (platform === 'win32') {
      return WINDOWS_LAUNCHABLE.test(file)
        ? undefined
        : `The host launcher ${file} must be an .exe, .bat or .cmd`;
    }
    try {
      await access(file, fsConstants.X_OK);
    } catch {
      return `The host launcher ${file} is not executable (chmod 755 it)`;
    }
    // access() answers for the installing user; a system-wide host must run for every user.
    if (scope === 'system' && (info.mode & 0o111) !== 0o111)
      return `The host launcher ${file} is not executable by every user`;
    return undefined;
  },
};
