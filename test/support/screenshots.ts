/**
 * Screenshots taken by the e2e tests. `npm run screenshots` writes them to docs/screenshots (the
 * README's pictures); otherwise they are kept as test artefacts in test-results/screenshots
 * (gitignored), to be looked at after a run.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { REPO_ROOT } from './paths.js';

const DIR = process.env.KYSO_SCREENSHOT_DIR
  ? path.resolve(process.env.KYSO_SCREENSHOT_DIR)
  : path.join(REPO_ROOT, 'test-results', 'screenshots');

/** `fullPage: false`: only what the window shows (a sticky bar then sits where the person sees it). */
export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<string> {
  mkdirSync(DIR, { recursive: true });
  const file = path.join(DIR, `${name}.png`);
  if (options.fullPage === false) {
    await page.screenshot({ path: file });
    return file;
  }
  // The whole page as one tall window, so a sticky bar sits at its bottom (a plain full-page capture leaves it mid-page).
  const before = page.viewport();
  const size = await page.evaluate(() => ({
    width: document.documentElement.clientWidth,
    height: Math.max(document.documentElement.scrollHeight, innerHeight),
  }));
  await page.setViewport(size);
  try {
    await page.screenshot({ path: file });
  } finally {
    await page.setViewport(before);
  }
  return file;
}
