/**
 * What a person waits for with a large PDF, in real Chromium with the release extension and the
 * SoftHSM test token: from the page's signPdf call to the consent window showing page 1, to the
 * last page shown ("show page N" for a stamp there), and from the Sign click to the signed PDF back
 * in the page. Three documents: one page, 1,000 pages of text, and a scan-like file near the 16 MiB
 * limit (pages of pixels that do not compress). The PDF is put in the page before the clock starts:
 * the harness's own transfer is not kyso's. Each signed result is checked with pdfsig. Figures are
 * printed and kept in bench/results/ (large-pdf-latest.json and a copy named after the run), never asserted.
 *
 *   npm run bench:large-pdf -- [--runs 3]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import type { Browser, Page, Target } from 'puppeteer-core';
import { LIMITS } from '../shared/protocol/limits.js';
import { waitArmed } from '../test/support/browser.js';
import makeMasterToken from '../test/support/global-setup.js';
import { signInConsent } from '../test/support/consent.js';
import { makeNssDb, pdfsig, writePdf } from '../test/support/pdf-tools.js';
import { rowShiftedNoisePng } from '../test/support/pdf-images.js';
import { startPortalSession } from '../test/support/portal-session.js';
import { textPagesPdf } from '../test/support/sample-pdf.js';
import { ROOT, currentCommit } from './paths.js';

const runsIndex = process.argv.indexOf('--runs');
const RUNS = runsIndex >= 0 ? Number(process.argv[runsIndex + 1]) : 3;
if (!Number.isInteger(RUNS) || RUNS <= 0) throw new Error('--runs wants a positive whole number');

interface Sample {
  firstPageMs: number;
  lastPageMs: number;
  signMs: number;
}

/** Pages of scanned-looking pixels that do not compress, each its own image as a scan's, up to ~90 % of the PDF limit. */
async function scanPages(): Promise<{ pages: number; bytes: Uint8Array }> {
  const [width, height] = [800, 1100]; // ~2.5 MiB of pixels a page
  const pages = Math.floor((LIMITS.maxPdfBytes * 0.9) / (width * height * 3));
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++)
    doc.addPage([595.28, 841.89]).drawImage(await doc.embedPng(rowShiftedNoisePng(width, height)), {
      x: 0,
      y: 0,
      width: 595.28,
      height: 841.89,
    });
  return { pages, bytes: await doc.save({ useObjectStreams: false }) };
}

const isConsent = (t: Target) => /^chrome-extension:\/\/[^/]+\/src\/consent\//.test(t.url());

/** One signature of the PDF the page holds (window.benchPdf), timed; the signed PDF is returned. */
async function signOnce(browser: Browser, portal: Page, pages: number, pin: string) {
  const before = new Set(browser.targets().filter(isConsent));
  const start = performance.now();
  await portal.evaluate((lastPage) => {
    const w = window as any;
    w.benchOutcome = (new Function('return import("/sdk/kyso.js")')() as Promise<any>).then((kyso) =>
      kyso
        .signPdf({
          pdf: w.benchPdf,
          name: 'ho-so.pdf',
          description: 'Hồ sơ lớn',
          appearance: { kind: 'stamp', lines: ['Ký bởi: Nguyễn Văn A', '{time}'], pageIndex: lastPage - 1 },
        })
        .then(
          (result: any) => ({ ok: true, pdf: result.pdf as Uint8Array }),
          (error: any) => ({ ok: false, code: error.code }),
        ),
    );
  }, pages);
  const target = await browser.waitForTarget((t) => isConsent(t) && !before.has(t), { timeout: 60_000 });
  const consent = await target.asPage();
  await consent.waitForSelector('body[data-state="permission"], body[data-state="ready"]', {
    timeout: 60_000,
  });
  if (await consent.$('body[data-state="permission"]')) {
    await waitArmed(consent);
    await consent.click('#allow-site');
    await consent.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
  }
  await consent.waitForSelector('#preview[data-page="1"][data-rendered="true"]', { timeout: 120_000 });
  const firstPageMs = performance.now() - start;
  await waitArmed(consent);
  const shown = performance.now();
  await consent.click('#appearance-show');
  await consent.waitForSelector(`#preview[data-page="${pages}"][data-rendered="true"]`, { timeout: 120_000 });
  const lastPageMs = performance.now() - shown;
  await signInConsent(consent, '01', pin);
  const click = performance.now();
  await consent.$eval('#sign', (el) => setTimeout(() => (el as HTMLElement).click(), 0));
  // Only ok and the code cross back here; the PDF is copied out after the clock stopped.
  const outcome = await portal.evaluate(async () => {
    const { ok, code } = await (window as any).benchOutcome;
    return { ok: ok as boolean, code: code as string | undefined };
  });
  const signMs = performance.now() - click;
  if (!outcome.ok) throw new Error(`signPdf failed: ${outcome.code}`);
  const signed = await portal.evaluate(() =>
    (window as any).benchOutcome.then((r: any) => {
      let binary = '';
      for (let i = 0; i < r.pdf.length; i += 0x8000)
        binary += String.fromCharCode(...r.pdf.subarray(i, i + 0x8000));
      return btoa(binary);
    }),
  );
  return { sample: { firstPageMs, lastPageMs, signMs }, signed: Buffer.from(signed, 'base64') };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-large-pdf-'));
  makeMasterToken(); // as the tests' global setup: the session signs with a copy of it
  const session = await startPortalSession();
  try {
    const portal = await session.openPortal();
    const nss = makeNssDb(dir, [session.token.caPem]);
    const documents: Array<[name: string, pages: number, bytes: Uint8Array]> = [
      ['1 page', 1, await textPagesPdf(1)],
      ['1,000 pages of text', 1000, await textPagesPdf(1000)],
    ];
    const scan = await scanPages();
    documents.push([`${scan.pages} scanned pages`, scan.pages, scan.bytes]);
    const results = [];
    for (const [name, pages, bytes] of documents) {
      await portal.evaluate((b64) => {
        (window as any).benchPdf = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      }, Buffer.from(bytes).toString('base64'));
      const samples: Sample[] = [];
      for (let run = 0; run <= RUNS; run++) {
        const { sample, signed } = await signOnce(session.browser, portal, pages, session.token.pin);
        const report = pdfsig(writePdf(dir, 'signed.pdf', signed), nss);
        if (report.signatures.length !== 1 || !report.signatures[0]!.valid)
          throw new Error(`pdfsig does not accept the signed ${name}: ${report.output}`);
        if (run > 0) samples.push(sample); // the first of each document warms its code paths
      }
      const row = {
        document: name,
        mib: +(bytes.length / 2 ** 20).toFixed(1),
        firstPageMs: Math.round(median(samples.map((s) => s.firstPageMs))),
        lastPageMs: Math.round(median(samples.map((s) => s.lastPageMs))),
        signMs: Math.round(median(samples.map((s) => s.signMs))),
        samples: samples.map((s) => ({
          firstPageMs: Math.round(s.firstPageMs),
          lastPageMs: Math.round(s.lastPageMs),
          signMs: Math.round(s.signMs),
        })),
      };
      results.push(row);
      console.log(
        `${name.padEnd(22)} ${String(row.mib).padStart(5)} MiB  page 1 shown ${row.firstPageMs} ms  last page ${row.lastPageMs} ms  Sign → signed PDF in the page ${row.signMs} ms  (median of ${RUNS})`,
      );
    }
    const when = new Date().toISOString();
    const json = `${JSON.stringify({ when, commit: currentCommit(), cpus: os.cpus().length, runs: RUNS, results }, null, 2)}\n`;
    const out = path.join(ROOT, 'bench/results');
    mkdirSync(out, { recursive: true });
    // Every run is kept, named after its time and commit, as run.ts keeps its own.
    const kept = `large-pdf-${when.replace(/[:.]/g, '-')}-${currentCommit()}.json`;
    writeFileSync(path.join(out, kept), json);
    writeFileSync(path.join(out, 'large-pdf-latest.json'), json);
    console.log(`\nwritten: bench/results/${kept} and bench/results/large-pdf-latest.json`);
  } finally {
    await session.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
