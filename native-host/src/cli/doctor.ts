/**
 * `kyso-host doctor`: what kyso finds on this machine and whether a browser can sign with it —
 * modules, tokens, certificates, browser registrations, and a real handshake with the registered
 * host, started exactly as a browser starts it. Ends with a verdict; exit 1 when signing cannot work.
 */
import { describeForCli, skippedObjectsLine } from './certificate-text.js';
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { CHROMIUM_EXTENSION_ID, FIREFOX_EXTENSION_ID } from '../../../shared/identity.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../../../shared/version.js';
import {
  currentPlatform,
  hostLocations,
  sandboxAdviceText,
  sandboxedBrowserAdvice,
  userDataDirLocation,
  type HostLocation,
} from '../install/index.js';
import { FrameReader, encodeFrame } from '../messaging/framing.js';
import { describeModules, modulesToLoad } from '../modules/discovery.js';
import { vendorOf } from '../modules/registry.js';
import { listTokenCertificates } from '../signing/certificates.js';
import { orphanedLocks, type OrphanedLock } from '../signing/token-lock.js';
import { TokenWorker } from '../worker/token-worker.js';
import { tokenTimeoutMs } from '../worker/worker-process.js';
import { packagedAddonProblem } from '../runtime.js';

export interface DoctorOptions {
  home?: string;
  userDataDir?: string;
}

interface Registration {
  browser: string;
  manifest: string;
  launcher?: string;
  problem?: string;
}

function checkRegistration(location: HostLocation, manifestPath: string): Registration | undefined {
  if (!existsSync(manifestPath)) return undefined;
  const registration: Registration = { browser: location.browser, manifest: manifestPath };
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      path?: string;
      allowed_origins?: string[];
      allowed_extensions?: string[];
    };
    registration.launcher = manifest.path;
    const allowed =
      location.family === 'firefox'
        ? manifest.allowed_extensions?.includes(FIREFOX_EXTENSION_ID)
        : manifest.allowed_origins?.includes(`chrome-extension://${CHROMIUM_EXTENSION_ID}/`);
    if (!allowed) registration.problem = 'does not allow the kyso extension';
    else if (!manifest.path || !existsSync(manifest.path))
      registration.problem = `launcher missing: ${manifest.path}`;
    else accessSync(manifest.path, constants.X_OK);
  } catch (error) {
    registration.problem ??=
      (error as NodeJS.ErrnoException).code === 'EACCES' ? 'launcher not executable' : 'unreadable manifest';
  }
  return registration;
}

/** Starts the launcher as Chrome does and performs the extension's handshake. */
export function handshakeWith(launcher: string, timeoutMs = LIMITS.hostHandshakeTimeoutMs): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(launcher, [`chrome-extension://${CHROMIUM_EXTENSION_ID}/`], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const reader = new FrameReader(1 << 20);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // A launcher whose node (or binary) is gone exits at once (127): say so now, not after the timeout.
    // Its stdin is then a broken pipe: the write below fails (EPIPE), which 'close' reports.
    child.stdin.on('error', () => undefined);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`it ended (${signal ?? `exit code ${code}`}) before answering`));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        clearTimeout(timer);
        child.stdin.end();
        const value =
          frame.kind === 'message'
            ? (frame.value as { ok?: boolean; result?: { hostVersion?: string }; error?: { code?: string } })
            : undefined;
        if (value?.ok && value.result?.hostVersion) resolve(value.result.hostVersion);
        else reject(new Error(value?.error?.code ?? 'unexpected answer'));
      }
    });
    child.stdin.write(
      encodeFrame(
        {
          id: 1,
          command: 'hello',
          params: { protocolVersion: PROTOCOL_VERSION, extensionVersion: KYSO_VERSION },
        },
        LIMITS.maxFrameToHostBytes,
      ),
    );
  });
}

const SANDBOX_MARKS = { works: '✓', 'needs-setup': '!', unsupported: '✗' } as const;

/** How the user ends a process by its pid (a worker stuck in a driver call ignores a polite request). */
const endCommand = (pid: number) =>
  process.platform === 'win32' ? `taskkill /F /PID ${pid}` : `kill -9 ${pid}`;

/**
 * A token locked by a worker whose host is gone (see orphanedLocks): which token, which process,
 * and what the user can do, in Vietnamese then English. Unplugging comes first: the driver call
 * then returns and the worker logs out and ends by itself; ending it is for a token that cannot be
 * unplugged (or a driver that does not notice).
 */
function orphanedLockAdvice(lock: OrphanedLock, label: string | undefined): { vi: string; en: string } {
  const named = (serial: string) => `Token ${label ? `«${label}» ` : ''}(${serial} ${lock.serial})`;
  const vi = lock.serial === undefined ? 'Một token' : named('số sê-ri');
  const en = lock.serial === undefined ? 'A token' : named('serial');
  const pids = lock.workers.join(', ');
  const end = lock.workers.map(endCommand).join('; ');
  // A pid that cannot be told from a later process with the same number gets no command to end it.
  const todo = lock.sure
    ? {
        vi: `Hãy rút token ra, hoặc kết thúc tiến trình đó (${end}).`,
        en: `Unplug the token, or end that process (${end}).`,
      }
    : {
        vi: `Hãy rút token ra. Pid ${pids} có thể nay đã thuộc về chương trình khác (hệ thống này không cho biết tiến trình bắt đầu khi nào): chỉ kết thúc nó nếu đó là tiến trình của kyso.`,
        en: `Unplug the token. Pid ${pids} may belong to another program by now (this system does not say when a process started): end it only if it is kyso's.`,
      };
  return {
    vi:
      `${vi} đang bị giữ bởi tiến trình PKCS#11 của kyso (pid ${pids}) mà chương trình mở nó (pid ${lock.holder.pid}) không còn chạy: ` +
      `tiến trình này vẫn chờ trình điều khiển của token trả lời, và chưa ký được bằng token này cho đến khi nó kết thúc. ` +
      todo.vi,
    en:
      `${en} is held by a kyso PKCS#11 worker (pid ${pids}) whose program (pid ${lock.holder.pid}) is gone: ` +
      `the worker is still waiting for the token's driver to answer, and the token cannot sign until it ends. ` +
      todo.en,
  };
}

export async function runDoctor(options: DoctorOptions, print: (line: string) => void): Promise<number> {
  const problems: string[] = [];
  const platform = currentPlatform();
  const home = options.home ?? os.homedir();
  print(`kyso-host ${KYSO_VERSION} (protocol ${PROTOCOL_VERSION}), Node ${process.version}, ${platform}`);

  // Modules and tokens
  const addonProblem = packagedAddonProblem();
  if (addonProblem) problems.push(addonProblem);
  const modules = modulesToLoad();
  // Modules someone named (the options page, KYSO_PKCS11_MODULES) whose file is not there: a mistyped path.
  const missing = describeModules().filter((m) => !m.present);
  print(`\nPKCS#11 modules found: ${modules.length}`);
  for (const module of missing)
    print(
      `  ✗ ${module.path} — file not found (${module.source === 'environment' ? 'KYSO_PKCS11_MODULES' : 'added in the options'})`,
    );
  const worker = new TokenWorker({ modulePaths: modules });
  let usable = 0;
  const labels = new Map<string, string>();
  try {
    const { certificates, moduleErrors, skippedObjects } = await listTokenCertificates(
      worker,
      tokenTimeoutMs(),
    );
    let failedModules = 0;
    for (const module of modules) {
      const errors = moduleErrors.filter((m) => m.module === module);
      // A module with only a slot failing (ModuleError.slot) is loaded: its other tokens are listed.
      const failed = errors.some((m) => m.slot === undefined);
      if (failed) failedModules++;
      const said = errors.map((m) => m.error).join('; ');
      print(
        `  ${failed ? '✗' : '✓'} ${module}${vendorOf(module) ? ` (${vendorOf(module)})` : ''}${said ? ` — ${said}` : ''}`,
      );
    }
    if (modules.length === 0 || failedModules === modules.length)
      problems.push('no PKCS#11 module could be loaded (is the token software installed?)');
    const tokens = new Map(certificates.map((c) => [c.token.serial, c.token]));
    for (const token of tokens.values()) labels.set(token.serial, token.label);
    print(`\nTokens: ${tokens.size}`);
    for (const token of tokens.values()) {
      const flags = [
        token.pinLocked && 'PIN LOCKED',
        token.pinFinalTry && 'final PIN try',
        token.pinCountLow && 'PIN count low',
        token.protectedAuthPath && 'PIN pad',
      ].filter(Boolean);
      print(
        `  ${token.label} (${token.manufacturer} ${token.model}, serial ${token.serial})${flags.length ? ` — ${flags.join(', ')}` : ''}`,
      );
    }
    print(`\nCertificates: ${certificates.length}`);
    for (const entry of certificates) {
      const { summary, holder, ids, problems: issues } = describeForCli(entry);
      if (issues.length === 0 && !entry.token.pinLocked) usable++;
      print(
        `  ${issues.length ? '✗' : '✓'} ${holder} ${ids} — ${summary.notBefore.toISOString().slice(0, 10)} → ${summary.notAfter.toISOString().slice(0, 10)}${issues.length ? ` (${issues.join(', ')})` : ''}`,
      );
    }
    // Not a problem for the verdict (the token's other certificates sign), but a certificate the user
    // looks for may be one of these.
    for (const skipped of skippedObjects) print(`  ! ${skippedObjectsLine(skipped)}`);
    if (usable === 0)
      problems.push('no certificate that can sign (insert the token, or renew the certificate)');
  } catch (error) {
    problems.push(`the token worker failed: ${(error as Error).message}`);
  } finally {
    worker.stop();
  }

  // A token no program can use until the user acts (the listing above may still read it).
  const orphaned = orphanedLocks();
  if (orphaned.length > 0) print(`\nTokens held by a worker whose program is gone: ${orphaned.length}`);
  for (const lock of orphaned) {
    const advice = orphanedLockAdvice(lock, lock.serial === undefined ? undefined : labels.get(lock.serial));
    print(`  ✗ ${advice.vi}\n    ${advice.en}`);
    problems.push(
      `${lock.serial === undefined ? 'a token' : `token ${lock.serial}`} is held by a kyso PKCS#11 worker whose program is gone (pid ${lock.workers.join(', ')}): unplug the token${lock.sure ? ', or end that process' : ''}`,
    );
  }

  // Browser registrations and a real handshake
  const locations = options.userDataDir
    ? [userDataDirLocation(options.userDataDir, 'chromium', platform)]
    : // process.env as install reads it: XDG_CONFIG_HOME and CHROME_CONFIG_HOME move the user-level places.
      (['user', 'system'] as const).flatMap(
        (scope) => hostLocations({ platform, scope, home, env: process.env }).located,
      );
  const registrations = locations.flatMap((l) =>
    l.manifestPaths.map((m) => checkRegistration(l, m)).filter((r): r is Registration => r !== undefined),
  );
  print(`\nBrowser registrations: ${registrations.length}`);
  let answered = false;
  for (const registration of registrations) {
    let problem = registration.problem;
    let state = problem ? `✗ ${problem}` : '';
    if (!problem && registration.launcher) {
      try {
        state = `✓ host answers (${await handshakeWith(registration.launcher)})`;
        answered = true;
      } catch (error) {
        problem = `host does not answer: ${(error as Error).message}`;
        state = `✗ ${problem}`;
      }
    }
    print(`  ${registration.browser}: ${registration.manifest} ${state}`);
    // One browser working does not help someone who signs in another (e.g. a manifest left by an old install).
    if (problem)
      problems.push(
        `${registration.browser}: ${problem} (run: kyso-host install --browser ${registration.browser})`,
      );
  }
  // A snap or Flatpak browser cannot start the host however well it answers here: say so.
  if (platform === 'linux') {
    for (const advice of sandboxedBrowserAdvice({ home, exists: existsSync }))
      print(`  ${SANDBOX_MARKS[advice.support]} ${sandboxAdviceText(advice).replace('\n', '\n    ')}`);
  }
  if (registrations.length === 0)
    problems.push('the host is not registered with any browser (run: kyso-host install)');
  else if (!answered) problems.push('no registered host answers the extension’s handshake');

  print('');
  if (problems.length === 0) {
    print('Kết luận / Verdict: ✓ sẵn sàng ký số / ready to sign');
    return 0;
  }
  print('Kết luận / Verdict: ✗ chưa ký được / cannot sign yet');
  for (const problem of problems) print(`  - ${problem}`);
  return 1;
}
