/**
 * `npm run bench:package`: the packaged host against the development one — start-up (spawn →
 * hello answered), idle RSS of the host alone, with and without V8's code cache in the single
 * executable — and the size of each release artifact (dist/package, from `npm run package`).
 * Figures go to bench/results/package.json; nothing here is asserted by a test.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KYSO_VERSION, PROTOCOL_VERSION } from '../shared/version.js';
import { PACKAGED_PKCS11JS_DIR } from '../native-host/src/runtime.js';
import { buildSeaBinary, bundleForSea } from '../scripts/package/sea.js';
import { HostClient } from './host-client.js';
import { ROOT } from './paths.js';

const RUNS = Number(process.env.KYSO_BENCH_RUNS ?? 15);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** One hello from a freshly started host: milliseconds from spawn to the answer, and the host's RSS a moment later. */
async function helloOnce(
  command: readonly string[] | undefined,
  measureRss: boolean,
): Promise<{ ms: number; rssMiB: number }> {
  const start = performance.now();
  const host = new HostClient(process.env, command);
  const hello = await host.request('hello', {
    protocolVersion: PROTOCOL_VERSION,
    extensionVersion: KYSO_VERSION,
  });
  if (!hello.ok) throw new Error(JSON.stringify(hello));
  const ms = performance.now() - start;
  let rss = 0;
  if (measureRss) {
    await new Promise((r) => setTimeout(r, 1500));
    rss = rssMiB(host.child.pid!);
  }
  await host.close();
  return { ms, rssMiB: rss };
}

/**
 * Runs the variants in turn, RUNS rounds: on a shared machine the load changes by the minute, and
 * measuring one variant after another would credit the load to the program.
 */
async function startups(
  variants: Record<string, readonly string[] | undefined>,
): Promise<Record<string, { medianMs: number; idleRssMiB: number }>> {
  const times: Record<string, number[]> = {};
  const rss: Record<string, number> = {};
  for (let i = 0; i < RUNS; i++) {
    for (const [name, command] of Object.entries(variants)) {
      const run = await helloOnce(command, i === RUNS - 1);
      (times[name] ??= []).push(run.ms);
      if (i === RUNS - 1) rss[name] = run.rssMiB;
    }
  }
  return Object.fromEntries(
    Object.entries(times).map(([name, ms]) => [name, { medianMs: median(ms), idleRssMiB: rss[name] ?? NaN }]),
  );
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
      cpSync(path.join(ROOT, 'node_modules/pkcs11js'), path.join(install, PACKAGED_PKCS11JS_DIR), {
        recursive: true,
      });
      binaries[codeCache ? 'packaged, code cache' : 'packaged, no code cache'] = path.join(
        install,
        'kyso-host',
      );
    }
    const results = await startups({
      'node dist/host (development)': undefined,
      ...Object.fromEntries(Object.entries(binaries).map(([name, binary]) => [name, [binary]])),
    });

    const packageDir = path.join(ROOT, 'dist/package');
    const sizes = existsSync(packageDir)
      ? Object.fromEntries(
          readdirSync(packageDir)
            .filter((f) => /\.(deb|tar\.gz|zip|xpi)$/.test(f))
            .map((f) => [f, statSync(path.join(packageDir, f)).size / 2 ** 20]),
        )
      : {};
    console.log(
      `kyso packaged host on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${RUNS} runs each`,
    );
    for (const [name, r] of Object.entries(results))
      console.log(
        `  ${name.padEnd(30)} start-up median ${r.medianMs.toFixed(0)} ms, idle RSS ${r.idleRssMiB.toFixed(1)} MiB`,
      );
    for (const [name, mib] of Object.entries(sizes))
      console.log(`  ${name.padEnd(30)} ${mib.toFixed(1)} MiB`);
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(
      path.join(ROOT, 'bench/results/package.json'),
      `${JSON.stringify({ date: new Date().toISOString(), runs: RUNS, node: process.version, startup: results, sizesMiB: sizes }, null, 2)}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
