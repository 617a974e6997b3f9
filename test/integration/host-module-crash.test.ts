/**
 * A vendor's PKCS#11 module that crashes the process while it loads (a segfault in C_Initialize,
 * injected by test/fault-module), or never comes back from C_Initialize — or that loads and then
 * crashes or hangs when its tokens are listed — is left out and reported:
 * the other modules' tokens still list and sign, in the host and in `kyso-host doctor`, and no
 * worker is left stuck in it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import type { ModuleReport } from '../../shared/protocol/host.js';
import { moduleKey } from '../../native-host/src/worker/certificate-identity.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { HOST_LAUNCHER, REPO_ROOT, SOFTHSM_MODULE } from '../support/paths.js';
import { startHostSession, type HostSession } from '../support/host-session.js';

const FAULT_MODULE = path.join(REPO_ROOT, '.kyso/fault-module/libkysofault.so');
const document = Buffer.from('Tờ khai thuế giá trị gia tăng mẫu 01/GTGT\n');

function resultOf(response: { ok: true; result: unknown } | { ok: false; error: unknown }): unknown {
  if (!response.ok) throw new Error(JSON.stringify(response.error));
  return response.result;
}

describe('a PKCS#11 module that crashes while loading', () => {
  let dir: string;
  let env: Record<string, string>;
  let session: HostSession;
  beforeAll(async () => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-module-crash-'));
    const control = path.join(dir, 'faults');
    writeFileSync(control, 'segfault C_Initialize\n');
    // The crashing module first: the worker dies before it reaches SoftHSM's.
    const faultEnv = {
      KYSO_PKCS11_MODULES: `${FAULT_MODULE}:${SOFTHSM_MODULE}`,
      KYSO_FAULT_TARGET: SOFTHSM_MODULE,
      KYSO_FAULT_CONTROL: control,
    };
    session = await startHostSession({
      env: (token) => (env = { ...token.env, ...faultEnv }),
      listCertificates: false,
    });
  });
  afterAll(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the host lists and signs with the other module’s token, and reports the crashing module', async () => {
    await signsWithTheOtherModulesToken(session);

    const { modules } = resultOf(await session.host.request('modules', {})) as ModuleReport;
    expect(modules.find((m) => m.path === SOFTHSM_MODULE)).toMatchObject({ loaded: true });
    const crashed = modules.find((m) => m.path === FAULT_MODULE);
    expect(crashed).toMatchObject({ present: true, loaded: false });
    expect(crashed?.error).toMatch(/crashed .*SIGSEGV/);
  });

  it('kyso-host doctor names the crashing module and still finds the other token’s certificates', () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    const run = spawnSync(process.execPath, [HOST_LAUNCHER, 'doctor'], {
      env: { ...process.env, ...env, HOME: home },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stdout).toMatch(new RegExp(`✗ ${FAULT_MODULE.replace(/[.]/g, '\\.')} — .*crashed.*SIGSEGV`));
    expect(run.stdout).toContain(`✓ ${SOFTHSM_MODULE} (SoftHSM)`);
    expect(run.stdout).toMatch(/✓ Công ty TNHH Ký Số Việt MST:0312345678/);
    expect(run.stdout).not.toContain('the token worker failed');
  });
});

/** The SoftHSM token behind the other module lists its key 02, signs with it, and openssl verifies. */
async function signsWithTheOtherModulesToken(session: HostSession): Promise<void> {
  const listed = resultOf(await session.host.request('list-certificates', {}));
  const certificates = (listed as { certificates: CertificateEntry[] }).certificates;
  const signer = certificates.find((c) => c.id.endsWith('/02'));
  expect(signer, JSON.stringify(certificates.map((c) => c.id))).toBeDefined();
  await signsAndVerifies(session, signer!.id);
}

/** `certificateId` signs the document through the host, and openssl verifies the CMS. */
async function signsAndVerifies(session: HostSession, certificateId: string): Promise<void> {
  const signed = resultOf(
    await session.host.request('sign-cms', {
      certificateId,
      pin: session.token.pin,
      digest: createHash('sha256').update(document).digest('base64'),
      digestAlgorithm: 'SHA-256',
      origin: 'https://thuedientu.gdt.gov.vn',
    }),
  );
  const cms = Buffer.from((signed as { cms: string }).cms, 'base64');
  expect(opensslCmsVerify({ cms, content: document, caFile: session.token.caPem }).ok).toBe(true);
}

/** Whether process `pid` still exists. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The processes that entered the fault module's C_Initialize (from its trace file). */
const initializingPids = (trace: string) =>
  existsSync(trace)
    ? [
        ...new Set(
          readFileSync(trace, 'utf8')
            .split('\n')
            .filter((line) => line.endsWith(' C_Initialize'))
            .map((line) => Number(line.split(' ')[0])),
        ),
      ]
    : [];

async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (running(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return !running(pid);
}

describe('a PKCS#11 module that hangs while loading', () => {
  /** KYSO_TOKEN_TIMEOUT_MS: how long one module may take to load, as any token call. */
  const LOAD_TIMEOUT_MS = 2_000;
  let dir: string;
  let env: Record<string, string>;
  let session: HostSession;
  beforeAll(async () => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-module-hang-'));
    const control = path.join(dir, 'faults');
    writeFileSync(control, 'hang C_Initialize\n'); // a driver waiting forever for its daemon
    const faultEnv = {
      KYSO_PKCS11_MODULES: `${FAULT_MODULE}:${SOFTHSM_MODULE}`,
      KYSO_FAULT_TARGET: SOFTHSM_MODULE,
      KYSO_FAULT_CONTROL: control,
      KYSO_TOKEN_TIMEOUT_MS: String(LOAD_TIMEOUT_MS),
    };
    session = await startHostSession({
      env: (token) => (env = { ...token.env, ...faultEnv, KYSO_FAULT_TRACE: path.join(dir, 'host-trace') }),
      listCertificates: false,
    });
  });
  afterAll(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the host lists and signs with the other module’s token after the load timeout; the stuck worker is ended', async () => {
    await signsWithTheOtherModulesToken(session);

    const { modules } = resultOf(await session.host.request('modules', {})) as ModuleReport;
    expect(modules.find((m) => m.path === FAULT_MODULE)).toMatchObject({ present: true, loaded: false });
    expect(modules.find((m) => m.path === FAULT_MODULE)?.error).toMatch(/did not finish loading/);
    const stuck = initializingPids(env.KYSO_FAULT_TRACE!);
    expect(stuck).toHaveLength(1); // the first worker; the next ones never load the module
    expect(await gone(stuck[0]!, 15_000), 'the worker stuck in C_Initialize was ended').toBe(true);
  });

  it('kyso-host doctor ends, names the module that hangs, and leaves no worker behind', () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    const trace = path.join(dir, 'doctor-trace');
    const run = spawnSync(process.execPath, [HOST_LAUNCHER, 'doctor'], {
      env: { ...process.env, ...env, HOME: home, KYSO_FAULT_TRACE: trace },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.signal, 'doctor ended by itself').toBeNull();
    expect(run.stdout).toMatch(
      new RegExp(`✗ ${FAULT_MODULE.replace(/[.]/g, '\\.')} — .*did not finish loading`),
    );
    expect(run.stdout).toContain(`✓ ${SOFTHSM_MODULE} (SoftHSM)`);
    expect(run.stdout).toMatch(/✓ Công ty TNHH Ký Số Việt MST:0312345678/);
    for (const pid of initializingPids(trace)) expect(running(pid), `worker ${pid} left behind`).toBe(false);
  });
});

describe.each([
  { fault: 'segfault C_GetSlotList', error: /crashed the process while listing its tokens \(SIGSEGV\)/ },
  { fault: 'hang C_GetTokenInfo', error: /did not answer while listing its tokens/ },
])('a PKCS#11 module that loads, then fails in listing its tokens ($fault)', ({ fault, error }) => {
  let dir: string;
  let env: Record<string, string>;
  let session: HostSession;
  beforeAll(async () => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-module-listing-'));
    const control = path.join(dir, 'faults');
    writeFileSync(control, `${fault}\n`);
    session = await startHostSession({
      env: (token) =>
        (env = {
          ...token.env,
          KYSO_PKCS11_MODULES: `${FAULT_MODULE}:${SOFTHSM_MODULE}`,
          KYSO_FAULT_TARGET: SOFTHSM_MODULE,
          KYSO_FAULT_CONTROL: control,
          KYSO_TOKEN_TIMEOUT_MS: '2000', // how long the hanging call is waited for
        }),
      listCertificates: false,
    });
  });
  afterAll(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the first listing already shows the other module’s token, which signs; the failing module is reported', async () => {
    await signsWithTheOtherModulesToken(session);

    const { modules } = resultOf(await session.host.request('modules', {})) as ModuleReport;
    expect(modules.find((m) => m.path === SOFTHSM_MODULE)).toMatchObject({ loaded: true });
    const failing = modules.find((m) => m.path === FAULT_MODULE);
    expect(failing).toMatchObject({ present: true, loaded: false });
    expect(failing?.error).toMatch(error);
  });

  it('kyso-host doctor names the failing module and still finds the other token’s certificates', () => {
    const run = spawnSync(process.execPath, [HOST_LAUNCHER, 'doctor'], {
      env: { ...process.env, ...env, HOME: mkdtempSync(path.join(dir, 'home-')) },
      encoding: 'utf8',
      // far more than KYSO_TOKEN_TIMEOUT_MS (2 s) and the grace period, far less than the default 30 s
      timeout: 20_000,
    });
    expect(run.signal, 'doctor ended by itself (it honours KYSO_TOKEN_TIMEOUT_MS)').toBeNull();
    expect(run.stdout).toMatch(new RegExp(`✗ ${FAULT_MODULE.replace(/[.]/g, '\\.')} — .*${error.source}`));
    expect(run.stdout).toMatch(/✓ Công ty TNHH Ký Số Việt MST:0312345678/);
  });
});

describe('a PKCS#11 module that starts a helper process, then crashes while its tokens are listed', () => {
  let dir: string;
  let pidFile: string;
  let session: HostSession;
  beforeAll(async () => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-module-helper-'));
    pidFile = path.join(dir, 'helpers');
    const control = path.join(dir, 'faults');
    // The helper keeps the worker's pipes open after the worker has died (a vendor driver's daemon).
    writeFileSync(control, `helper_process ${pidFile}\nsegfault C_GetSlotList\n`);
    session = await startHostSession({
      env: (token) => ({
        ...token.env,
        KYSO_PKCS11_MODULES: `${FAULT_MODULE}:${SOFTHSM_MODULE}`,
        KYSO_FAULT_TARGET: SOFTHSM_MODULE,
        KYSO_FAULT_CONTROL: control,
      }),
      listCertificates: false,
    });
  });
  afterAll(async () => {
    await session?.close();
    const helpers = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split('\n').filter(Boolean) : [];
    for (const pid of helpers.map(Number)) if (running(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('the host still lists and signs with the other module’s token while the helper lives on', async () => {
    await signsWithTheOtherModulesToken(session);
    const helpers = readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number);
    expect(helpers.some(running), 'the helper holding the pipes is still there').toBe(true);

    const { modules } = resultOf(await session.host.request('modules', {})) as ModuleReport;
    expect(modules.find((m) => m.path === FAULT_MODULE)?.error).toMatch(/crashed the process while listing/);
  });
});

describe('a PKCS#11 module left out after it crashed a listing, once it works again', () => {
  let dir: string;
  let control: string;
  let trace: string;
  let session: HostSession;
  beforeAll(async () => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-module-retry-'));
    control = path.join(dir, 'faults');
    trace = path.join(dir, 'trace');
    writeFileSync(control, 'segfault C_GetSlotList\n'); // a vendor driver whose daemon is down, say
    session = await startHostSession({
      env: (token) => ({
        ...token.env,
        KYSO_PKCS11_MODULES: `${FAULT_MODULE}:${SOFTHSM_MODULE}`,
        KYSO_FAULT_TARGET: SOFTHSM_MODULE,
        KYSO_FAULT_CONTROL: control,
        KYSO_FAULT_TRACE: trace,
        KYSO_MODULE_RETRY_MS: '300', // the first wait before it is tried again (doubled at each crash)
      }),
      listCertificates: false,
    });
  });
  afterAll(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The workers that called into the fault module's C_GetSlotList (each crashed in it while the fault is set). */
  const workersListingIt = () =>
    new Set(
      readFileSync(trace, 'utf8')
        .split('\n')
        .filter((line) => line.endsWith(' C_GetSlotList'))
        .map((line) => line.split(' ')[0]),
    ).size;
  const faultModuleReport = async () =>
    (resultOf(await session.host.request('modules', {})) as ModuleReport).modules.find(
      (m) => m.path === FAULT_MODULE,
    );

  it('is tried again by a later listing after a wait: still crashing, it is left out again and the other token still lists; fixed, its token lists and signs', async () => {
    await signsWithTheOtherModulesToken(session);
    expect(await faultModuleReport()).toMatchObject({ loaded: false });
    // Still crashing: a later listing tries it again (one more worker calls into it), and still
    // answers with the other module's token.
    const tried = workersListingIt();
    for (let waited = 0; workersListingIt() === tried; waited += 100) {
      if (waited > 20_000) throw new Error('the module was never tried again');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const listed = resultOf(await session.host.request('list-certificates', {}));
      expect((listed as { certificates: CertificateEntry[] }).certificates).toHaveLength(5); // the other module's token
    }
    expect((await faultModuleReport())?.error).toMatch(/crashed the process while listing its tokens/);

    // The driver works again (its daemon is back): a later listing finds its token, without a host restart.
    writeFileSync(control, '');
    let report = await faultModuleReport();
    for (let waited = 0; !report?.loaded; waited += 100) {
      if (waited > 20_000) throw new Error(`the module stayed left out: ${JSON.stringify(report)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      report = await faultModuleReport();
    }
    const listed = resultOf(await session.host.request('list-certificates', {}));
    const throughFault = (listed as { certificates: CertificateEntry[] }).certificates.find(
      (c) => c.id.endsWith('/02') && c.id.startsWith(`${moduleKey(FAULT_MODULE)}/`),
    );
    expect(throughFault, 'a certificate listed through the module tried again').toBeDefined();
    await signsAndVerifies(session, throughFault!.id);
  }, 120_000);
});

describe('a PKCS#11 module left out after it hung a listing', () => {
  let dir: string;
  let trace: string;
  let session: HostSession;
  beforeAll(async () => {
    execFileSync('bash', [path.join(REPO_ROOT, 'test/fault-module/build.sh')], { stdio: 'inherit' });
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-module-hang-retry-'));
    const control = path.join(dir, 'faults');
    trace = path.join(dir, 'trace');
    writeFileSync(control, 'hang C_GetTokenInfo\n');
    session = await startHostSession({
      env: (token) => ({
        ...token.env,
        KYSO_PKCS11_MODULES: `${FAULT_MODULE}:${SOFTHSM_MODULE}`,
        KYSO_FAULT_TARGET: SOFTHSM_MODULE,
        KYSO_FAULT_CONTROL: control,
        KYSO_FAULT_TRACE: trace,
        KYSO_TOKEN_TIMEOUT_MS: '2000',
        KYSO_MODULE_RETRY_MS: '1', // a crashed module would be tried again at every listing
      }),
      listCertificates: false,
    });
  });
  afterAll(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is not tried again: each try would cost a listing the whole token timeout', async () => {
    for (let i = 0; i < 3; i++) await signsWithTheOtherModulesToken(session);
    const hungIn = new Set(
      readFileSync(trace, 'utf8')
        .split('\n')
        .filter((line) => line.endsWith(' C_GetTokenInfo'))
        .map((line) => line.split(' ')[0]),
    );
    expect(hungIn.size).toBe(1);
  }, 60_000);
});
