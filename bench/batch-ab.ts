/**
 * A/B of the batch between host builds, on a noisy machine: `node dist/node/bench/batch-ab.js
 * [--rsa] [--rounds=N] [--batches=N] [--lanes=N] DIR[::NODE_FLAGS[::CALL]] …`, each DIR a copy of a built
 * `dist/host` (kept inside the repository, so that it finds node_modules: e.g. `.kyso/ab/old`), CALL
 * the items per call for a build whose limit differs (`64`; `64r` ramps 16, 32 up and down). Each
 * round measures SoftHSM's own rate, then runs each build in turn: a new host, one batch of 1,000 to
 * warm it, then `--batches` measured ones, as (4) in run.ts does (calls of 32, `--lanes` in flight).
 * Per batch: its rate and each process's CPU time and run-queue wait per item (schedstat, in µs).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../shared/version.js';
import type { CertificateEntry } from '../shared/protocol/common.js';
import { HOST_NODE_FLAGS } from '../native-host/src/runtime.js';
import { HostClient } from './host-client.js';
import { batchCalls, sendBatchCalls } from './batch-calls.js';
import { ROOT, SOFTHSM_MODULE } from './paths.js';
import { childrenOf, threadTimes } from './proc.js';
import { measureTokenRateAsWorker } from './token-rate.js';

const PIN = '123456';
const SIZE = 1000;
const option = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const rounds = option('rounds', 3);
const measured = option('batches', 3);
const lanes = option('lanes', 2);
const keyId = process.argv.includes('--rsa') ? '01' : '02';
const builds = process.argv.slice(2).filter((a) => !a.startsWith('--'));

interface BatchFigures {
  perSecond: number;
  /** µs per item */
  host: number;
  worker: number;
  client: number;
  workerWait: number;
}

async function batch(
  host: HostClient,
  certificateId: string,
  perCall?: number,
  ramp = false,
): Promise<BatchFigures> {
  const begun = await host.request('begin-batch', {
    certificateId,
    pin: PIN,
    origin: 'https://bench.kyso.vn',
    total: SIZE,
  });
  const { batchId } = (begun as { result: { batchId: string } }).result;
  const calls = batchCalls(SIZE, perCall, ramp);
  const hostPid = host.child.pid;
  const workers = childrenOf(hostPid);
  const workerTimes = () =>
    workers.map(threadTimes).reduce((a, b) => ({ cpuMs: a.cpuMs + b.cpuMs, waitMs: a.waitMs + b.waitMs }));
  const before = { host: threadTimes(hostPid), worker: workerTimes(), client: process.cpuUsage() };
  const start = performance.now();
  await sendBatchCalls(host, batchId, calls, lanes);
  const ms = performance.now() - start;
  const client = process.cpuUsage(before.client);
  const worker = workerTimes();
  const perItem = (ms: number) => (ms * 1000) / SIZE;
  const figures = {
    perSecond: (SIZE * 1000) / ms,
    host: perItem(threadTimes(hostPid).cpuMs - before.host.cpuMs),
    worker: perItem(worker.cpuMs - before.worker.cpuMs),
    client: (client.user + client.system) / SIZE,
    workerWait: perItem(worker.waitMs - before.worker.waitMs),
  };
  await host.request('end-batch', { batchId });
  return figures;
}

async function main() {
  const tokenDir = path.join(ROOT, '.kyso/bench-ab-token');
  execFileSync('bash', [path.join(ROOT, 'test/token/make-token.sh'), tokenDir], { stdio: 'ignore' });
  const env = {
    ...process.env,
    SOFTHSM2_CONF: path.join(tokenDir, 'softhsm2.conf'),
    KYSO_PKCS11_MODULES: SOFTHSM_MODULE,
  };
  process.env.SOFTHSM2_CONF = env.SOFTHSM2_CONF;
  for (let round = 1; round <= rounds; round++) {
    const alone = measureTokenRateAsWorker(SOFTHSM_MODULE, PIN, keyId, keyId === '02' ? 5000 : 500);
    const token = alone.perSecond;
    console.log(
      `round ${round}: SoftHSM alone ${token.toFixed(0)}/s (${alone.plainPerSecond.toFixed(0)}/s with glibc's default malloc)`,
    );
    for (const build of builds) {
      const [dir, flags = '', callSize = ''] = build.split('::');
      const perCall = callSize ? parseInt(callSize) : undefined;
      const ramp = callSize.endsWith('r');
      const host = new HostClient(env, [
        process.execPath,
        ...HOST_NODE_FLAGS,
        ...flags.split(' ').filter(Boolean),
        // the bundle's entry: CommonJS since 005447e's successor, an ES module in older builds
        ['kyso-host.cjs', 'kyso-host.js'].map((f) => path.resolve(dir!, f)).find((f) => existsSync(f))!,
      ]);
      await host.request('hello', { protocolVersion: PROTOCOL_VERSION, extensionVersion: KYSO_VERSION });
      const listed = await host.request('list-certificates', {});
      const { certificates } = (listed as { result: { certificates: CertificateEntry[] } }).result;
      const certificateId = certificates.find((c) => c.id.endsWith(`/${keyId}`))!.id;
      await batch(host, certificateId, perCall, ramp); // the host's first batch compiles its code as it goes
      const figures: string[] = [];
      for (let i = 0; i < measured; i++) {
        const f = await batch(host, certificateId, perCall, ramp);
        figures.push(
          `${f.perSecond.toFixed(0)}/s (${((100 * f.perSecond) / token).toFixed(0)} %) host ${f.host.toFixed(0)} worker ${f.worker.toFixed(0)} client ${f.client.toFixed(0)} wait ${f.workerWait.toFixed(0)}`,
        );
      }
      console.log(`  ${build}: ${figures.join(' | ')}`);
      await host.close();
    }
  }
}

await main();
