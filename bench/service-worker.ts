/**
 * The background service worker's start-up in Chromium: what its initial script loads (bytes, files)
 * and how long a page waits for its first answer when the worker was stopped (wake, parse, run,
 * answer) against the same answer from a running worker. The request is a plugin `hello`, which the
 * background answers from its storage (no host, no rate limit), so the time is the worker's own.
 *
 *   node dist/node/bench/service-worker.js [extension dir (default dist/extension)] [samples]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { launchWithExtension } from './browser.js';
import { startDemoServer } from '../demo/server.js';
import { CHROMIUM_EXTENSION_ID } from '../shared/identity.js';
import { PROTOCOL_VERSION } from '../shared/version.js';
import { backgroundEntry, staticModuleGraph } from './module-graph.js';
import { ROOT } from './paths.js';

export interface ServiceWorkerBench {
  extension: string;
  /** The service worker's initial script and its static imports. */
  initialScriptBytes: number;
  initialScriptFiles: number;
  /** Loaded only by import() (Firefox) — none of it is parsed at wake. */
  onDemandBytes: number;
  wakeMedianMs: number;
  wakeP90Ms: number;
  runningMedianMs: number;
  samples: number;
  /** Wake requests that got no answer in 10 s. */
  lost: number;
}

const median = (xs: number[]) => percentile(xs, 0.5);
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}

/** The extension's service worker as the browser lists it (the bench never attaches to it: see the launch). */
async function workerTargetId(browser: Browser): Promise<string | undefined> {
  const session = await browser.target().createCDPSession();
  try {
    const { targetInfos } = await session.send('Target.getTargets');
    return targetInfos.find(
      (t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${CHROMIUM_EXTENSION_ID}/`),
    )?.targetId;
  } finally {
    await session.detach();
  }
}

/** Stops the extension's service worker and waits until the browser no longer lists it. */
async function stopServiceWorker(browser: Browser): Promise<void> {
  const targetId = await workerTargetId(browser);
  if (!targetId) return;
  const session = await browser.target().createCDPSession();
  try {
    await session.send('Target.closeTarget', { targetId });
  } finally {
    await session.detach();
  }
  for (let i = 0; i < 100 && (await workerTargetId(browser)); i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  if (await workerTargetId(browser)) throw new Error('the service worker did not stop');
}

/** One plugin hello from the page through the content script; resolves with the ms until its answer. */
function askOnce(page: Page, protocolVersion: number, timeoutMs = 20_000): Promise<number> {
  return page.evaluate(
    (protocolVersion, timeoutMs) => {
      const id = `bench-${Math.random()}`;
      return new Promise<number>((resolve, reject) => {
        setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        const start = performance.now();
        const listener = (event: MessageEvent) => {
          const data = event.data as { kind?: string; id?: string };
          if (data?.kind !== 'response' || data.id !== id) return;
          window.removeEventListener('message', listener);
          resolve(performance.now() - start);
        };
        window.addEventListener('message', listener);
        window.postMessage(
          {
            channel: 'kyso',
            kind: 'request',
            id,
            protocolVersion,
            type: 'plugin',
            params: { action: 'hello' },
          },
          window.location.origin,
        );
      });
    },
    protocolVersion,
    timeoutMs,
  );
}

export async function runServiceWorkerBench(extension: string, samples: number): Promise<ServiceWorkerBench> {
  const graph = await staticModuleGraph(backgroundEntry(extension), extension);
  const onDemand = await Promise.all(graph.dynamic.map((file) => staticModuleGraph(file, extension)));
  const onDemandFiles = new Set(onDemand.flatMap((g) => g.files).filter((f) => !graph.files.includes(f)));
  const onDemandBytes = [...onDemandFiles].reduce((sum, f) => sum + statSync(f).size, 0);

  const profile = mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-sw-'));
  const demo = await startDemoServer({ trustedRoots: [] });
  const browser = await launchWithExtension(profile, extension, {
    // A worker with DevTools attached is never stopped by the browser and starts paused: stay out of it.
    targetFilter: (target) => target.type() !== 'service_worker',
  });
  try {
    for (let i = 0; i < 200 && !(await workerTargetId(browser)); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const options = await browser.newPage();
    await options.goto(`chrome-extension://${CHROMIUM_EXTENSION_ID}/src/options/options.html`);
    await options.evaluate(() =>
      (globalThis as unknown as { chrome: any }).chrome.storage.local.set({ developerMode: true }),
    );
    await options.close();
    const page = await browser.newPage();
    // A page of the site without the SDK (the demo server's "not found" text): nothing else wakes the worker.
    await page.goto(`${demo.url}service-worker-bench`);
    // The content script of a plain-text page may start after the page's load event: ask until it answers.
    for (let answered = 0, tries = 0; answered < 3 && tries < 50; tries++)
      await askOnce(page, PROTOCOL_VERSION, 1000).then(
        () => answered++,
        () => undefined,
      );
    const running: number[] = [];
    for (let i = 0; i < samples; i++) running.push(await askOnce(page, PROTOCOL_VERSION));
    const wake: number[] = [];
    let lost = 0;
    for (let i = 0; i < samples; i++) {
      await stopServiceWorker(browser);
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Now and then Chromium drops the message that should wake a worker stopped through DevTools:
      // counted, not timed.
      await askOnce(page, PROTOCOL_VERSION, 10_000).then(
        (ms) => wake.push(ms),
        () => lost++,
      );
    }
    return {
      extension: path.relative(ROOT, extension) || extension,
      initialScriptBytes: graph.bytes,
      initialScriptFiles: graph.files.length,
      onDemandBytes,
      wakeMedianMs: round(median(wake)),
      wakeP90Ms: round(percentile(wake, 0.9)),
      runningMedianMs: round(median(running)),
      samples,
      lost,
    };
  } finally {
    await browser.close();
    await demo.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

if (process.argv[1]?.endsWith('service-worker.js')) {
  const extension = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist/extension'));
  const samples = Number(process.argv[3] ?? 20);
  runServiceWorkerBench(extension, samples).then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
