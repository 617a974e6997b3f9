/**
 * The bridge between a page and the extension. It adds one message listener to the page and
 * nothing else; the background decides everything (the page's own claims are never trusted).
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import {
  PAGE_CHANNEL,
  PageCancelEnvelopeSchema,
  PageRequestEnvelopeSchema,
  documentSizeError,
} from '../../../shared/protocol/page.js';
import type { Answer } from '../../../shared/protocol/common.js';
import { withoutPdfTails } from '../../../shared/protocol/pdf-tails.js';
import {
  PAGE_PORT,
  PagePortAnswerSchema,
  ProgressMessageSchema,
  type CancelMessage,
  type ContentRequest,
  type PreconnectMessage,
} from '../../../shared/protocol/content.js';

/**
 * Whether this copy of the bridge still belongs to a running extension. When Chromium reloads or
 * updates kyso, a page's content script stays behind, orphaned: `runtime.id` is gone and every
 * extension call throws. The background injects a new copy into open tabs (reinjection.ts); the
 * orphan must then stay silent, or it would acknowledge the page's requests and answer them
 * EXTENSION_RESTARTED before the new copy could.
 */
function extensionAlive(): boolean {
  try {
    return (
      typeof (globalThis as { chrome?: { runtime?: { id?: unknown } } }).chrome?.runtime?.id === 'string'
    );
  } catch {
    return false;
  }
}

const origin = window.location.origin;
const post = (message: unknown) => window.postMessage(message, origin);
/** The SDK posts a request again when we announce readiness; each id is handled once. */
const seen = new Set<string>();
const MAX_SEEN = 1000;

/** Requests sent up the port, by id, until their answer comes down. */
const waiting = new Map<string, (answer: Answer) => void>();
let port: Runtime.Port | undefined;
/** The background went away under a request (restarted, or the extension reloaded or updated). */
const extensionGone = (): Answer => ({
  ok: false,
  error: toWireError(new KysoError('EXTENSION_RESTARTED')),
});

/** The port to the background (PAGE_PORT), opened again after the background stopped. */
function backgroundPort(): Runtime.Port {
  if (port) return port;
  const opened = browser.runtime.connect({ name: PAGE_PORT });
  opened.onMessage.addListener((message: unknown) => {
    const answerTo = (message as { answerTo?: unknown } | null)?.answerTo;
    const settle = typeof answerTo === 'string' ? waiting.get(answerTo) : undefined;
    if (!settle) return;
    waiting.delete(answerTo as string);
    const parsed = PagePortAnswerSchema.safeParse(message);
    settle(
      parsed.success
        ? parsed.data.answer
        : {
            ok: false,
            error: toWireError(new KysoError('INTERNAL', 'unexpected answer from the background')),
          },
    );
  });
  // The background stopped (or the extension was updated): what was asked is not answered.
  opened.onDisconnect.addListener(() => {
    if (port === opened) port = undefined;
    for (const settle of waiting.values()) settle(extensionGone());
    waiting.clear();
  });
  return (port = opened);
}

/** The page gave up on a request of its own that is still waiting: the background ends it. */
function relayCancel(data: unknown): void {
  const parsed = PageCancelEnvelopeSchema.safeParse(data);
  if (!parsed.success || !waiting.has(parsed.data.id) || !port) return;
  const message: CancelMessage = { cancel: parsed.data.id };
  try {
    port.postMessage(message);
  } catch {
    // the background is gone: the request went with it
  }
}

function onPageMessage(event: MessageEvent): void {
  if (!extensionAlive()) return window.removeEventListener('message', onPageMessage);
  if (event.source !== window) return;
  if ((event.data as { kind?: unknown })?.kind === 'cancel') return relayCancel(event.data);
  if ((event.data as { kind?: unknown })?.kind !== 'request') return;
  let size = 0;
  try {
    size = JSON.stringify(event.data).length;
  } catch {
    return; // not JSON-serialisable: not ours
  }
  const parsed = PageRequestEnvelopeSchema.safeParse(event.data);
  if (!parsed.success) return;
  const envelope = parsed.data;
  // Documents too large to carry are answered (with the limit); any other oversized message is dropped.
  const oversized = documentSizeError(envelope.params, size);
  if (!oversized && size > LIMITS.maxPageRequestChars) return;
  if (seen.has(envelope.id)) return;
  seen.add(envelope.id);
  if (seen.size > MAX_SEEN) seen.delete(seen.values().next().value!);
  post({ channel: PAGE_CHANNEL, kind: 'ack', id: envelope.id });
  const answer = (result: Answer) =>
    post({ channel: PAGE_CHANNEL, kind: 'response', id: envelope.id, ...result });
  // Too large to carry: the page hears why (with the limit), rather than that kyso is missing.
  if (oversized) return answer({ ok: false, error: toWireError(oversized) });
  // The page's PDFs stay here: signed ones come back as their tails, and get these bytes in front (pdf-tails.ts).
  const request: ContentRequest = { envelope, pdfTails: true };
  waiting.set(envelope.id, (result) =>
    answer(
      result.ok && envelope.type === 'sign-many'
        ? { ok: true, result: withoutPdfTails(envelope.params, result.result) }
        : result,
    ),
  );
  try {
    backgroundPort().postMessage(request);
  } catch {
    waiting.delete(envelope.id);
    answer(extensionGone());
  }
}

/**
 * A site the user allowed to sign is likely to sign: the background starts the host now (it checks
 * the site again itself). Any other page does not wake the background at all.
 */
function preconnectIfAllowed(): void {
  void browser.storage.local
    .get('sitePermissions')
    .then(({ sitePermissions }) => {
      if ((sitePermissions as Record<string, unknown> | undefined)?.[origin] !== 'allowed') return;
      const message: PreconnectMessage = { preconnect: true };
      backgroundPort().postMessage(message);
    })
    .catch(() => undefined);
}

/** Batch progress from the background, for requests this page made. */
function relayProgress(message: unknown): undefined {
  const parsed = ProgressMessageSchema.safeParse(message);
  if (!parsed.success || !seen.has(parsed.data.progress.id)) return undefined;
  const { id, done, total } = parsed.data.progress;
  post({ channel: PAGE_CHANNEL, kind: 'progress', id, done, total });
  return undefined;
}

/**
 * One bridge per document and extension instance: the manifest's injection and the background's
 * (after an install or update, reinjection.ts) may both reach a page that was loading then. A
 * later extension instance runs in a new isolated world, where this mark is not seen.
 */
const BRIDGE_MARK = Symbol.for('kyso.content-bridge');
const marks = globalThis as { [BRIDGE_MARK]?: true };
/**
 * A page whose origin is opaque (CSP `sandbox`: untrusted content on a site's host) is no site:
 * its URL's origin is not its own, so no bridge. The background refuses it too (Chromium reports
 * its sender.origin as "null"); this keeps any browser that reports only the URL from taking it for its site.
 */
const opaqueOrigin = window.origin !== origin;
if (!marks[BRIDGE_MARK] && !opaqueOrigin) {
  marks[BRIDGE_MARK] = true;
  window.addEventListener('message', onPageMessage);
  browser.runtime.onMessage.addListener(relayProgress);
  // The SDK posts again what it asked before this (a page loading, or a bridge replaced after an update).
  post({ channel: PAGE_CHANNEL, kind: 'ready', extensionVersion: browser.runtime.getManifest().version });
  preconnectIfAllowed();
}
