/** What every page request handler is given, and the checks several of them share. */
import type { z } from 'zod';
import { KysoError } from '../../../../shared/protocol/errors.js';
import type { PageRequestType, PageResult, pageRequests } from '../../../../shared/protocol/page.js';
import type { PluginSupport } from '../../plugins/background.js';
import type { ConsentFlow } from '../consent-flow.js';
import type { DocumentPreparers } from '../document-preparer.js';
import type { NativeHostClient } from '../native-host.js';
import type { OriginRateLimiter } from '../rate-limit.js';
import { tsaSetting } from '../settings.js';
import { sitePermission, type Asker } from '../site-permissions.js';

/** The background's long-lived parts, made once in index.ts. */
export interface BackgroundServices {
  host: NativeHostClient;
  consent: ConsentFlow;
  /** Where PDFs and XML are read and prepared (not in the service worker's initial script). */
  documents: DocumentPreparers;
  rateLimiter: OriginRateLimiter;
  /** The emulated signing plugins (extension/src/plugins). */
  plugins: PluginSupport;
}

/** Who asks: a page (its tab, for progress and for cancelling when it closes), or a local program over WebSocket. */
export interface Requester {
  origin: string;
  tabId?: number;
  /** The page's request id, for batch progress messages to its tab. */
  requestId?: string;
  /** The asking page's own connection (its content script's port): when it closes, its requests end. */
  page?: object;
  viaWebSocket?: boolean;
  /** The page is in a private window: its site decisions last only for the private session (site-permissions.ts). */
  incognito?: boolean;
}

/** What ConsentFlow.request needs to know about the requester. */
export interface ConsentOptions {
  askSite: boolean;
  viaWebSocket?: true;
  incognito?: true;
  page?: object;
  pageRequestId?: string;
}

export interface RequestContext extends BackgroundServices {
  requester: Requester;
  /** Checks the site and the host (see checkSite), then says how to ask for consent. */
  consentOptions: () => Promise<ConsentOptions>;
}

/** A request's params after its schema parsed them (once, in the table). */
export type RequestParams<T extends PageRequestType> = z.output<(typeof pageRequests)[T]['params']>;

/** One page request kind: its validated params in, its result out (checked against the schema's `result` by the table). */
export type RequestHandler<T extends PageRequestType> = (
  params: RequestParams<T>,
  context: RequestContext,
) => Promise<PageResult<T>>;

/** The requester as the site permissions see it. */
export const asker = ({ origin, incognito }: Requester): Asker => ({ origin, incognito: incognito === true });

/**
 * Before any consent window: the site must not be blocked (by the user or by policy), and the host
 * must answer (no window when it is missing or outdated). Returns whether the user must be asked
 * to allow the site first.
 */
export async function checkSite(host: NativeHostClient, { origin, incognito }: Asker): Promise<boolean> {
  const { permission, managed } = await sitePermission({ origin, incognito });
  if (permission === 'blocked')
    throw new KysoError('ORIGIN_NOT_ALLOWED', undefined, {
      origin,
      reason: managed ? 'policy' : 'blocked by the user',
    });
  await host.connect();
  return permission === 'ask';
}

/** A time-stamp was asked for: the TSA in the settings, or TSA_NOT_CONFIGURED before any window opens. */
export async function requireTsa(): Promise<string> {
  const { url } = await tsaSetting();
  if (!url) throw new KysoError('TSA_NOT_CONFIGURED');
  return url;
}
