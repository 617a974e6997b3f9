/**
 * kyso benchmarks: how fast a signature is, and how close to the token's own limit.
 * Run with `npm run bench` (after the README set-up). Prints a table and writes
 * bench/results/latest.json. Targets are reported, never asserted: timing is not a test.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../shared/version.js';
import type { CertificateEntry } from '../shared/protocol/common.js';
import { HOST_BIN, HostClient } from './host-client.js';
import { batchCalls, sendBatchCalls } from './batch-calls.js';
import { childrenOf, rssKiB, threadTimes } from './proc.js';
import { measureTokenRateAsWorker, type TokenRate } from './token-rate.js';
import { runBrowserBench, type BrowserBench } from './browser.js';
import { ROOT, SOFTHSM_MODULE as MODULE, currentCommit } from './paths.js';
import { breakdown, formatBreakdown } from './breakdown.js';
import { compare, type BenchResult } from './summary.js';
import type { BenchMark } from '../native-host/src/bench-marks.js';

const PIN = '123456';
const quick = process.argv.includes('--quick');
const compareWith = process.argv.includes('--compare')
  ? process.argv[process.argv.indexOf('--compare') + 1]
  : undefined;
const N = (full: number) => (quick ? Math.max(10, Math.floor(full / 10)) : full);

const median = (xs: number[]) => percentile(xs, 0.5);
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('base64');

function makeToken(): NodeJS.ProcessEnv {
  const dir = path.join(ROOT, '.kyso/bench-token');
  execFileSync('bash', [path.join(ROOT, 'test/token/make-token.sh'), dir], { stdio: 'inherit' });
  return { ...process.env, SOFTHSM2_CONF: path.join(dir, 'softhsm2.conf'), KYSO_PKCS11_MODULES: MODULE };
}

async function hostStartup(env: NodeJS.ProcessEnv, runs: number) {
  const startups: number[] = [];
  let hostRssKiB = 0;
  let workerRssKiB = 0;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const host = new HostClient(env);
    const hello = await host.request('hello', {
      protocolVersion: PROTOCOL_VERSION,
      extensionVersion: KYSO_VERSION,
    });
    if (!hello.ok) throw new Error(JSON.stringify(hello));
    startups.push(performance.now() - start);
    if (i === runs - 1) {
      await host.request('list-certificates', {}); // the worker is up and the module loaded
      await new Promise((r) => setTimeout(r, 1500));
      const pid = host.child.pid!;
      hostRssKiB = rssKiB(pid);
      workerRssKiB = childrenOf(pid).reduce((sum, child) => sum + rssKiB(child), 0);
    }
    await host.close();
  }
  return {
    startupMedianMs: median(startups),
    startupP90Ms: percentile(startups, 0.9),
    hostRssMiB: hostRssKiB / 1024,
    workerRssMiB: workerRssKiB / 1024,
  };
}

/** After hello and a listing: the sign-cms parameters for key `keyId`. */
async function signCmsParams(host: HostClient, keyId: string) {
  await host.request('hello', { protocolVersion: PROTOCOL_VERSION, extensionVersion: KYSO_VERSION });
  const listed = await host.request('list-certificates', {});
  const certificateId = (listed as { result: { certificates: CertificateEntry[] } }).result.certificates.find(
    (c) => c.id.endsWith(`/${keyId}`),
  )!.id;
  return {
    certificateId,
    pin: PIN,
    digest: sha256('doc'),
    digestAlgorithm: 'SHA-256' as const,
    origin: 'https://bench.kyso.vn',
  };
}

async function hostRate(env: NodeJS.ProcessEnv, keyId: string, signatures: number) {
  const host = new HostClient(env);
  const params = await signCmsParams(host, keyId);
  for (let i = 0; i < 5; i++) await host.request('sign-cms', params); // warm-up
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < signatures; i++) {
    const t = performance.now();
    const response = await host.request('sign-cms', params);
    if (!response.ok) throw new Error(JSON.stringify(response));
    times.push(performance.now() - t);
  }
  const total = performance.now() - start;

  // (4) batch: one login, all signatures in calls of 32. The first batch of a host runs its code
  // for the first time (compiled as it goes): a batch of the same size before it, not measured.
  await signBatch(host, params.certificateId, params.origin, N(1000));
  const batch = await signBatch(host, params.certificateId, params.origin, N(1000));
  await host.close();
  return {
    signatures,
    perSecond: (signatures * 1000) / total,
    medianMs: median(times),
    p90Ms: percentile(times, 0.9),
    batch,
  };
}

/**
 * One batch of `size` CAdES items: its rate, timed from the first call to the last answer (the
 * items are built before), and what each process spent on it per item (CPU time): on two cores
 * the batch cannot go faster than the three processes' sum allows, whatever the pipelining.
 */
async function signBatch(host: HostClient, certificateId: string, origin: string, size: number) {
  const begun = await host.request('begin-batch', { certificateId, pin: PIN, origin, total: size });
  const { batchId } = (begun as { result: { batchId: string } }).result;
  const calls = batchCalls(size);
  const hostPid = host.child.pid;
  const workers = childrenOf(hostPid);
  // schedstat's nanoseconds: /proc/PID/stat's 10 ms ticks are too coarse for ~50 ms of a process's work
  const cpuMs = (pid: number | undefined) => threadTimes(pid).cpuMs;
  const workersCpu = () => workers.reduce((sum, pid) => sum + cpuMs(pid), 0);
  const cpuBefore = { host: cpuMs(hostPid), worker: workersCpu(), client: process.cpuUsage() };
  const start = performance.now();
  // Two calls in flight (as the extension sends them): the host prepares one while the token signs the other.
  await sendBatchCalls(host, batchId, calls, 2);
  const ms = performance.now() - start;
  const clientUsed = process.cpuUsage(cpuBefore.client);
  await host.request('end-batch', { batchId });
  const perItemUs = (cpu: number) => (cpu * 1000) / size;
  return {
    signatures: size,
    perSecond: (size * 1000) / ms,
    cpuPerItemUs: {
      host: perItemUs(cpuMs(hostPid) - cpuBefore.host),
      worker: perItemUs(workersCpu() - cpuBefore.worker),
      client: (clientUsed.user + clientUsed.system) / size,
    },
  };
}

/**
 * (7) One warm signature hop by hop: the host and its worker note instants (KYSO_BENCH_MARKS=1),
 * this client the send and the answer. Also what the host adds beyond the token's own C_Login and
 * C_Sign, per signature (median).
 */
async function hostBreakdown(env: NodeJS.ProcessEnv, keyId: string, signatures: number) {
  const host = new HostClient({ ...env, KYSO_BENCH_MARKS: '1' });
  const params = await signCmsParams(host, keyId);
  for (let i = 0; i < 5; i++) await host.request('sign-cms', params);
  await new Promise((r) => setTimeout(r, 50)); // the warm-up's mark lines
  host.marks.length = 0;
  for (let i = 0; i < signatures; i++) {
    const response = await host.request('sign-cms', params);
    if (!response.ok) throw new Error(JSON.stringify(response));
  }
  await new Promise((r) => setTimeout(r, 50));
  const at = (marks: BenchMark[], name: string) => marks.find((m) => m[0] === name)?.[1] ?? NaN;
  const beyondToken = host.marks.map(
    (m) =>
      at(m, 'client:received') -
      at(m, 'client:sent') -
      (at(m, 'worker:logged-in') - at(m, 'worker:login')) -
      (at(m, 'worker:signed') - at(m, 'worker:sign')),
  );
  await host.close();
  return { rows: breakdown(host.marks), beyondTokenMs: median(beyondToken.filter(Number.isFinite)) };
}

function largeFile(env: NodeJS.ProcessEnv) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-large-'));
  const file = path.join(dir, 'large.bin');
  const bytes = quick ? 128 * 1024 * 1024 : 1024 * 1024 * 1024;
  /** `kyso sign` of one file under /usr/bin/time: its peak RSS in KiB. */
  const signMeasuringPeakRss = (input: string): number => {
    const run = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        '%M',
        process.execPath,
        path.join(ROOT, 'native-host/bin/kyso.js'),
        'sign',
        '--in',
        input,
        '--out',
        `${input}.p7s`,
        '--cert',
        'MST:0312345678',
        '--pin-stdin',
      ],
      { input: `${PIN}\n`, env, encoding: 'utf8' },
    );
    if (run.status !== 0) throw new Error(run.stderr);
    return Number(run.stderr.trim().split('\n').at(-1));
  };
  try {
    writeFileSync(file, '');
    truncateSync(file, bytes); // sparse: both tools read the same zero pages, so only hashing is compared
    const t0 = performance.now();
    execFileSync('sha256sum', [file], { stdio: 'ignore' });
    const sha256sumMs = performance.now() - t0;
    const t1 = performance.now();
    const peakRssKiB = signMeasuringPeakRss(file);
    const kysoMs = performance.now() - t1;
    // the same command on a tiny file: what the process needs whatever the input size
    writeFileSync(`${file}.small`, 'x');
    const baseRssKiB = signMeasuringPeakRss(`${file}.small`);
    return {
      bytes,
      sha256sumMs,
      kysoMs,
      ratio: kysoMs / sha256sumMs,
      peakRssMiB: peakRssKiB / 1024,
      extraRssMiB: (peakRssKiB - baseRssKiB) / 1024,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '—');

async function main() {
  const env = makeToken();
  console.log(
    `kyso bench ${quick ? '(quick) ' : ''}on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  process.env.SOFTHSM2_CONF = env.SOFTHSM2_CONF;
  const raw: Record<'rsa' | 'ec', TokenRate & { plainPerSecond: number }> = {
    rsa: measureTokenRateAsWorker(MODULE, PIN, '01', N(1000)),
    ec: measureTokenRateAsWorker(MODULE, PIN, '02', N(5000)),
  };
  const host = { rsa: await hostRate(env, '01', N(500)), ec: await hostRate(env, '02', N(1000)) };
  const marked = { rsa: await hostBreakdown(env, '01', N(300)), ec: await hostBreakdown(env, '02', N(300)) };
  const startup = await hostStartup(env, N(20));
  const browser: BrowserBench | { skipped: string } = await runBrowserBench(env, {
    warm: N(100) < 50 ? 50 : N(100),
    cold: N(10),
  }).catch((e) => ({ skipped: String(e.message ?? e) }));
  const large = largeFile(env);

  const rows: Array<[string, string, string]> = [];
  for (const k of ['rsa', 'ec'] as const) {
    const name = k === 'rsa' ? 'RSA-2048' : 'ECDSA P-256';
    const overheadMs = 1000 / host[k].perSecond - 1000 / raw[k].perSecond;
    rows.push([
      `(1) token C_Sign ${name}`,
      `${fmt(raw[k].perSecond, 0)} /s`,
      `${fmt(raw[k].meanMs, 2)} ms each, as kyso's worker runs it (${fmt(raw[k].plainPerSecond, 0)} /s with glibc's default malloc)`,
    ]);
    rows.push([
      `(2) host sign-cms ${name}`,
      `${fmt(host[k].perSecond, 0)} /s`,
      `overhead ${fmt(overheadMs, 2)} ms/signature over (1); median ${fmt(host[k].medianMs, 2)} ms`,
    ]);
    const cpu = host[k].batch.cpuPerItemUs;
    rows.push([
      `(4) batch ${host[k].batch.signatures} CAdES ${name}`,
      `${fmt(host[k].batch.perSecond, 0)} /s`,
      `${fmt((100 * host[k].batch.perSecond) / raw[k].perSecond, 0)} % of (1) (target ≥ 90 %); CPU per item: worker (token) ${fmt(cpu.worker, 0)} µs, host ${fmt(cpu.host, 0)} µs, client ${fmt(cpu.client, 0)} µs`,
    ]);
  }
  if ('skipped' in browser) rows.push(['(3) end to end in Chromium', 'skipped', browser.skipped]);
  else {
    rows.push([
      '(3) e2e warm (page→page)',
      `median ${fmt(browser.warmMedianMs, 1)} ms`,
      `p90 ${fmt(browser.warmP90Ms, 1)} ms; overhead over (1) ${fmt(browser.warmMedianMs - raw.ec.meanMs, 1)} ms (target ≤ 5 ms), n=${browser.warm}`,
    ]);
    rows.push([
      '(3) e2e cold (host not running)',
      `median ${fmt(browser.coldMedianMs, 0)} ms`,
      `p90 ${fmt(browser.coldP90Ms, 0)} ms (target ≤ 250 ms), n=${browser.cold}`,
    ]);
  }
  rows.push([
    `(5) detached CMS of ${large.bytes / 2 ** 20} MiB`,
    `${fmt(large.kysoMs, 0)} ms`,
    `sha256sum ${fmt(large.sha256sumMs, 0)} ms → ${fmt(large.ratio, 2)}× (target ≤ 2×); peak RSS ${fmt(large.peakRssMiB, 0)} MiB, +${fmt(large.extraRssMiB, 1)} MiB over a 1-byte file (target ≤ 64)`,
  ]);
  rows.push([
    '(6) host start-up (spawn → hello)',
    `median ${fmt(startup.startupMedianMs, 0)} ms`,
    `p90 ${fmt(startup.startupP90Ms, 0)} ms`,
  ]);
  rows.push([
    '(6) host idle memory',
    `${fmt(startup.hostRssMiB, 1)} MiB RSS`,
    `target ≤ 50 MiB; + PKCS#11 worker ${fmt(startup.workerRssMiB, 1)} MiB while a token was used in the last 60 s`,
  ]);

  for (const k of ['rsa', 'ec'] as const)
    rows.splice(rows.length, 0, [
      `(7) host beyond C_Login + C_Sign, ${k === 'rsa' ? 'RSA' : 'P-256'}`,
      `${fmt(marked[k].beyondTokenMs, 2)} ms`,
      'median per warm sign-cms, pipe to pipe (target ≤ 1 ms)',
    ]);

  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [name, value, note] of rows) console.log(`${name.padEnd(width)}  ${value.padEnd(18)}  ${note}`);
  for (const k of ['ec', 'rsa'] as const) {
    console.log(
      `\n(7) one warm sign-cms, ${k === 'rsa' ? 'RSA-2048' : 'P-256'}, hop by hop (median of ${N(300)}):`,
    );
    console.log(formatBreakdown(marked[k].rows).join('\n'));
  }
  if (!('skipped' in browser) && browser.breakdown) {
    console.log(`\n(7) one warm signature in Chromium, page to page, hop by hop (P-256):`);
    console.log(formatBreakdown(browser.breakdown).join('\n'));
  }
  if (!('skipped' in browser) && browser.coldBreakdown) {
    console.log(`\n(7) one cold signature in Chromium (the host started by it), hop by hop (P-256):`);
    console.log(formatBreakdown(browser.coldBreakdown).join('\n'));
  }

  const result = {
    date: new Date().toISOString(),
    commit: currentCommit(),
    quick,
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      softhsm: MODULE,
      loadAverage: os.loadavg(),
    },
    raw,
    host,
    startup,
    browser,
    large,
    hostBreakdown: { rsa: marked.rsa.rows, ec: marked.ec.rows },
    hostOverMs: { rsa: marked.rsa.beyondTokenMs, ec: marked.ec.beyondTokenMs },
  };
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  // every run kept, named after its date and commit; latest.json (or quick.json) is the newest
  const kept = `${result.date.replace(/[:.]/g, '-')}-${result.commit}${quick ? '-quick' : ''}.json`;
  writeFileSync(path.join(dir, kept), json);
  writeFileSync(path.join(dir, quick ? 'quick.json' : 'latest.json'), json);
  console.log(`\nwritten: bench/results/${kept} and bench/results/${quick ? 'quick' : 'latest'}.json`);
  if (compareWith) {
    const earlier = JSON.parse(readFileSync(path.resolve(compareWith), 'utf8')) as BenchResult;
    console.log(`\n${compare(result, earlier).join('\n')}`);
  }
}

await main();
void HOST_BIN;
