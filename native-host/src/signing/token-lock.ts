/**
 * A per-token advisory lock shared by every kyso process of the user (two browsers' hosts, the
 * CLI), so that one consented operation — a signature or a whole batch — has the token alone.
 *
 * Mechanism: a lock file per token serial, created atomically with link(2) from a complete temporary
 * file (so nobody ever reads a half-written owner), holding the owner's pid and the start time of
 * that pid (so a reused pid is not mistaken for the owner). A lock whose owner is no longer alive
 * is stale and is removed under a short "breaker" lock, so two processes recovering it at once
 * cannot remove each other's fresh lock. Why not flock/fcntl: Node 20 exposes neither without a
 * native addon, and a lock that only expires by time (mkdir + mtime, as proper-lockfile does)
 * would keep a killed host's lock for its whole stale period or break a slow live one.
 *
 * Each process writes its owner file once per token (`<lock>.owner-<pid>-<nonce>`) and takes the
 * lock by linking it: one link(2) to take, one lstat and unlink to release — a signature pays a
 * few microseconds, not a file written and read each time. Owner files go when the process exits
 * (or closes its locks); a killed process's are removed with its stale lock.
 *
 * A host does not touch the token itself: its PKCS#11 worker does, and a worker blocked in a
 * driver call (a PIN pad nobody has answered, a slow signature) outlives a killed host until the
 * call returns. So each process also names, in one file of its own (`helpers-<pid>-<start>`,
 * rewritten only when a worker starts or ends, never per lock), the processes acting for it; a
 * lock is stale only when its owner and all of those are dead — else the next host's login (and
 * the PIN typed on the pad) could go to the orphan's token session.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  watch,
  writeFileSync,
  type FSWatcher,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LockOwner {
  pid: number;
  /** The pid's start time (Linux /proc), to tell the owner from a later process with its pid. */
  started?: string;
  nonce: string;
  /** What holds it: shown to no one, useful when reading a lock file by hand. */
  program: string;
  since: number;
  /** The token's serial (a lock's file name is a hash of it): for doctor to say which token is held. */
  token?: string;
}

export type LockAttempt =
  { acquired: true; release(): void } | { acquired: false; owner: LockOwner | undefined };

/** What decides the lock folder besides KYSO_LOCK_DIR: the system and the user, never their environment. */
export interface LockSystem {
  platform: NodeJS.Platform;
  /** The user's id (POSIX); undefined on Windows. */
  uid: number | undefined;
  /** Where the system keeps users' runtime folders (systemd, elogind): `<runtimeRoot>/<uid>`. */
  runtimeRoot: string;
}

const thisSystem = (): LockSystem => ({
  platform: process.platform,
  uid: typeof process.getuid === 'function' ? process.getuid() : undefined,
  runtimeRoot: '/run/user',
});

/**
 * Where the locks live: one folder per user that every kyso process of the user finds. It must not
 * depend on the process's environment: a browser's host has XDG_RUNTIME_DIR and TMPDIR, while
 * `kyso sign` run from cron or `su` may have neither, and two folders are two locks on one token.
 * So: the user's runtime folder (`/run/user/<uid>`, private, made by the system for each logged-in
 * user) when it exists and is the user's, else a 0700 folder of ours in /tmp; on Windows the
 * user's temporary folder. KYSO_LOCK_DIR overrides it (tests, unusual systems).
 */
export function defaultLockDirectory(
  env: NodeJS.ProcessEnv = process.env,
  system: LockSystem = thisSystem(),
): string {
  if (env.KYSO_LOCK_DIR) return env.KYSO_LOCK_DIR;
  if (system.platform === 'win32' || system.uid === undefined)
    return path.join(os.tmpdir(), `kyso-${os.userInfo().username}`, 'token-locks');
  const runtime = path.join(system.runtimeRoot, String(system.uid));
  if (isOwnDirectory(runtime, system.uid)) return path.join(runtime, 'kyso', 'token-locks');
  return path.join('/tmp', `kyso-${system.uid}`, 'token-locks');
}

function isOwnDirectory(dir: string, uid: number): boolean {
  try {
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === uid;
  } catch {
    return false;
  }
}

function processStartTime(pid: number): string | undefined {
  try {
    // Field 22 of /proc/<pid>/stat, counted after the parenthesised command name (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isAlive(owner: Pick<LockOwner, 'pid' | 'started'>): boolean {
  if (!pidExists(owner.pid)) return false;
  const started = processStartTime(owner.pid);
  return owner.started === undefined || started === undefined || started === owner.started;
}

type Process = Pick<LockOwner, 'pid' | 'started'>;

/** The file naming the processes acting for `owner` (its workers), in a lock folder. */
const helpersFileName = (directory: string, owner: Process) =>
  path.join(directory, `helpers-${owner.pid}-${owner.started ?? 'unknown'}`);

/** Processes that use tokens for this one (its PKCS#11 workers, retiring ones included) → their start time. */
const helpersOfThisProcess = new Map<number, string | undefined>();
/** The lock folders this process uses: each has its helpers file. */
const directoriesOfThisProcess = new Set<string>();

/**
 * Names a process that uses tokens on this process's behalf (a worker, from its fork until its
 * exit): locks this process holds stay taken while it lives, even after this process died.
 * Returns the undo, for its exit.
 */
export function actsForThisProcess(pid: number): () => void {
  helpersOfThisProcess.set(pid, processStartTime(pid));
  cleanUpAtExit();
  writeHelpers();
  return () => {
    if (helpersOfThisProcess.delete(pid)) writeHelpers();
  };
}

/** This process's helpers file in each of its lock folders, replaced whole (rename) so a reader never sees half of it. */
function writeHelpers(directories: Iterable<string> = directoriesOfThisProcess): void {
  const helpers = [...helpersOfThisProcess].map(([pid, started]) => ({ pid, started }));
  for (const directory of directories) {
    const file = helpersFileName(directory, { pid: process.pid, started: processStartTime(process.pid) });
    try {
      if (helpers.length === 0) {
        removeQuietly(file);
        continue;
      }
      const temporary = `${file}.${randomUUID()}.tmp`;
      writeFileSync(temporary, JSON.stringify(helpers), { mode: 0o600 });
      renameSync(temporary, file);
    } catch {
      // the folder went away: it is made again (with this file) at the next lock taken there
    }
  }
}

/** The processes named as acting for `owner` in this folder that are alive. */
function liveHelpers(directory: string, owner: Process): Process[] {
  try {
    const helpers = JSON.parse(readFileSync(helpersFileName(directory, owner), 'utf8')) as unknown;
    const named: unknown[] = Array.isArray(helpers) ? helpers : [];
    return named.filter(
      (helper): helper is Process =>
        typeof (helper as Process | null)?.pid === 'number' && isAlive(helper as Process),
    );
  } catch {
    return []; // none named (or a file being replaced: rename leaves no half-written one)
  }
}

const helperAlive = (directory: string, owner: Process) => liveHelpers(directory, owner).length > 0;

/** A token lock whose holder is gone while a worker of its (still inside a driver call) keeps it. */
export interface OrphanedLock {
  /** The token's serial, as the holder wrote it (undefined in a lock of an older kyso). */
  serial: string | undefined;
  holder: LockOwner;
  /** The holder's PKCS#11 workers still alive: the token stays locked until they end. */
  workers: number[];
  /**
   * Whether each of `workers` is surely that worker: its start time was recorded and is the live
   * process's. Without one (Windows, macOS) the pid may be another program's by now.
   */
  sure: boolean;
}

/**
 * The locks in a folder that no live kyso program holds but that its PKCS#11 worker keeps: a
 * host killed while its worker was in a driver call that never returns (a PIN pad nobody answers,
 * a wedged reader). Safe by design (nobody logs in beside that call), and only the user can end
 * it: doctor names them. Reads only; an unreadable or missing folder has none.
 */
export function orphanedLocks(directory: string = defaultLockDirectory()): OrphanedLock[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  const orphaned: OrphanedLock[] = [];
  for (const name of names) {
    if (!name.endsWith('.lock')) continue;
    const holder = readOwner(path.join(directory, name));
    if (!holder || isAlive(holder)) continue;
    const helpers = liveHelpers(directory, holder);
    if (helpers.length === 0) continue;
    const sure = helpers.every(
      (helper) => helper.started !== undefined && processStartTime(helper.pid) === helper.started,
    );
    orphaned.push({ serial: holder.token, holder, workers: helpers.map((helper) => helper.pid), sure });
  }
  return orphaned;
}

/** The owner in a lock file; 'absent' when there is no file (released meanwhile), 'unreadable' for anything else. */
function readLock(file: string): LockOwner | 'absent' | 'unreadable' {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
    return typeof value?.pid === 'number' && typeof value.nonce === 'string' ? value : 'unreadable';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'unreadable';
  }
}

function readOwner(file: string): LockOwner | undefined {
  const lock = readLock(file);
  return typeof lock === 'object' ? lock : undefined;
}

/** The same holder (or the same unreadable file) as seen before. */
const sameLock = (a: ReturnType<typeof readLock>, b: ReturnType<typeof readLock>) =>
  typeof a === 'object' && typeof b === 'object' ? a.nonce === b.nonce : a === b && a !== 'absent';

/** This process's owner files, removed when it exits (an exit that skipped close()). */
const ownerFilesOfThisProcess = new Set<string>();
function removeAtExit(file: string): void {
  ownerFilesOfThisProcess.add(file);
  cleanUpAtExit();
}

let cleansUpAtExit = false;
/**
 * This process's owner files go when it exits, and its helpers files unless a helper still lives
 * (an exit that did not wait for its worker, still in a driver call: its locks stay its worker's).
 */
function cleanUpAtExit(): void {
  if (cleansUpAtExit) return;
  cleansUpAtExit = true;
  process.once('exit', () => {
    for (const owned of ownerFilesOfThisProcess) removeQuietly(owned);
    for (const [pid, started] of helpersOfThisProcess)
      if (!isAlive({ pid, started })) helpersOfThisProcess.delete(pid);
    writeHelpers();
  });
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** The file a process links as its lock of one token; its inode tells our lock from another's. */
interface OwnerFile {
  path: string;
  ino: number;
}

const ownerFileName = (lockFile: string, owner: Pick<LockOwner, 'pid' | 'nonce'>) =>
  `${lockFile}.owner-${owner.pid}-${owner.nonce}`;

export class TokenLocks {
  private readonly self: Omit<LockOwner, 'nonce' | 'since'>;
  private prepared = false;
  /** serial → its lock file (the name is a hash, computed once). */
  private readonly lockFiles = new Map<string, string>();
  /** lock file → this object's owner file for it. */
  private readonly ownerFiles = new Map<string, OwnerFile>();
  private watcher: FSWatcher | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly directory: string = defaultLockDirectory(),
    program = 'kyso',
  ) {
    this.self = { pid: process.pid, started: processStartTime(process.pid), program };
    this.ensureDirectory();
  }

  /** Whether the holder of a lock, or a process acting for it (a worker still in a driver call), is alive. */
  private holderAlive(owner: LockOwner): boolean {
    return isAlive(owner) || helperAlive(this.directory, owner);
  }

  /** True when the owner is this very process. */
  isSelf(owner: LockOwner | undefined): boolean {
    return owner?.pid === this.self.pid && owner.started === this.self.started;
  }

  private ensureDirectory(): void {
    if (this.prepared) return;
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    // Another user's folder (or a symlink planted in /tmp) must not decide who may use our token.
    const stat = lstatSync(this.directory);
    if (!stat.isDirectory() || (typeof process.getuid === 'function' && stat.uid !== process.getuid())) {
      throw new Error(`token lock folder ${this.directory} is not the user's own`);
    }
    this.prepared = true;
    directoriesOfThisProcess.add(this.directory);
    if (helpersOfThisProcess.size > 0) writeHelpers([this.directory]);
  }

  fileFor(serial: string): string {
    let file = this.lockFiles.get(serial);
    if (!file) {
      file = path.join(
        this.directory,
        `${createHash('sha256').update(serial).digest('hex').slice(0, 24)}.lock`,
      );
      this.lockFiles.set(serial, file);
    }
    return file;
  }

  /** Takes the token's lock now, or says who has it; never waits. */
  tryAcquire(serial: string): LockAttempt {
    this.ensureDirectory();
    const file = this.fileFor(serial);
    for (let attempt = 0; attempt < 3; attempt++) {
      const taken = this.takeWithOwnerFile(file, serial);
      if (taken) return { acquired: true, release: () => this.release(file, taken) };
      const current = readLock(file);
      if (current === 'absent') continue; // released in between: try again
      if (typeof current === 'object' && this.holderAlive(current))
        return { acquired: false, owner: current };
      this.breakStale(file, current);
    }
    return { acquired: false, owner: readOwner(file) };
  }

  /** This object's owner file for a token's lock, written once (again if something removed it). */
  private ownerFile(file: string, serial: string): OwnerFile {
    let own = this.ownerFiles.get(file);
    if (!own) {
      const owner: LockOwner = { ...this.self, nonce: randomUUID(), since: Date.now(), token: serial };
      const ownerPath = ownerFileName(file, owner);
      writeFileSync(ownerPath, JSON.stringify(owner), { mode: 0o600 });
      own = { path: ownerPath, ino: lstatSync(ownerPath).ino };
      this.ownerFiles.set(file, own);
      removeAtExit(ownerPath);
      this.removeDeadOwnerFiles(file);
    }
    return own;
  }

  /**
   * Owner files of processes that were killed (they never reached their exit), and their helpers
   * files once those helpers are dead too: once per lock and process.
   */
  private removeDeadOwnerFiles(file: string): void {
    const prefix = `${path.basename(file)}.owner-`;
    for (const name of readdirSync(this.directory)) {
      const helpers = /^helpers-(\d+)-(\w+)$/.exec(name);
      if (helpers) {
        const owner = { pid: Number(helpers[1]), started: helpers[2] === 'unknown' ? undefined : helpers[2] };
        if (!isAlive(owner) && !helperAlive(this.directory, owner))
          removeQuietly(path.join(this.directory, name));
      }
      if (!name.startsWith(prefix)) continue;
      const pid = Number(name.slice(prefix.length).split('-')[0]);
      if (Number.isSafeInteger(pid) && pid > 0 && !pidExists(pid))
        removeQuietly(path.join(this.directory, name));
    }
  }

  /** Links our owner file as the lock: link(2) fails if the lock exists. The owner file used, or null. */
  private takeWithOwnerFile(file: string, serial: string): OwnerFile | null {
    for (let attempt = 0; ; attempt++) {
      const own = this.ownerFile(file, serial);
      try {
        linkSync(own.path, file);
        return own;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return null;
        // our owner file (or the folder) was removed by someone, a temporary-file cleaner say: written again
        if (code !== 'ENOENT' || attempt > 0) throw error;
        this.ownerFiles.delete(file);
        this.prepared = false;
        this.ensureDirectory();
      }
    }
  }

  /** Removes this object's owner files (the host's shutdown; exit does it otherwise). */
  close(): void {
    for (const own of this.ownerFiles.values()) {
      removeQuietly(own.path);
      ownerFilesOfThisProcess.delete(own.path);
    }
    this.ownerFiles.clear();
  }

  /** Creates `file` with the owner's content in one step: link(2) fails if it exists. */
  private link(file: string, owner: LockOwner): boolean {
    const temporary = `${file}.${owner.nonce}.tmp`;
    writeFileSync(temporary, JSON.stringify(owner), { mode: 0o600 });
    try {
      linkSync(temporary, file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      unlinkSync(temporary);
    }
  }

  /**
   * Removes a dead owner's lock. A file with no readable owner is a writer that died between
   * steps only if it stays unreadable; link(2) never leaves one, so it is treated as stale.
   */
  private breakStale(file: string, seen: LockOwner | 'unreadable'): void {
    const breaker = `${file}.break`;
    const me: LockOwner = { ...this.self, nonce: randomUUID(), since: Date.now() };
    if (!this.link(breaker, me)) {
      const other = readLock(breaker);
      if (other === 'absent' || (typeof other === 'object' && isAlive(other))) return; // someone else is recovering it
      this.unlinkIf(breaker, other); // a recoverer that died
      return;
    }
    try {
      // Under the breaker nobody else removes the file, and its dead owner cannot release it: only
      // the stale lock we saw is removed, never a fresh one.
      if (sameLock(readLock(file), seen)) {
        this.unlinkIf(file, seen);
        if (typeof seen === 'object') {
          removeQuietly(ownerFileName(file, seen)); // the dead process's own
          removeQuietly(helpersFileName(this.directory, seen)); // all dead, for good: it names no one
        }
      }
    } finally {
      this.unlinkIf(breaker, me);
    }
  }

  /**
   * Resolves when a lock file in the folder changes (taken, released, a waiter's marker), or after
   * `timeoutMs` at most: waiters wake at once instead of polling. One watcher, while anyone waits.
   */
  changed(_serial: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        if (this.listeners.size === 0) this.stopWatching();
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      this.listeners.add(done);
      this.startWatching();
    });
  }

  private startWatching(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.directory, { persistent: false }, () => {
        for (const listener of [...this.listeners]) listener();
      });
      this.watcher.on('error', () => this.stopWatching()); // the timeout still wakes everyone
    } catch {
      // no file-change notification here: the timeout is the poll
    }
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** Whether someone holds the token's lock now (without trying to take it). */
  isTaken(serial: string): boolean {
    const owner = readOwner(this.fileFor(serial));
    return owner !== undefined && this.holderAlive(owner);
  }

  /**
   * The serials of the tokens another live kyso process holds now, as each holder wrote them: in
   * use there, so plugged in, whether or not this process's driver reports them meanwhile.
   */
  heldElsewhere(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.directory);
    } catch {
      return [];
    }
    const serials: string[] = [];
    for (const name of names) {
      if (!name.endsWith('.lock')) continue;
      const owner = readOwner(path.join(this.directory, name));
      if (owner?.token === undefined || this.isSelf(owner) || !this.holderAlive(owner)) continue;
      if (this.fileFor(owner.token) === path.join(this.directory, name)) serials.push(owner.token);
    }
    return serials;
  }

  /** Says "I am waiting for this token" to the holder (see othersWaiting); returns the undo. */
  markWaiting(serial: string): () => void {
    const marker = `${this.fileFor(serial)}.waiting-${this.self.pid}`;
    const me: LockOwner = { ...this.self, nonce: randomUUID(), since: Date.now() };
    try {
      writeFileSync(marker, JSON.stringify(me), { mode: 0o600 });
    } catch {
      return () => undefined; // a courtesy only: without it, the wait is just less fair
    }
    return () => this.unlinkIf(marker, me);
  }

  /** Whether another live process waits for this token (markers of dead ones are removed). */
  othersWaiting(serial: string): boolean {
    const prefix = `${path.basename(this.fileFor(serial))}.waiting-`;
    let waiting = false;
    for (const name of readdirSync(this.directory)) {
      if (!name.startsWith(prefix)) continue;
      const file = path.join(this.directory, name);
      const marker = readLock(file);
      if (marker === 'absent' || (typeof marker === 'object' && this.isSelf(marker))) continue;
      if (typeof marker === 'object' && isAlive(marker)) waiting = true;
      else this.unlinkIf(file, marker); // each process has one marker name: a dead one's is nobody's
    }
    return waiting;
  }

  private unlinkIf(file: string, expected: LockOwner | 'unreadable'): void {
    if (!sameLock(readLock(file), expected)) return;
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }

  /** Removes the lock only while it is still our owner file's link (the same inode). */
  private release(file: string, own: OwnerFile): void {
    if (lstatSync(file, { throwIfNoEntry: false })?.ino !== own.ino) return;
    removeQuietly(file);
  }
}
