import type { Page } from 'puppeteer-core';

/** In a consent window: chooses the certificate of key `keyId` ('01'…'05') and types the PIN (the Sign click is the test's). */
export async function signInConsent(consent: Page, keyId: string, pin: string): Promise<void> {
  await consent.click(`input[name="certificate"][value$="/${keyId}"]`);
  await consent.type('#pin', pin);
}
