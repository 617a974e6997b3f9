import type { Page } from 'puppeteer-core';

/**
 * In a consent window: chooses the certificate of key `keyId` ('01'…'05') and types the PIN (the
 * Sign click is the test's). Each step is checked as a person would see it — the radio checked, the
 * PIN field holding every digit — so a click or key lost on a busy machine is done again, and a
 * window that never takes it fails here with what it showed, not later as a silent wait. It returns
 * once a batch's PDFs are checked (their pages counted), which Sign waits for.
 */
export async function signInConsent(consent: Page, keyId: string, pin: string): Promise<void> {
  await chooseCertificate(consent, keyId);
  for (let attempt = 1; ; attempt++) {
    await consent.$eval('#pin', (el) => ((el as HTMLInputElement).value = ''));
    await consent.type('#pin', pin);
    if ((await consent.$eval('#pin', (el) => (el as HTMLInputElement).value.length)) === pin.length) break;
    if (attempt === 3)
      throw new Error(`the PIN field does not hold the PIN after 3 tries: ${await consentState(consent)}`);
  }
  await consent.waitForSelector('body:not([data-counting])', { timeout: 60_000 });
}

/**
 * In a consent window or a certificate prompt: chooses the certificate of key `keyId` with a click
 * on its radio (or on its holder's name, as many people do), scrolled into view and painted first,
 * and clicked again while a busy machine lost the click (a radio is a small target: 13 px). Fails
 * with what the window showed if it never takes.
 */
export async function chooseCertificate(
  page: Page,
  keyId: string,
  on: 'radio' | 'name' = 'radio',
): Promise<void> {
  const radio = `input[name="certificate"][value$="/${keyId}"]`;
  const target = on === 'radio' ? radio : `label:has(> ${radio}) .holder`;
  for (let attempt = 1; ; attempt++) {
    await scrollIntoViewPainted(page, target);
    await page.click(target);
    if (await page.$eval(radio, (el) => (el as HTMLInputElement).checked)) return;
    if (attempt === 3)
      throw new Error(`certificate ${keyId} is not chosen after 3 clicks: ${await consentState(page)}`);
  }
}

/**
 * Scrolls `selector` into the middle of the window and waits until that scroll is painted. Under
 * BiDi, Firefox (and on a busy machine Chromium too) places a synthesized click by what is on screen, and puppeteer's own scroll-then-click
 * does not wait for a paint: on a busy machine the click lands where the control was before the
 * scroll (seen with the certificate of a long consent window: nothing chosen, Sign did nothing).
 */
export async function scrollIntoViewPainted(page: Page, selector: string): Promise<void> {
  await page.$eval(
    selector,
    (el) =>
      new Promise<void>((resolve) => {
        el.scrollIntoView({ block: 'center', behavior: 'instant' });
        requestAnimationFrame(() => requestAnimationFrame(() => resolve()));
      }),
  );
}

/** Chooses key `keyId`, types a wrong PIN and signs: the window stays open showing PIN_INCORRECT. */
export async function signWithWrongPin(consent: Page, keyId: string, wrongPin: string): Promise<void> {
  await signInConsent(consent, keyId, wrongPin);
  await consent.click('#sign');
  await consent.waitForSelector('#error[data-code="PIN_INCORRECT"]', { visible: true, timeout: 20_000 });
}

/** What a consent window shows now, in one line: for a test's failure message. */
export async function consentState(consent: Page): Promise<string> {
  try {
    return await consent.evaluate(() =>
      JSON.stringify({
        state: document.body.dataset.state,
        armed: document.body.dataset.armed,
        status: document.querySelector('#status')?.textContent,
        error: document.querySelector('#error')?.textContent,
        chosen: document.querySelector<HTMLInputElement>('input[name="certificate"]:checked')?.value,
        focus: document.activeElement?.id || document.activeElement?.tagName,
      }),
    );
  } catch (error) {
    return `(window not readable: ${(error as Error).message})`;
  }
}

/**
 * From now on, every change of the window's armed state, in order; a state set again as it was is one
 * change (the browser may report one return to the window twice: its window, then the page).
 */
export async function recordArming(consent: Page): Promise<() => Promise<string[]>> {
  await consent.evaluate(() => {
    const log: string[] = [];
    (window as unknown as { armingLog: string[] }).armingLog = log;
    new MutationObserver(() => {
      const armed = document.body.dataset.armed ?? '';
      if (log.at(-1) !== armed) log.push(armed);
    }).observe(document.body, { attributeFilter: ['data-armed'] });
  });
  return () => consent.evaluate(() => (window as unknown as { armingLog: string[] }).armingLog);
}

/** The consent window's document warnings as a person reads them: code, text, and the names each lists. */
export function consentWarnings(
  consent: Page,
): Promise<Array<{ code: string | null; text: string; names: Array<string | null> }>> {
  return consent.$$eval('#warning-list > li', (lis) =>
    lis.map((li) => ({
      code: li.getAttribute('data-code'),
      text: (li as HTMLElement).innerText,
      names: Array.from(li.querySelectorAll('.page-text'), (name) => name.textContent),
    })),
  );
}
