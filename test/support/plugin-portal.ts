/** The demo plugin portals (demo/public/*-portal.html) write each plugin answer into #raw. */
import type { Browser, Page } from 'puppeteer-core';

/** The next answer in #raw: waits until its text is there and differs from `previous`. */
export async function nextRawAnswer(page: Page, previous = ''): Promise<string> {
  await page.waitForFunction(
    (before) => {
      const text = document.getElementById('raw')!.textContent;
      return text && text !== before;
    },
    { timeout: 60_000 },
    previous,
  );
  return page.$eval('#raw', (el) => el.textContent);
}

/** Sets a form field of the demo portal, as a person pasting a value would leave it. */
export function setFieldValue(page: Page, selector: string, value: string): Promise<string> {
  return page.$eval(selector, (el, v) => ((el as HTMLInputElement).value = v), value);
}

/** A new tab on a demo plugin portal. */
export async function openPluginPortal(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  return page;
}
