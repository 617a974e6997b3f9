/**
 * `npm run bench:package`: the packaged host against the development one — start-up (spawn →
 * hello answered), idle RSS of the host alone, with and without V8's code cache in the single
 * executable — and the size of each release artifact (dist/package, from `npm run package`).
 * Figures go to bench/results/package.json; nothing here is asserted by a test.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../shared/version.js';
import { PACKAGED_PKCS11JS_DIR } from '../native-host/src/runtime.js';
import { buildSeaBinary, bundleForSea } from '../scripts/package/sea.js';
import { HostClient } from './host-client.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = HERE.includes(`${path.sep}dist${path.sep}`) ? path.resolve(HERE, '../../..') : path.resolve(HERE, '..');
const RUNS = Number(process.env.KYSO_BENCH_RUNS ?? 15);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function startup(command: readonly string[] | undefined): Promise<{ medianMs: number; idleRssMiB: number }> {
  const times: number[] = [];
  let idleRssMiB = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const host = new HostClient(process.env, command);
    const hello = await host.request('hello', { protocolVersion: PROTOCOL_VERSION, extensionVersion: KYSO_VERSION });
    if (!hello.ok) throw new Error(JSON.stringify(hello));
    times.push(performance.now() - start);
    if (i === RUNS - 1) {
      await new Promise((r) => setTimeout(r, 1500));
      idleRssMiB = rssMiB(host.child.pid!);
    }
    await host.close();
  }
  return { medianMs: median(times), idleRssMiB };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-sea-'));
  try {
    const main = path.join(dir, 'kyso-host.cjs');
    await bundleForSea(main, { commit: 'bench', date: new Date(0).toISOString() });
    const binaries: Record<string, string> = {};
    for (const codeCache of [true, false]) {
      const install = path.join(dir, codeCache ? 'with-cache' : 'without-cache');
      buildSeaBinary(main, path.join(install, 'kyso-host'), { codeCache });
      cpSync(path.join(ROOT, 'node_modules/pkcs11js'), path.join(install, PACKAGED_PKCS11JS_DIR), { recursive: true });
      binaries[codeCache ? 'packaged, code cache' : 'packaged, no code cache'] = path.join(install, 'kyso-host');
    }
    const results: Record<string, { medianMs: number; idleRssMiB: number }> = {};
    results['node dist/host (development)'] = await startup(undefined);
    for (const [name, binary] of Object.entries(binaries)) results[name] = await startup([binary]);

    const packageDir = path.join(ROOT, 'dist/package');
    const sizes = existsSync(packageDir)
      ? Object.fromEntries(readdirSync(packageDir).filter((f) => /\.(deb|tar\.gz|zip|xpi)$/.test(f)).map((f) => [f, statSync(path.join(packageDir, f)).size / 2 ** 20]))
      : {};
    console.log(`kyso packaged host on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${RUNS} runs each`);
    for (const [name, r] of Object.entries(results)) console.log(`  ${name.padEnd(30)} start-up median ${r.medianMs.toFixed(0)} ms, idle RSS ${r.idleRssMiB.toFixed(1)} MiB`);
    for (const [name, mib] of Object.entries(sizes)) console.log(`  ${name.padEnd(30)} ${mib.toFixed(1)} MiB`);
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench/results/package.json'), `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, node: process.version, startup: results, sizesMiB: sizes }, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
