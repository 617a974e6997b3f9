/**
 * The verifier service under load: 200 verifications sent at once (PDFs and detached CMS) to
 * `kyso verify --serve`; reports whether every one was answered (none lost), the latencies, and
 * the service's peak memory (VmHWM). A figure, never a test assertion.
 *
 *   npm run build:host && node dist/node/bench/verifier-load.js [--n 200]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { signCades } from '../shared/cms/cades.js';
import { signPdf } from '../shared/pdf/pades.js';
import { makeSoftwareIdentity } from '../test/support/software-signer.js';
import { ROOT } from './paths.js';

const N = Number(process.argv[process.argv.indexOf('--n') + 1]) || 200;

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-verifier-'));
  const identity = makeSoftwareIdentity(dir, 'RSA', '/C=VN/CN=Người Ký Thử/UID=CCCD:001199000123');
  await new Promise((resolve) => setTimeout(resolve, 1100)); // one-second certificate times
  const content = Buffer.from('Hồ sơ thử tải\n'.repeat(2000));
  const cms = await signCades(
    {
      contentDigest: createHash('sha256').update(content).digest(),
      digestAlgorithm: 'SHA-256',
      signerCertificate: identity.certificateDer,
    },
    identity.signer,
  );
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < 20; i++)
    doc.addPage([595, 842]).drawText(`Trang ${i + 1}`, { x: 72, y: 700, size: 18, font });
  const pdf = await signPdf(await doc.save(), {}, (digest) =>
    signCades(
      {
        contentDigest: digest,
        digestAlgorithm: 'SHA-256',
        signerCertificate: identity.certificateDer,
        signingTime: null,
      },
      identity.signer,
    ),
  );

  const service = spawn(
    process.execPath,
    [
      path.join(ROOT, 'native-host/bin/kyso.js'),
      'verify',
      '--serve',
      '--port',
      '0',
      '--roots',
      identity.caPem,
      '--revocation',
      'off',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: service.stdout }).once('line', resolve),
  );
  const base = /listening on (http:\/\/[^/]+)/.exec(line)![1]!;
  const memory = () => {
    const status = readFileSync(`/proc/${service.pid}/status`, 'utf8');
    return {
      rssMiB: Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024,
      peakMiB: Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024,
    };
  };
  const idle = memory();
  const cmsBody = JSON.stringify({
    document: Buffer.from(cms).toString('base64'),
    detached: content.toString('base64'),
  });

  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const t0 = performance.now();
      try {
        const response = await fetch(
          `${base}/verify`,
          i % 2
            ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: cmsBody }
            : { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: Buffer.from(pdf) },
        );
        const report = (await response.json()) as { indication?: string };
        return {
          ok: response.status === 200 && report.indication === 'TOTAL-PASSED',
          status: response.status,
          ms: performance.now() - t0,
        };
      } catch (error) {
        return { ok: false, status: 0, ms: performance.now() - t0, error: String(error) };
      }
    }),
  );
  const wallMs = performance.now() - started;
  const after = memory();
  service.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });

  const latencies = results.map((r) => r.ms);
  const figures = {
    when: new Date().toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load ${os.loadavg()[0]!.toFixed(1)}`,
    requests: N,
    answeredPassed: results.filter((r) => r.ok).length,
    lost: results.filter((r) => r.status === 0).length,
    otherStatus: results.filter((r) => r.status !== 0 && !r.ok).map((r) => r.status),
    pdfBytes: pdf.length,
    cmsContentBytes: content.length,
    wallMs: Math.round(wallMs),
    throughputPerS: Number(((N / wallMs) * 1000).toFixed(1)),
    latencyMs: {
      p50: Math.round(percentile(latencies, 0.5)),
      p95: Math.round(percentile(latencies, 0.95)),
      max: Math.round(Math.max(...latencies)),
    },
    memoryMiB: {
      idleRss: Number(idle.rssMiB.toFixed(1)),
      peak: Number(after.peakMiB.toFixed(1)),
      afterRss: Number(after.rssMiB.toFixed(1)),
    },
  };
  console.log(JSON.stringify(figures, null, 2));
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench/results/verifier-load.json'), `${JSON.stringify(figures, null, 2)}\n`);
}

await main();
