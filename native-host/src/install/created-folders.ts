/**
 * The folders kyso's install created (none of them existed before), recorded beside the launcher so
 * uninstall can leave the machine as it found it: it removes those folders once they are empty, and
 * never a folder that was there before (a browser's own, or one another program's host lives in).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const CREATED_FOLDERS_FILE = 'created-folders.json';

/** The recorded folders, or none when there is no readable record. */
export async function readCreatedFolders(recordDir: string): Promise<string[]> {
  try {
    const value: unknown = JSON.parse(await readFile(path.join(recordDir, CREATED_FOLDERS_FILE), 'utf8'));
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Adds `folders` (each the topmost folder one mkdir created) to the record, kept across installs: a
 * second install creates nothing, and must not forget what the first one did.
 */
export async function recordCreatedFolders(recordDir: string, folders: readonly string[]): Promise<void> {
  const made = await mkdir(recordDir, { recursive: true });
  const all = new Set([...(await readCreatedFolders(recordDir)), ...folders, ...(made ? [made] : [])]);
  await writeCreatedFolders(recordDir, [...all]);
}

async function writeCreatedFolders(recordDir: string, folders: readonly string[]): Promise<void> {
  await writeFile(path.join(recordDir, CREATED_FOLDERS_FILE), `${JSON.stringify(folders, null, 2)}\n`);
}

/**
 * Removes `dir` and its parents, up to the recorded folder that holds it, while each is empty.
 * Returns the folders removed; nothing when no recorded folder holds `dir`.
 */
export async function removeCreatedFolders(dir: string, created: readonly string[]): Promise<string[]> {
  const root = recordedFolderHolding(dir, created);
  const removed: string[] = [];
  if (!root) return removed;
  for (let folder = dir; ; folder = path.dirname(folder)) {
    try {
      await rmdir(folder);
      removed.push(folder);
    } catch (error) {
      // Not empty (something else lives there now) stops the climb; already gone does not.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') break;
    }
    if (folder === root) break;
  }
  return removed;
}

/**
 * What removeCreatedFolders would remove once the paths in `going` (files and folders uninstall
 * removes first) are gone, removing nothing: for `uninstall --dry-run`. Adds each such folder to `going`.
 */
export async function createdFoldersThatWouldGo(
  dir: string,
  created: readonly string[],
  going: Set<string>,
): Promise<string[]> {
  const root = recordedFolderHolding(dir, created);
  const wouldGo: string[] = [];
  if (!root) return wouldGo;
  for (let folder = dir; ; folder = path.dirname(folder)) {
    const names = await readdir(folder).catch(() => undefined);
    if (names !== undefined) {
      if (!names.every((name) => going.has(path.join(folder, name)))) break;
      if (!going.has(folder)) wouldGo.push(folder);
      going.add(folder);
    }
    if (folder === root) break;
  }
  return wouldGo;
}

/** The topmost recorded folder that holds `dir` (or is it), if any. */
function recordedFolderHolding(dir: string, created: readonly string[]): string | undefined {
  return created
    .filter((folder) => dir === folder || dir.startsWith(folder + path.sep))
    .sort((a, b) => a.length - b.length)[0];
}

/**
 * After uninstall: the record keeps the folders still there while the launcher stays (other browsers
 * use it); with the launcher gone, the record goes too, and so do the folders kyso made to hold them.
 */
export async function settleCreatedFolders(
  recordDir: string,
  created: readonly string[],
  launcherKept: boolean,
): Promise<string[]> {
  if (launcherKept) {
    await writeCreatedFolders(
      recordDir,
      created.filter((folder) => existsSync(folder)),
    );
    return [];
  }
  await rm(path.join(recordDir, CREATED_FOLDERS_FILE), { force: true });
  return removeCreatedFolders(recordDir, created);
}
