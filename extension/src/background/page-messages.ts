/**
 * Page requests as our content scripts relay them: the origin is the one the browser reports for
 * the sender (never the page's word), then the origin policy and the protocol version, then the
 * request table.
 */
import { benchMark } from './bench.js';
import type { Runtime } from 'webextension-polyfill';
import { readLocal } from './local-store.js';
import type { Answer } from '../../../shared/protocol/common.js';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import { PROTOCOL_VERSION } from '../../../shared/version.js';
import {
  CancelMessageSchema,
  ContentRequestSchema,
  PreconnectMessageSchema,
  type ContentRequest,
  type PagePortAnswer,
} from '../../../shared/protocol/content.js';
import { isOriginAllowed } from './origin-policy.js';
import { sitePermission } from './site-permissions.js';
import type { BackgroundServices } from './requests/context.js';
import { runPageRequest } from './requests/index.js';
import { withPdfTails } from '../../../shared/protocol/pdf-tails.js';

/**
 * The requesting page's origin as the browser knows it (Chrome: sender.origin; Firefox: sender.url).
 * "null" is an opaque origin (a page served with CSP `sandbox`, as sites serve untrusted uploads):
 * it is no site, so it is refused, never replaced by its URL's host.
 */
function senderOrigin(sender: Runtime.MessageSender): string | undefined {
  const origin = (sender as { origin?: string }).origin;
  if (origin === 'null') return undefined;
  if (origin) return origin;
  try {
    return sender.url ? new URL(sender.url).origin : undefined;
  } catch {
    return undefined;
  }
}

async function handle(
  services: BackgroundServices,
  { envelope, pdfTails }: ContentRequest,
  sender: Runtime.MessageSender,
  page: Runtime.Port,
): Promise<unknown> {
  const origin = senderOrigin(sender);
  const tabId = sender.tab?.id;
  if (!origin || tabId === undefined || sender.frameId !== 0) throw new KysoError('ORIGIN_NOT_ALLOWED');
  if (!isOriginAllowed(origin, { developerMode: (await readLocal('developerMode')) === true })) {
    throw new KysoError('ORIGIN_NOT_ALLOWED', undefined, { origin });
  }
  if (envelope.protocolVersion !== PROTOCOL_VERSION) {
    throw new KysoError('VERSION_MISMATCH', undefined, {
      sdkProtocol: envelope.protocolVersion,
      extensionProtocol: PROTOCOL_VERSION,
      update: envelope.protocolVersion < PROTOCOL_VERSION ? 'sdk' : 'extension',
    });
  }
  const result = await runPageRequest(services, envelope.type, envelope.params, {
    origin,
    tabId,
    requestId: envelope.id,
    page,
    ...(sender.tab?.incognito && { incognito: true }),
  });
  // Checked whole by the request table; the content script, which keeps the page's PDFs, gets their tails.
  return pdfTails && envelope.type === 'sign-many' ? withPdfTails(envelope.params, result) : result;
}

/**
 * A page loaded on a site the user allowed: the host is started (and greeted) now, so the first
 * signature does not wait for it. The site is judged from the sender, as for a request; a host that
 * is missing is reported when the page asks for something.
 */
async function preconnect(services: BackgroundServices, sender: Runtime.MessageSender): Promise<Answer> {
  const origin = senderOrigin(sender);
  if (!origin || sender.frameId !== 0) return { ok: true, result: null };
  if (!isOriginAllowed(origin, { developerMode: (await readLocal('developerMode')) === true }))
    return { ok: true, result: null };
  const incognito = sender.tab?.incognito === true;
  if ((await sitePermission({ origin, incognito })).permission !== 'allowed')
    return { ok: true, result: null };
  await services.host.connect().catch(() => undefined);
  return { ok: true, result: null };
}

/**
 * A content script's port (PAGE_PORT): each request on it is answered on it, naming the request;
 * the sender is the one the browser recorded when the port was opened. The port closes when its
 * page does (reloaded, left, closed): nobody is left to answer, so that page's requests end, and
 * a consent window open for one of them closes without signing.
 */
export function attachPagePort(services: BackgroundServices, port: Runtime.Port): void {
  const sender = port.sender;
  if (!sender?.tab) return port.disconnect();
  port.onDisconnect.addListener(() => services.consent.pageGone(port));
  port.onMessage.addListener((message: unknown) => {
    const id = (message as Partial<ContentRequest> | null)?.envelope?.id;
    void answerPageMessage(services, message, sender, port).then((answer) => {
      if (typeof id !== 'string') return; // a preconnect, or nothing a content script sends
      const reply: PagePortAnswer = { answerTo: id, answer };
      benchMark('background:page-answer');
      try {
        port.postMessage(reply);
      } catch {
        // the page went away meanwhile: nobody waits for this answer
      }
    });
  });
}

/** A content script's message on its port: its answer, or BAD_REQUEST when it is not a ContentRequest. */
function answerPageMessage(
  services: BackgroundServices,
  message: unknown,
  sender: Runtime.MessageSender,
  page: Runtime.Port,
): Promise<Answer> {
  benchMark('background:request');
  const isPreconnect = typeof message === 'object' && message !== null && 'preconnect' in message;
  if (isPreconnect && PreconnectMessageSchema.safeParse(message).success) return preconnect(services, sender);
  const cancel = CancelMessageSchema.safeParse(message);
  if (cancel.success) {
    services.consent.pageCancelled(page, cancel.data.cancel);
    return Promise.resolve({ ok: true, result: null }); // not sent: a cancel names no request of its own
  }
  const parsed = ContentRequestSchema.safeParse(message);
  if (!parsed.success)
    return Promise.resolve({ ok: false, error: toWireError(new KysoError('BAD_REQUEST')) });
  return handle(services, parsed.data, sender, page).then(
    (result): Answer => ({ ok: true, result }),
    (error): Answer => ({ ok: false, error: toWireError(error) }),
  );
}
