/** `sign-many`: documents of any kind (digests, PDFs, XML) under one consent and one PIN, with progress to the asking tab. */
import browser from 'webextension-polyfill';
import type { PageResult } from '../../../../shared/protocol/page.js';
import type { ProgressMessage } from '../../../../shared/protocol/content.js';
import { withConfiguredImages } from '../../plugins/configured-images.js';
import { planBatch } from '../batch-plans.js';
import { batchJob } from '../jobs.js';
import { requireTsa, type RequestHandler, type Requester } from './context.js';

/** Progress goes to the asking tab's content script, which posts it to the page; a local program gets none. */
function progressToTab({ tabId, requestId }: Requester): ((done: number, total: number) => void) | undefined {
  if (tabId === undefined || requestId === undefined) return undefined;
  return (done, total) => {
    const message: ProgressMessage = { progress: { id: requestId, done, total } };
    // Fire and forget: a tab that closed or navigated away no longer wants progress.
    void browser.tabs.sendMessage(tabId, message, { frameId: 0 }).catch(() => undefined);
  };
}

export const signMany: RequestHandler<'sign-many'> = async (
  params,
  { host, consent, documents, requester, consentOptions },
) => {
  // Every document is checked (and PDFs and XML read) before anyone is asked anything.
  // A PDF may ask for the signature or seal image the user configured (never sent to the page):
  // put in here, where the extension's storage is, so planning stays a pure function.
  // PDFs and XML are read by the document preparer (loaded for them only, see document-preparer.ts).
  const batch = await planBatch(
    () => documents.get(),
    await Promise.all(params.documents.map(withConfiguredImages)),
    params.rsaScheme,
    params.certificateSerial,
  );
  try {
    const tsaUrl = batch.plans.some((p) => p.timestamp) ? await requireTsa() : undefined;
    const options = await consentOptions();
    const onProgress = progressToTab(requester);
    const job = batchJob(host, requester.origin, params, batch, tsaUrl);
    // The batch's answer, typed here and checked against the schema by the table before it leaves.
    return (await consent.request(requester.origin, requester.tabId, job, {
      ...options,
      ...(onProgress && { onProgress }),
    })) as PageResult<'sign-many'>;
  } finally {
    batch.release();
  }
};
