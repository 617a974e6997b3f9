/**
 * (3) End to end in Chromium: page → SDK → content script → background → host → CMS → page, with
 * the bench build of the extension (consent auto-approved; the release build cannot do this).
 * Warm: the native port is open. Cold: the port was dropped, so the host is spawned again.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { startDemoServer } from '../demo/server.js';
import { CHROMIUM_EXTENSION_ID } from '../shared/identity.js';
import { NATIVE_HOST_NAME } from '../shared/version.js';
import { ROOT } from './paths.js';

export interface BrowserBench {
  warm: number;
  cold: number;
  warmMedianMs: number;
  warmP90Ms: number;
  coldMedianMs: number;
  coldP90Ms: number;
  /** Every cold sample, in order: outliers show where they fall. */
  coldSamplesMs: number[];
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
  writeFileSync(
    launcher,
    `#!/bin/sh\nexport SOFTHSM2_CONF='${env.SOFTHSM2_CONF}'\nexport KYSO_PKCS11_MODULES='${env.KYSO_PKCS11_MODULES}'\nexec '${process.execPath}' '${path.join(ROOT, 'native-host/bin/kyso-host.js')}' "$@"\n`,
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
  const browser = await puppeteer.launch({
    executablePath: process.env.KYSO_CHROMIUM ?? '/usr/bin/chromium',
    userDataDir: profile,
    headless: true,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--disable-extensions-except=${EXTENSION}`,
      `--load-extension=${EXTENSION}`,
    ],
  });
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
    const signOnce = () =>
      page.evaluate(async () => {
        const sdk = await (new Function('return import("/sdk/kyso.js")')() as Promise<any>);
        const digest = new Uint8Array(
          await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`doc ${Math.random()}`)),
        );
        const start = performance.now();
        await sdk.signCms({ digest, digestAlgorithm: 'SHA-256', description: 'bench' });
        return performance.now() - start;
      });
    const disconnect = () =>
      worker.evaluate(() =>
        (globalThis as unknown as { kysoBench: { disconnect(): void } }).kysoBench.disconnect(),
      );

    const cold: number[] = [];
    for (let i = 0; i < counts.cold; i++) {
      await disconnect();
      await new Promise((r) => setTimeout(r, 300)); // let the old host exit
      cold.push(await signOnce());
    }
    for (let i = 0; i < 5; i++) await signOnce(); // warm-up
    const warm: number[] = [];
    for (let i = 0; i < counts.warm; i++) warm.push(await signOnce());
    return {
      coldSamplesMs: cold.map((ms) => Math.round(ms)),
      warm: warm.length,
      cold: cold.length,
      warmMedianMs: percentile(warm, 0.5),
      warmP90Ms: percentile(warm, 0.9),
      coldMedianMs: percentile(cold, 0.5),
      coldP90Ms: percentile(cold, 0.9),
    };
  } finally {
    await browser.close();
    await demo.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
