/**
 * A throwaway Debian system for installing kyso's .deb, made from this machine's own files but
 * with no Node and no checkout: /usr, /etc and /var are overlays of the host's (writes go to a
 * private upper layer, so dpkg really installs into /usr/bin, /opt, /etc/chromium…), /opt, /root
 * and /tmp start empty, and /work (every checkout) is simply not there. Each command runs in its
 * own mount namespace (`unshare --mount`) chrooted into the root; the layers persist on disk
 * between commands, the mounts vanish with each command. Node is deleted in the upper layer
 * (/usr/bin/node and npm's tree), so `command -v node` fails inside.
 *
 * Why not debootstrap: a fresh Debian needs ~300 MB from the mirror and minutes per run, and would
 * still need Chromium, Firefox and SoftHSM installed into it; the overlay root gives the same
 * guarantees that matter here (no Node, no checkout, real dpkg, real system paths) in seconds.
 * Needs root (mount, chroot), as the rest of the e2e suite's setup does.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const OVERLAID = ['usr', 'etc', 'var'] as const;
const EMPTY_DIRS = ['opt', 'root', 'home', 'tmp', 'dev', 'proc', 'sys', 'run'];
const NODE_FILES = [
  '/usr/bin/node',
  '/usr/bin/nodejs',
  '/usr/bin/npm',
  '/usr/bin/npx',
  '/usr/bin/corepack',
  '/usr/lib/node_modules',
  '/usr/include/node',
  '/usr/share/doc/nodejs',
  '/usr/share/nodejs',
];

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export class PackageRoot {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'kyso-package-root-'));
  readonly root = path.join(this.dir, 'root');
  /** A directory with the same absolute path inside and outside the root (token, extension, profiles). */
  readonly shared = path.join(this.dir, 'shared');
  private readonly script = path.join(this.dir, 'enter.sh');

  constructor() {
    for (const layer of OVERLAID) {
      mkdirSync(path.join(this.dir, 'upper', layer), { recursive: true });
      mkdirSync(path.join(this.dir, 'work', layer), { recursive: true });
      mkdirSync(path.join(this.root, layer), { recursive: true });
    }
    for (const dir of EMPTY_DIRS) mkdirSync(path.join(this.root, dir), { recursive: true });
    chmodSync(path.join(this.root, 'tmp'), 0o1777);
    for (const link of ['bin', 'lib', 'lib64', 'sbin'])
      spawnSync('ln', ['-s', `usr/${link}`, path.join(this.root, link)]);
    mkdirSync(this.shared, { recursive: true });
    // The mount script: overlays, the kernel's file systems, the shared directory at its own path.
    const mounts = [
      'set -e',
      ...OVERLAID.map(
        (l) =>
          `mount -t overlay overlay -o lowerdir=/${l},upperdir=${this.dir}/upper/${l},workdir=${this.dir}/work/${l} ${this.root}/${l}`,
      ),
      `mount --rbind /dev ${this.root}/dev`,
      `mount -t proc proc ${this.root}/proc`,
      `mount --rbind /sys ${this.root}/sys`,
      `mount -t tmpfs tmpfs ${this.root}/run`,
      `mkdir -p ${this.root}${this.shared}`,
      `mount --bind ${this.shared} ${this.root}${this.shared}`,
      `exec chroot ${this.root} /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/usr/sbin HOME=/root LANG=C.UTF-8 "$@"`,
    ];
    writeFileSync(this.script, `#!/bin/sh\n${mounts.join('\n')}\n`, { mode: 0o755 });
    const removed = this.run(['rm', '-rf', ...NODE_FILES]);
    if (removed.status !== 0) throw new Error(`could not prepare the root: ${removed.stderr}`);
  }

  /** argv for running `command` inside the root (environment: PATH, HOME, LANG and `env`). */
  argv(command: string[], env: Record<string, string> = {}): string[] {
    return [
      'unshare',
      '--mount',
      '--propagation',
      'private',
      '--',
      this.script,
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      ...command,
    ];
  }

  run(command: string[], env: Record<string, string> = {}, input?: string): RunResult {
    const [file, ...args] = this.argv(command, env);
    const result = spawnSync(file!, args, { encoding: 'utf8', input, timeout: 120_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  spawn(command: string[], env: Record<string, string> = {}): ChildProcess {
    const [file, ...args] = this.argv(command, env);
    return spawn(file!, args, { stdio: 'pipe' });
  }

  /**
   * An executable outside the root that starts `program` inside it with the given environment,
   * passing its arguments on: for puppeteer's executablePath.
   */
  launcher(name: string, program: string, env: Record<string, string> = {}): string {
    const file = path.join(this.dir, name);
    const quoted = this.argv([program], env).map((a) => `'${a.replace(/'/g, `'\\''`)}'`);
    writeFileSync(file, `#!/bin/sh\nexec ${quoted.join(' ')} "$@"\n`, { mode: 0o755 });
    return file;
  }

  /**
   * What the system changed: every file, link or deletion ("… (deleted)") in the upper layers and every entry under
   * /opt and /root, as paths inside the root. Directories copied up only because something was
   * written below them are not changes; a directory that does not exist in the host is.
   */
  changes(): string[] {
    const out: string[] = [];
    const walk = (top: string, rel: string, isLayer: boolean) => {
      for (const entry of readdirSync(path.join(top, rel), { withFileTypes: true })) {
        const relPath = `${rel}/${entry.name}`;
        if (entry.isDirectory()) {
          if (!isLayer || !existsOnHost(relPath)) out.push(`${relPath}/`);
          walk(top, relPath, isLayer);
        } else out.push(entry.isCharacterDevice() ? `${relPath} (deleted)` : relPath); // overlay whiteout
      }
    };
    for (const layer of OVERLAID) walk(path.join(this.dir, 'upper'), `/${layer}`, true);
    // dpkg removes /opt when the last package in it goes and no package owns /opt (none does on Debian).
    for (const dir of ['opt', 'root'])
      if (existsOnHost(path.join(this.root, dir))) walk(this.root, `/${dir}`, false);
    return out.sort();
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function existsOnHost(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
