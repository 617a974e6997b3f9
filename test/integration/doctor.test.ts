/** kyso-host doctor on a healthy machine and on broken ones (real installs into a private HOME). */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import { FAULT_MODULE, buildFaultModule, faultModuleEnv } from '../support/fault-module.js';
import { HostProcess } from '../support/host-process.js';
import { HOST_LAUNCHER, REPO_ROOT, SOFTHSM_MODULE } from '../support/paths.js';
import { copyTestToken, type TestToken } from '../support/token.js';

describe('kyso-host doctor', () => {
  let token: TestToken;
  beforeAll(() => {
    token = copyTestToken();
  });
  afterAll(() => token.remove());

  const kysoHost = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [HOST_LAUNCHER, ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('says ready when modules, certificates and a registered, answering host are there', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'kyso-doctor-ok-'));
    const env = { ...token.env, HOME: home };
    expect(kysoHost(['install', '--browser', 'chromium,firefox'], env).status).toBe(0);
    const run = kysoHost(['doctor'], env);
    expect(run.status, run.stdout).toBe(0);
    expect(run.stdout).toContain('✓ /usr/lib/softhsm/libsofthsm2.so (SoftHSM)');
    expect(run.stdout).toMatch(/✓ Công ty TNHH Ký Số Việt MST:0312345678/);
    expect(run.stdout).toMatch(/✗ Trần Thị Hết Hạn .*\(expired\)/);
    expect(run.stdout).toMatch(
      /chromium: .*\.config\/chromium\/NativeMessagingHosts\/vn\.kyso\.host\.json ✓ host answers \(0\.1\.0\)/,
    );
    expect(run.stdout).toMatch(
      /firefox: .*\.mozilla\/native-messaging-hosts\/vn\.kyso\.host\.json ✓ host answers/,
    );
    expect(run.stdout).toContain('Verdict: ✓');
    rmSync(home, { recursive: true, force: true });
  });

  it('says why not when nothing is registered and no module loads', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'kyso-doctor-bad-'));
    const broken = path.join(home, 'libvendor.so');
    writeFileSync(broken, 'not a library');
    const run = kysoHost(['doctor'], { ...token.env, HOME: home, KYSO_PKCS11_MODULES: broken });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`✗ ${broken}`);
    expect(run.stdout).toContain('Verdict: ✗');
    expect(run.stdout).toContain('no PKCS#11 module could be loaded');
    expect(run.stdout).toContain('not registered with any browser');
    rmSync(home, { recursive: true, force: true });
  });

  it('notices a registration whose launcher is gone', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'kyso-doctor-gone-'));
    const env = { ...token.env, HOME: home };
    expect(kysoHost(['install', '--browser', 'chromium'], env).status).toBe(0);
    rmSync(path.join(home, '.local/share/kyso'), { recursive: true, force: true });
    const run = kysoHost(['doctor'], env);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/chromium: .* ✗ launcher missing/);
    expect(run.stdout).toContain('no registered host answers');
    rmSync(home, { recursive: true, force: true });
  });

  it('names a module path that is wrong (the options page, KYSO_PKCS11_MODULES), whatever else loads', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'kyso-doctor-wrong-path-'));
    const typo = path.join(home, 'Chữ ký số', 'libvnpt-ca.so'); // a path with spaces and Vietnamese
    const configured = path.join(home, 'viettel ca', 'libviettel-ca_v5.so');
    writeFileSync(path.join(home, 'config.json'), JSON.stringify({ modules: [configured] }));
    const overridden = kysoHost(['doctor'], {
      ...token.env,
      HOME: home,
      KYSO_PKCS11_MODULES: `${typo}:${token.module}`,
    });
    expect(overridden.stdout).toContain(`✗ ${typo} — file not found (KYSO_PKCS11_MODULES)`);
    expect(overridden.stdout).toContain(`✓ ${token.module} (SoftHSM)`);

    const env: Record<string, string> = {
      ...token.env,
      HOME: home,
      KYSO_CONFIG: path.join(home, 'config.json'),
    };
    delete env.KYSO_PKCS11_MODULES; // discovery: the configured module, and the known ones found (SoftHSM)
    const fromOptions = kysoHost(['doctor'], env);
    expect(fromOptions.stdout).toContain(`✗ ${configured} — file not found (added in the options)`);
    rmSync(home, { recursive: true, force: true });
  });

  it("names a module's one failing slot (a flaky reader) by its CKR, and still counts the module as loaded", () => {
    buildFaultModule();
    const home = mkdtempSync(path.join(tmpdir(), 'kyso-doctor-slot-'));
    const control = path.join(home, 'faults');
    writeFileSync(control, `fail_slot ${token.label} C_GetTokenInfo 0x30\n`);
    const run = kysoHost(['doctor'], { ...token.env, HOME: home, ...faultModuleEnv(control) });
    expect(run.stdout).toMatch(
      new RegExp(`✓ ${FAULT_MODULE} — slot \\d+ failed: TOKEN_DRIVER_FAILED \\(CKR_DEVICE_ERROR\\)`),
    );
    expect(run.stdout).not.toContain('no PKCS#11 module could be loaded');
    rmSync(home, { recursive: true, force: true });
  });

  it('looks where install wrote: under XDG_CONFIG_HOME when it is set', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'kyso-doctor-xdg-'));
    const env = { ...token.env, HOME: home, XDG_CONFIG_HOME: path.join(home, 'xdg') };
    expect(kysoHost(['install', '--browser', 'chromium'], env).status).toBe(0);
    const run = kysoHost(['doctor'], env);
    expect(run.stdout).toMatch(
      /chromium: .*\/xdg\/chromium\/NativeMessagingHosts\/vn\.kyso\.host\.json ✓ host answers/,
    );
    expect(run.status, run.stdout).toBe(0);
    rmSync(home, { recursive: true, force: true });
  });

  it('a browser whose registration names a launcher that moved is a problem, even when another browser works', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'kyso-doctor-moved-'));
    const env = { ...token.env, HOME: home };
    expect(kysoHost(['install', '--browser', 'chromium,firefox'], env).status).toBe(0);
    // What an older install left after the program moved: Chromium's manifest names the old place.
    const chromium = path.join(home, '.config/chromium/NativeMessagingHosts/vn.kyso.host.json');
    const manifest = JSON.parse(readFileSync(chromium, 'utf8')) as { path: string };
    writeFileSync(chromium, JSON.stringify({ ...manifest, path: '/opt/kyso-old/kyso-host' }));
    const run = kysoHost(['doctor'], env);
    expect(run.stdout).toMatch(/firefox: .* ✓ host answers/);
    expect(run.stdout).toMatch(/chromium: .* ✗ launcher missing: \/opt\/kyso-old\/kyso-host/);
    expect(run.stdout).toContain('Verdict: ✗');
    expect(run.stdout).toMatch(/- chromium: .*kyso-host install/);
    expect(run.status).toBe(1);
    rmSync(home, { recursive: true, force: true });
  });

  it('says the host ended before answering when the node its launcher names is gone (Node upgraded)', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'kyso-doctor-no-node-'));
    const env = { ...token.env, HOME: home };
    expect(kysoHost(['install', '--browser', 'chromium'], env).status).toBe(0);
    const launcher = path.join(home, '.local/share/kyso/kyso-host.sh');
    const script = readFileSync(launcher, 'utf8');
    writeFileSync(launcher, script.replace(`'${process.execPath}'`, `'/opt/node-v18-removed/bin/node'`));
    const run = kysoHost(['doctor'], env);
    expect(run.stdout).toMatch(
      /chromium: .* ✗ host does not answer: it ended \(exit code 127\) before answering/,
    );
    expect(run.status).toBe(1);
    rmSync(home, { recursive: true, force: true });
  });

  it('says when a browser is a snap that cannot start the host, though the handshake from outside works', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'kyso-doctor-snap-'));
    const env = { ...token.env, HOME: home };
    expect(kysoHost(['install', '--browser', 'chromium'], env).status).toBe(0);
    mkdirSync(path.join(home, 'snap', 'chromium'), { recursive: true }); // Ubuntu's Chromium is a snap: it has run here
    const run = kysoHost(['doctor'], env);
    expect(run.stdout).toMatch(/chromium: .* ✓ host answers/);
    expect(run.stdout).toContain('Chromium (snap chromium): Chromium-based browsers packaged as snap cannot');
    expect(run.stdout).toContain('Chromium (snap chromium): trình duyệt họ Chromium đóng gói snap');
    rmSync(home, { recursive: true, force: true });
  });

  it('names a token still locked by a worker whose host was killed in a driver call that never returns, and what to do', async () => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    const home = mkdtempSync(path.join(tmpdir(), 'kyso-doctor-orphan-'));
    const control = path.join(home, 'faults');
    const trace = path.join(home, 'trace');
    writeFileSync(control, '');
    writeFileSync(trace, '');
    // The fault module over SoftHSM: C_Sign can be made to never return (a PIN pad nobody answers).
    const env = {
      ...token.env,
      HOME: home,
      KYSO_PKCS11_MODULES: path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so'),
      KYSO_FAULT_TARGET: SOFTHSM_MODULE,
      KYSO_FAULT_CONTROL: control,
      KYSO_FAULT_TRACE: trace,
    };
    const signing = () => readFileSync(trace, 'utf8').match(/^(\d+) C_Sign$/m)?.[1];
    const host = new HostProcess(env);
    let orphan: number | undefined;
    try {
      const listed = await host.request('list-certificates', {});
      if (!listed.ok) throw new Error(JSON.stringify(listed.error));
      const entry = (listed.result as { certificates: CertificateEntry[] }).certificates.find((c) =>
        c.id.endsWith('/01'),
      )!;
      writeFileSync(control, 'hang C_Sign\n');
      host.start('sign-cms', {
        certificateId: entry.id,
        pin: token.pin,
        digest: Buffer.alloc(32, 1).toString('base64'),
        digestAlgorithm: 'SHA-256',
        origin: 'https://dichvucong.gov.vn',
      });
      for (let waited = 0; !signing(); waited += 10) {
        if (waited > 30_000) throw new Error('the signature never reached C_Sign');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      orphan = Number(signing());
      host.child.kill('SIGKILL'); // its worker stays in C_Sign, holding the token's lock
      await host.exited;

      const run = kysoHost(['doctor'], env);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('Tokens held by a worker whose program is gone: 1');
      expect(run.stdout).toContain(
        `Token «${entry.token.label}» (số sê-ri ${entry.token.serial}) đang bị giữ bởi tiến trình PKCS#11 của kyso (pid ${orphan}) mà chương trình mở nó (pid ${host.child.pid}) không còn chạy`,
      );
      expect(run.stdout).toContain(
        `Token «${entry.token.label}» (serial ${entry.token.serial}) is held by a kyso PKCS#11 worker (pid ${orphan}) whose program (pid ${host.child.pid}) is gone`,
      );
      expect(run.stdout).toContain(`Unplug the token, or end that process (kill -9 ${orphan}).`);
      expect(run.stdout).toContain('Hãy rút token ra, hoặc kết thúc tiến trình đó');
      expect(run.stdout).toMatch(
        new RegExp(
          `- token ${entry.token.serial} is held by a kyso PKCS#11 worker whose program is gone \\(pid ${orphan}\\)`,
        ),
      );

      // The user ends it (as doctor says): the token is free, and doctor says nothing more about it.
      process.kill(orphan, 'SIGKILL');
      for (let waited = 0; isRunning(orphan); waited += 10) {
        if (waited > 10_000) throw new Error('the worker did not end');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      orphan = undefined;
      writeFileSync(control, '');
      expect(kysoHost(['doctor'], env).stdout).not.toContain('held by a worker');
    } finally {
      host.child.kill('SIGKILL');
      if (orphan !== undefined && isRunning(orphan)) process.kill(orphan, 'SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  }, 120_000);

  it('gives no command to end a pid it cannot tell is still the worker (no start time recorded, as on Windows and macOS)', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'kyso-doctor-unsure-'));
    const locks = path.join(home, 'locks');
    mkdirSync(locks);
    // A host that died holding a lock, whose worker's pid another program has now: where the
    // system gives no process start time, the files record pids only (JSON drops `started`).
    const gone = spawnSync('true').pid;
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      writeFileSync(
        path.join(locks, 'token.lock'),
        JSON.stringify({ pid: gone, nonce: 'n', program: 'kyso-host', since: 0, token: 'ABC123' }),
      );
      writeFileSync(path.join(locks, `helpers-${gone}-unknown`), JSON.stringify([{ pid: other.pid }]));
      const run = kysoHost(['doctor'], { ...token.env, HOME: home, KYSO_LOCK_DIR: locks });
      expect(run.stdout).toContain('Tokens held by a worker whose program is gone: 1');
      expect(run.stdout).not.toContain(`kill -9 ${other.pid}`);
      expect(run.stdout).toContain(
        `Unplug the token. Pid ${other.pid} may belong to another program by now (this system does not say when a process started): end it only if it is kyso's.`,
      );
      expect(run.stdout).toContain(
        `Hãy rút token ra. Pid ${other.pid} có thể nay đã thuộc về chương trình khác`,
      );
    } finally {
      other.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  }, 120_000);
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
