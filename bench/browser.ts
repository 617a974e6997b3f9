/**
 * (3) End to end in Chromium: page → SDK → content script → background → host → CMS → page, with
 * the bench build of the extension (consent auto-approved; the release build cannot do this).
 * Warm: the native port is open. Cold: the port was dropped, so the host is spawned again.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type LaunchOptions } from 'puppeteer-core';
import { QUIET_FLAGS } from '../test/support/browser.js';
import { startDemoServer } from '../demo/server.js';
import { CHROMIUM_EXTENSION_ID } from '../shared/identity.js';
import { NATIVE_HOST_NAME } from '../shared/version.js';
import { ROOT } from './paths.js';
import { breakdown, type BreakdownRow } from './breakdown.js';
import { BENCH_MARKS_PREFIX, type BenchMark } from '../native-host/src/bench-marks.js';

/** Headless Chromium on `profile` with the unpacked `extension` loaded, as the tests launch it. */
export function launchWithExtension(
  profile: string,
  extension: string,
  options: LaunchOptions = {},
): Promise<Browser> {
  return puppeteer.launch({
    executablePath: process.env.KYSO_CHROMIUM ?? '/usr/bin/chromium',
    userDataDir: profile,
    headless: true,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [...QUIET_FLAGS, `--disable-extensions-except=${extension}`, `--load-extension=${extension}`],
    ...options,
  });
}

export interface BrowserBench {
  warm: number;
  cold: number;
  warmMedianMs: number;
  warmP90Ms: number;
  coldMedianMs: number;
  coldP90Ms: number;
  /** Every cold sample, in order: outliers show where they fall. */
  coldSamplesMs: number[];
  /** One warm signature hop by hop (page, background and host marks; median of the warm runs). */
  breakdown?: BreakdownRow[];
  /** The same for a cold one (the host started by the signature): host marks named `command host:…`. */
  coldBreakdown?: BreakdownRow[];
}

const EXTENSION = path.join(ROOT, 'dist/extension-bench');

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}

export async function runBrowserBench(
  env: NodeJS.ProcessEnv,
  counts: { warm: number; cold: number },
): Promise<BrowserBench> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-chromium-'));
  const launcher = path.join(profile, 'kyso-host.sh');
  const hostLog = path.join(profile, 'kyso-host.log');
  // The host notes its instants (KYSO_BENCH_MARKS) on stderr, kept in hostLog for the breakdown.
  writeFileSync(
    launcher,
    `#!/bin/sh\nexport SOFTHSM2_CONF='${env.SOFTHSM2_CONF}'\nexport KYSO_PKCS11_MODULES='${env.KYSO_PKCS11_MODULES}'\nexport KYSO_BENCH_MARKS=1\nexec '${process.execPath}' '${path.join(ROOT, 'native-host/bin/kyso-host.js')}' "$@" 2>>'${hostLog}'\n`,
  );
  chmodSync(launcher, 0o755);
  mkdirSync(path.join(profile, 'NativeMessagingHosts'));
  writeFileSync(
    path.join(profile, 'NativeMessagingHosts', `${NATIVE_HOST_NAME}.json`),
    JSON.stringify({
      name: NATIVE_HOST_NAME,
      description: 'kyso bench',
      path: launcher,
      type: 'stdio',
      allowed_origins: [`chrome-extension://${CHROMIUM_EXTENSION_ID}/`],
    }),
  );
  const demo = await startDemoServer({ trustedRoots: [] });
  const browser = await launchWithExtension(profile, EXTENSION);
  try {
    const target = await browser.waitForTarget(
      (t) =>
        t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${CHROMIUM_EXTENSION_ID}/`),
      { timeout: 20_000 },
    );
    const worker = (await target.worker())!;
    for (
      let i = 0;
      i < 100 &&
      !(await worker.evaluate(
        () => typeof (globalThis as { chrome?: { storage?: unknown } }).chrome?.storage === 'object',
      ));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const page = await browser.newPage();
    await page.goto(demo.url);
    // Certificate ids are the host's, opaque and not given to pages: ask the host from the service worker.
    const id = await worker.evaluate(async () => {
      const chromeApi = (globalThis as unknown as { chrome: any }).chrome;
      const port = chromeApi.runtime.connectNative('vn.kyso.host');
      const answer = await new Promise<any>((resolve) => {
        port.onMessage.addListener((m: any) => m.id === 2 && resolve(m));
        port.postMessage({
          id: 1,
          command: 'hello',
          params: { protocolVersion: 1, extensionVersion: '0.1.0' },
        });
        port.postMessage({ id: 2, command: 'list-certificates', params: {} });
      });
      port.disconnect();
      return answer.result.certificates.find((c: any) => c.id.endsWith('/02')).id as string;
    });
    await worker.evaluate(
      (certificateId: string) =>
        (globalThis as unknown as { chrome: any }).chrome.storage.local.set({
          developerMode: true,
          benchAutoApprove: { certificateId, pin: '123456' },
        }),
      id,
    );
    const signTimed = () =>
      page.evaluate(async () => {
        const sdk = await (new Function('return import("/sdk/kyso.js")')() as Promise<any>);
        const digest = new Uint8Array(
          await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`doc ${Math.random()}`)),
        );
        const start = performance.now();
        await sdk.signCms({ digest, digestAlgorithm: 'SHA-256', description: 'bench' });
        const end = performance.now();
        return { ms: end - start, call: performance.timeOrigin + start, done: performance.timeOrigin + end };
      });
    const signOnce = async () => (await signTimed()).ms;
    const takeBackgroundMarks = () =>
      worker.evaluate(() =>
        (
          globalThis as unknown as { kysoBench: { takeMarks(): Array<[string, number]> } }
        ).kysoBench.takeMarks(),
      );
    let hostLogRead = 0;
    /** The host's marks written since the last call: sign-cms's only, or every command's named `command mark`. */
    const takeHostMarks = (all = false): BenchMark[] => {
      const text = existsSync(hostLog) ? readFileSync(hostLog, 'utf8') : '';
      const fresh = text.slice(hostLogRead);
      hostLogRead = text.length;
      return fresh.split('\n').flatMap((line) => {
        const at = line.indexOf(BENCH_MARKS_PREFIX);
        if (at < 0) return [];
        const [command, json] = line.slice(at + BENCH_MARKS_PREFIX.length).split(/ (.*)/s) as [
          string,
          string,
        ];
        if (!all && command !== 'sign-cms') return [];
        const marks = JSON.parse(json) as BenchMark[];
        return all ? marks.map(([name, t]): BenchMark => [`${command} ${name}`, t]) : marks;
      });
    };
    const disconnect = () =>
      worker.evaluate(() =>
        (globalThis as unknown as { kysoBench: { disconnect(): void } }).kysoBench.disconnect(),
      );

    const cold: number[] = [];
    const coldMarked: BenchMark[][] = [];
    for (let i = 0; i < counts.cold; i++) {
      await disconnect();
      await new Promise((r) => setTimeout(r, 300)); // let the old host exit
      await takeBackgroundMarks();
      takeHostMarks(true);
      const timed = await signTimed();
      cold.push(timed.ms);
      const background = await takeBackgroundMarks();
      await new Promise((r) => setTimeout(r, 20));
      const request = background.find((m) => m[0] === 'background:request');
      if (request)
        coldMarked.push([
          ['page:call', timed.call],
          request,
          ...takeHostMarks(true),
          ['page:done', timed.done],
        ]);
    }
    for (let i = 0; i < 5; i++) await signOnce(); // warm-up
    const warm: number[] = [];
    await takeBackgroundMarks();
    takeHostMarks();
    const marked: BenchMark[][] = [];
    for (let i = 0; i < counts.warm; i++) {
      const timed = await signTimed();
      warm.push(timed.ms);
      const background = await takeBackgroundMarks();
      await new Promise((r) => setTimeout(r, 5)); // the host's line after its answer
      const host = takeHostMarks();
      // this signature's own: the last page request before the port send, the answer after it
      const send = background.find((m) => m[0] === 'background:port-send');
      const request = background
        .filter((m) => m[0] === 'background:request' && send && m[1] <= send[1])
        .at(-1);
      const answer = background.find((m) => m[0] === 'background:port-answer');
      const pageAnswer = background.filter(
        (m) => m[0] === 'background:page-answer' && answer && m[1] >= answer[1],
      );
      if (send && request && answer && host.length > 0)
        marked.push([
          ['page:call', timed.call],
          request,
          send,
          ...host,
          answer,
          ...pageAnswer.slice(0, 1),
          ['page:done', timed.done],
        ]);
    }
    return {
      coldSamplesMs: cold.map((ms) => Math.round(ms)),
      warm: warm.length,
      cold: cold.length,
      warmMedianMs: percentile(warm, 0.5),
      warmP90Ms: percentile(warm, 0.9),
      coldMedianMs: percentile(cold, 0.5),
      coldP90Ms: percentile(cold, 0.9),
      breakdown: breakdown(marked),
      coldBreakdown: breakdown(coldMarked),
    };
  } finally {
    await browser.close();
    await demo.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
