/**
 * Screenshots taken by the e2e tests. `npm run screenshots` writes them to docs/screenshots (the
 * README's pictures); otherwise they go to a scratch folder, so every run still exercises them.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';

const DIR = process.env.KYSO_SCREENSHOT_DIR ? path.resolve(process.env.KYSO_SCREENSHOT_DIR) : path.join(tmpdir(), 'kyso-screenshots');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(DIR, { recursive: true });
  const file = path.join(DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
