/**
 * Reproducible archives: every file's time set to SOURCE_DATE_EPOCH, names sorted, owner root,
 * no host-specific metadata; the same tree gives the same bytes.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';

/** Sets every file and directory under `dir` (and `dir`) to `epoch` (seconds); links are left alone. */
export function clampTimes(dir: string, epoch: number): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) clampTimes(file, epoch);
    else if (!entry.isSymbolicLink()) utimesSync(file, epoch, epoch);
  }
  if (statSync(dir).isDirectory()) utimesSync(dir, epoch, epoch);
}

/** Relative paths of every file under `dir`, sorted (zip takes names in the order given). */
export function sortedFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...sortedFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}

/**
 * A .deb from a staged root (with DEBIAN/): files owned by root. gzip, not xz: the ~95 MB binary
 * xz-compresses to 23 MB instead of 35 MB but takes minutes instead of seconds on this machine, and
 * 35 MB is within the size goal; every dpkg reads gzip.
 */
export function buildDeb(root: string, output: string, epoch: number): void {
  clampTimes(root, epoch);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z6', '--build', root, output], {
    env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) },
    stdio: 'pipe',
  });
}

/** A .tar.gz of `dir` (its base name is the archive's top directory). */
export function buildTarGz(dir: string, output: string, epoch: number): void {
  clampTimes(dir, epoch);
  const tar = execFileSync(
    'tar',
    [
      '--sort=name',
      `--mtime=@${epoch}`,
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--format=gnu',
      '-C',
      path.dirname(dir),
      '-cf',
      '-',
      path.basename(dir),
    ],
    { maxBuffer: 1 << 30 },
  );
  execFileSync('sh', ['-c', `gzip -6 -n > "$1"`, 'sh', output], { input: tar, maxBuffer: 1 << 30 });
}

/** A zip of the files under `dir` (extension packages: the manifest at the top), no extra attributes. */
export function buildZip(dir: string, output: string, epoch: number): void {
  clampTimes(dir, epoch);
  execFileSync('zip', ['-X', '-9', '-q', '-D', path.resolve(output), ...sortedFiles(dir)], {
    cwd: dir,
    env: { ...process.env, TZ: 'UTC' },
  });
}
