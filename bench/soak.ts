/**
 * kyso soak: thousands of signatures through real host processes on one SoftHSM token, to see
 * that nothing leaks, slows down or gets lost over time. Prints one line per thousand (throughput,
 * RSS of each host and its PKCS#11 worker, errors, CMS verified by openssl) and writes
 * bench/results/soak-latest.json. Figures are reported, never asserted.
 *
 *   npm run bench:soak -- [--signatures 5000] [--hosts 2] [--pipeline 8] [--verify-every 50] [--batch-every 1000]
 *
 * Several hosts on one token is the case of two browsers (or a browser and the CLI) open at once:
 * they share it through the per-token lock. Every `--batch-every` signatures one host also runs a
 * batch of 100, holding the token while the others wait.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CertificateEntry } from '../shared/protocol/common.js';
import type { HostResponse } from '../shared/protocol/host.js';
import { opensslCmsVerifyArgs } from '../test/support/openssl.js';
import { HostClient } from './host-client.js';
import { childrenOf, rssKiB } from './proc.js';
import { ROOT, SOFTHSM_MODULE as MODULE } from './paths.js';

const PIN = '123456';
const origin = 'https://dichvucong.gov.vn';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} wants a positive whole number`);
  return value;
}

const signatures = option('signatures', 5000);
const hosts = option('hosts', 2);
const pipeline = option('pipeline', 8);
const verifyEvery = option('verify-every', 50);
const batchEvery = option('batch-every', 1000);

const documentNo = (i: number) => Buffer.from(`Hoá đơn số ${i} — soak\n`);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

const run = promisify(execFile);
async function opensslVerifies(
  cms: Buffer,
  content: Buffer,
  caFile: string,
  dir: string,
  n: number,
): Promise<boolean> {
  const cmsPath = path.join(dir, `${n}.p7s`);
  const contentPath = path.join(dir, `${n}.txt`);
  writeFileSync(cmsPath, cms);
  writeFileSync(contentPath, content);
  try {
    await run('openssl', opensslCmsVerifyArgs({ cmsPath, contentPath, caFile, outPath: '/dev/null' }));
    return true;
  } catch {
    return false;
  } finally {
    rmSync(cmsPath, { force: true });
    rmSync(contentPath, { force: true });
  }
}

interface Sample {
  signed: number;
  seconds: number;
  perSecond: number;
  hostRssMiB: number[];
  workerRssMiB: number[];
  errors: Record<string, number>;
  verified: number;
  verifyFailed: number;
}

async function main() {
  const tokenDir = path.join(ROOT, '.kyso/soak-token');
  execFileSync('bash', [path.join(ROOT, 'test/token/make-token.sh'), tokenDir], { stdio: 'inherit' });
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'kyso-soak-'));
  const env = {
    ...process.env,
    SOFTHSM2_CONF: path.join(tokenDir, 'softhsm2.conf'),
    KYSO_PKCS11_MODULES: MODULE,
    KYSO_CONFIG: path.join(scratch, 'config.json'),
    KYSO_LOCK_DIR: path.join(scratch, 'locks'),
  };
  const caFile = path.join(tokenDir, 'ca.pem');
  console.log(
    `kyso soak: ${signatures} sign-cms over ${hosts} host(s) on one token, ${pipeline} in flight per host, ` +
      `every ${verifyEvery}th verified by openssl, a batch of 100 every ${batchEvery}; ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  );

  const clients = Array.from({ length: hosts }, () => new HostClient(env));
  const ids = await Promise.all(
    clients.map(async (client) => {
      const listed = await client.request('list-certificates', {});
      if (!listed.ok) throw new Error(JSON.stringify(listed.error));
      const certificates = (listed.result as { certificates: CertificateEntry[] }).certificates;
      return {
        rsa: certificates.find((c) => c.id.endsWith('/01'))!.id,
        ec: certificates.find((c) => c.id.endsWith('/02'))!.id,
      };
    }),
  );

  const samples: Sample[] = [];
  const errors: Record<string, number> = {};
  let next = 0;
  let signed = 0;
  let verified = 0;
  let verifyFailed = 0;
  const verifications: Array<Promise<void>> = [];
  const started = performance.now();
  let windowStart = started;
  let windowSigned = 0;

  const record = (response: HostResponse, n: number) => {
    if (!response.ok) {
      const key = `${response.error.code}${response.error.details?.ckr ? ` ${String(response.error.details.ckr)}` : ''}`;
      errors[key] = (errors[key] ?? 0) + 1;
      return;
    }
    signed++;
    windowSigned++;
    if (n % verifyEvery === 0) {
      const cms = Buffer.from((response.result as { cms: string }).cms, 'base64');
      verifications.push(
        opensslVerifies(cms, documentNo(n), caFile, scratch, n).then(
          (ok) => void (ok ? verified++ : verifyFailed++),
        ),
      );
    }
    if (signed % 1000 === 0) {
      const now = performance.now();
      const sample: Sample = {
        signed,
        seconds: (now - started) / 1000,
        perSecond: (windowSigned * 1000) / (now - windowStart),
        hostRssMiB: clients.map((c) => rssKiB(c.child.pid) / 1024),
        workerRssMiB: clients.map(
          (c) => childrenOf(c.child.pid).reduce((sum, pid) => sum + rssKiB(pid), 0) / 1024,
        ),
        errors: { ...errors },
        verified,
        verifyFailed,
      };
      samples.push(sample);
      windowStart = now;
      windowSigned = 0;
      const mib = (xs: number[]) => xs.map((x) => x.toFixed(1)).join('/');
      console.log(
        `${String(sample.signed).padStart(7)} signed  ${sample.seconds.toFixed(1).padStart(7)} s  ${sample.perSecond.toFixed(0).padStart(5)} /s  ` +
          `host RSS ${mib(sample.hostRssMiB)} MiB  worker RSS ${mib(sample.workerRssMiB)} MiB  ` +
          `verified ${verified}${verifyFailed ? ` (${verifyFailed} FAILED)` : ''}  errors ${JSON.stringify(errors)}`,
      );
    }
  };

  async function batchOf100(client: HostClient, certificateId: string, first: number) {
    const begun = await client.request('begin-batch', { certificateId, pin: PIN, origin, total: 100 });
    if (!begun.ok) return record(begun, -1);
    const { batchId } = begun.result as { batchId: string };
    for (let i = 0; i < 100; i += 32) {
      const items = Array.from({ length: Math.min(32, 100 - i) }, (_, k) => ({
        kind: 'cms' as const,
        digest: sha256(documentNo(first + i + k)),
        digestAlgorithm: 'SHA-256' as const,
        signingTime: true,
      }));
      const response = await client.request('sign-batch', { batchId, items });
      if (!response.ok) record(response, -1);
      else
        for (const [k, result] of (response.result as { results: Array<{ ok: boolean }> }).results.entries())
          record({ id: 0, ...result, result } as HostResponse, first + i + k);
    }
    await client.request('end-batch', { batchId });
  }

  /** One lane: `pipeline` requests in flight on one host, taking numbers from the shared counter. */
  async function lane(h: number) {
    const client = clients[h]!;
    for (;;) {
      const n = next;
      if (n >= signatures) return;
      if (n > 0 && n % batchEvery === 0 && h === 0) {
        next += 100;
        await batchOf100(client, ids[h]!.rsa, n);
        continue;
      }
      next++;
      const certificateId = n % 2 === 0 ? ids[h]!.rsa : ids[h]!.ec;
      record(
        await client.request('sign-cms', {
          certificateId,
          pin: PIN,
          digest: sha256(documentNo(n)),
          digestAlgorithm: 'SHA-256',
          origin,
        }),
        n,
      );
    }
  }

  await Promise.all(clients.flatMap((_, h) => Array.from({ length: pipeline }, () => lane(h))));
  await Promise.all(verifications);
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.close()));
  rmSync(scratch, { recursive: true, force: true });

  const failed = Object.values(errors).reduce((a, b) => a + b, 0);
  console.log(
    `\n${signed} signed of ${signatures} in ${seconds.toFixed(1)} s (${(signed / seconds).toFixed(0)} /s overall); ${failed} errors ${JSON.stringify(errors)}; ` +
      `${verified} CMS verified by openssl, ${verifyFailed} failed`,
  );
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, softhsm: MODULE },
    settings: { signatures, hosts, pipeline, verifyEvery, batchEvery },
    signed,
    seconds,
    errors,
    verified,
    verifyFailed,
    samples,
  };
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench/results/soak-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log('written: bench/results/soak-latest.json');
}

await main();
