/**
 * Runs the demo: a SoftHSM demo token, the native host registered for a private Chromium profile,
 * the demo portal on localhost, and Chromium with the kyso extension. Interactive when there is a
 * display (or --interactive); otherwise a headless walk-through that signs and prints the result.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type ElementHandle } from 'puppeteer-core';
import { runInstall } from '../native-host/src/cli/install.js';
import { CHROMIUM_EXTENSION_ID } from '../shared/identity.js';
import { pemCertificates, startDemoServer } from './server.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = HERE.includes(`${path.sep}dist${path.sep}`)
  ? path.resolve(HERE, '../../..')
  : path.resolve(HERE, '..');
const DEMO_DIR = path.join(ROOT, '.kyso/demo');
const TOKEN_DIR = path.join(DEMO_DIR, 'token');
const PROFILE_DIR = path.join(DEMO_DIR, 'chromium-profile');
const EXTENSION = path.join(ROOT, 'dist/extension');
const PIN = '123456';
const interactive =
  process.argv.includes('--interactive') || (!!process.env.DISPLAY && !process.argv.includes('--headless'));

function makeDemoToken(): void {
  if (existsSync(path.join(TOKEN_DIR, 'token.env'))) return;
  execFileSync('bash', [path.join(ROOT, 'test/token/make-token.sh'), TOKEN_DIR], { stdio: 'inherit' });
}

/** `kyso-host install` for this profile, keeping the demo token's environment in the launcher. */
async function registerHost(): Promise<void> {
  const code = await runInstall(
    {
      scope: 'user',
      browsers: 'chromium',
      userDataDir: PROFILE_DIR,
      dryRun: false,
      launcherEnv: {
        SOFTHSM2_CONF: path.join(TOKEN_DIR, 'softhsm2.conf'),
        KYSO_PKCS11_MODULES: '/usr/lib/softhsm/libsofthsm2.so',
      },
    },
    () => undefined,
  );
  if (code !== 0) throw new Error('kyso-host install failed');
}

async function enableDeveloperMode(browser: Browser): Promise<void> {
  const target = await browser.waitForTarget(
    (t) =>
      t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${CHROMIUM_EXTENSION_ID}/`),
    { timeout: 20_000 },
  );
  const worker = await target.worker();
  // The target shows up before the extension APIs are bound in it.
  for (
    let i = 0;
    i < 100 &&
    !(await worker!.evaluate(
      () => typeof (globalThis as { chrome?: { storage?: unknown } }).chrome?.storage === 'object',
    ));
    i++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await worker!.evaluate(() =>
    (globalThis as unknown as { chrome: any }).chrome.storage.local.set({ developerMode: true }),
  );
}

async function main(): Promise<void> {
  if (!existsSync(path.join(EXTENSION, 'manifest.json')))
    throw new Error('dist/extension is missing: run npm run build');
  mkdirSync(DEMO_DIR, { recursive: true });
  // A fresh browser profile each run: Chromium keeps an unpacked extension's service worker in the
  // profile, and after a rebuild with the same version it could start the old one beside the new
  // content script (seen: the new page port refused, "extension not installed").
  rmSync(PROFILE_DIR, { recursive: true, force: true });
  makeDemoToken();
  await registerHost();
  const demo = await startDemoServer({
    port: Number(process.env.KYSO_DEMO_PORT ?? 8443),
    trustedRoots: pemCertificates(readFileSync(path.join(TOKEN_DIR, 'ca.pem'), 'utf8')),
  });
  console.log(`Demo portal: ${demo.url}  (demo token PIN: ${PIN})`);
  const browser = await puppeteer.launch({
    executablePath: process.env.KYSO_CHROMIUM ?? '/usr/bin/chromium',
    userDataDir: PROFILE_DIR,
    headless: !interactive,
    defaultViewport: null,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      '--no-sandbox',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--disable-extensions-except=${EXTENSION}`,
      `--load-extension=${EXTENSION}`,
    ],
  });
  await enableDeveloperMode(browser);
  const page = await browser.newPage();
  await page.goto(demo.url);
  if (interactive) {
    console.log(
      'Chromium is open: choose a file, click "Ký số và nộp hồ sơ", pick a certificate and type the PIN. Close the browser to stop.',
    );
    await new Promise((resolve) => browser.once('disconnected', resolve));
    await demo.close();
    return;
  }
  // Headless walk-through: what a citizen would do.
  const file = path.join(DEMO_DIR, 'don-de-nghi.txt');
  writeFileSync(file, 'Đơn đề nghị cấp giấy phép kinh doanh — hộ kinh doanh Nguyễn Văn Ân\n');
  await page.waitForSelector('#kyso-state[data-state="ready"]', { timeout: 20_000 });
  await ((await page.$('input#file')) as ElementHandle<HTMLInputElement>).uploadFile(file);
  await page.click('#sign');
  const consentTarget = await browser.waitForTarget(
    (t) => t.url().startsWith(`chrome-extension://${CHROMIUM_EXTENSION_ID}/`) && t.url().includes('consent'),
    { timeout: 20_000 },
  );
  const consent = await consentTarget.asPage();
  // Each question answers only after its activation moment (data-armed), as a person would see it.
  const armed =
    'body[data-state="ready"][data-armed="true"], body[data-state="permission"][data-armed="true"]';
  await consent.waitForSelector(armed, { timeout: 20_000 });
  if (await consent.$('body[data-state="permission"]')) {
    // the portal's first request: allow this site (remembered in the demo profile)
    await consent.screenshot({ path: path.join(DEMO_DIR, 'site-permission.png') });
    await consent.click('#allow-site');
    await consent.waitForSelector('body[data-state="ready"][data-armed="true"]', { timeout: 20_000 });
  }
  await consent.screenshot({ path: path.join(DEMO_DIR, 'consent.png') });
  await consent.click('input[name="certificate"][value$="/02"]');
  await consent.type('#pin', PIN);
  await consent.click('#sign');
  await page.waitForFunction(
    () => ['done', 'error'].includes(document.querySelector('#status')!.getAttribute('data-state')!),
    { timeout: 30_000 },
  );
  await page.screenshot({ path: path.join(DEMO_DIR, 'portal.png'), fullPage: true });
  const outcome = demo.submissions.at(-1);
  await browser.close();
  await demo.close();
  if (!outcome) throw new Error('the portal received no valid signature');
  const ids = Object.entries(outcome.identities)
    .map(([k, v]) => `${k}: ${v.join(', ')}`)
    .join('; ');
  console.log(`Signed and verified by the portal: ${outcome.signer} (${ids}) at ${outcome.signingTime}`);
  console.log(
    `Screenshots: ${path.relative(ROOT, path.join(DEMO_DIR, 'consent.png'))}, ${path.relative(ROOT, path.join(DEMO_DIR, 'portal.png'))}`,
  );
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
