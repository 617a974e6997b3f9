/** `sign-cms`: CAdES-BES around the page's digest (CAdES-T with the TSA in the settings), after consent. */
import type { PageResult } from '../../../../shared/protocol/page.js';
import { singleJob } from '../jobs.js';
import { requireTsa, type RequestHandler } from './context.js';

export const signCms: RequestHandler<'sign-cms'> = async (
  params,
  { host, consent, requester, consentOptions },
) => {
  const tsaUrl = params.timestamp ? await requireTsa() : undefined;
  const job = singleJob(host, requester.origin, params, tsaUrl);
  // The host's answer, typed here and checked against the schema by the table before it leaves.
  return consent.request(requester.origin, requester.tabId, job, await consentOptions()) as Promise<
    PageResult<'sign-cms'>
  >;
};
