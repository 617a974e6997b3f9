/** `sign-raw`: the bare signature of the page's digest, after consent. */
import type { PageResult } from '../../../../shared/protocol/page.js';
import { rawJob } from '../jobs.js';
import type { RequestHandler } from './context.js';

export const signRaw: RequestHandler<'sign-raw'> = async (
  params,
  { host, consent, requester, consentOptions },
) => {
  const job = rawJob(host, requester.origin, params);
  // The host's answer, typed here and checked against the schema by the table before it leaves.
  return consent.request(requester.origin, requester.tabId, job, await consentOptions()) as Promise<
    PageResult<'sign-raw'>
  >;
};
