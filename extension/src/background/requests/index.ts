/**
 * The page request table: one handler per kind of `shared/protocol/page.ts`'s `pageRequests`. The
 * same rules for a page and a local program: the origin's budget, params parsed once against the
 * schema, and the result checked against the schema's `result` before it leaves the extension.
 */
import { BENCH_BUILD } from '../bench.js';
import { KysoError } from '../../../../shared/protocol/errors.js';
import {
  documentSizeError,
  pageRequests,
  type PageRequestType,
  type PageResult,
} from '../../../../shared/protocol/page.js';
import { isPluginHello } from '../../plugins/background.js';
import { parseOrBadRequest } from '../../../../shared/protocol/validate.js';
import {
  asker,
  checkSite,
  type BackgroundServices,
  type RequestContext,
  type RequestHandler,
  type RequestParams,
  type Requester,
} from './context.js';
import { plugin } from './plugin.js';
import { signCms } from './sign-cms.js';
import { signMany } from './sign-many.js';
import { signRaw } from './sign-raw.js';
import { status } from './status.js';

const handlers: { [T in PageRequestType]: RequestHandler<T> } = {
  status,
  'sign-cms': signCms,
  'sign-raw': signRaw,
  'sign-many': signMany,
  plugin,
};

async function run<T extends PageRequestType>(
  type: T,
  rawParams: unknown,
  context: RequestContext,
): Promise<PageResult<T>> {
  // A document too large says so, with the limit, rather than as a schema failure.
  const oversized = type === 'sign-many' ? documentSizeError(rawParams) : undefined;
  if (oversized) throw oversized;
  const params = parseOrBadRequest(pageRequests[type].params, rawParams, type) as RequestParams<T>;
  const result = await (handlers[type] as RequestHandler<T>)(params, context);
  const checked = pageRequests[type].result.safeParse(result);
  if (!checked.success) throw new KysoError('INTERNAL', `${type}: the answer does not match its schema`);
  return checked.data as PageResult<T>;
}

/** A request from a page or a local program, after its origin was established: the same rules and the same consent for both. */
export async function runPageRequest(
  services: BackgroundServices,
  type: PageRequestType,
  rawParams: unknown,
  requester: Requester,
): Promise<unknown> {
  // The bench build signs hundreds of times a minute on purpose; every other build is limited. A
  // plugin page asks once per load whether its site is set to kyso: that is not a signature.
  const budget =
    BENCH_BUILD || isPluginHello(type, rawParams)
      ? { allowed: true as const }
      : services.rateLimiter.take(requester.origin);
  if (!budget.allowed) throw new KysoError('RATE_LIMITED', undefined, { retryAfterMs: budget.retryAfterMs });
  const context: RequestContext = {
    ...services,
    requester,
    consentOptions: async () => ({
      askSite: await checkSite(services.host, asker(requester)),
      ...(requester.viaWebSocket && { viaWebSocket: true as const }),
      ...(requester.incognito && { incognito: true as const }),
      ...(requester.page && { page: requester.page }),
      ...(requester.page && requester.requestId && { pageRequestId: requester.requestId }),
    }),
  };
  return run(type, rawParams, context);
}
