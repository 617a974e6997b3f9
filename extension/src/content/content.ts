/**
 * The bridge between a page and the extension. It adds one message listener to the page and
 * nothing else; the background decides everything (the page's own claims are never trusted).
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { PAGE_CHANNEL, PageRequestEnvelopeSchema, documentSizeError } from '../../../shared/protocol/page.js';
import type { Answer } from '../../../shared/protocol/common.js';
import {
  PAGE_PORT,
  PagePortAnswerSchema,
  ProgressMessageSchema,
  type ContentRequest,
  type PreconnectMessage,
} from '../../../shared/protocol/content.js';

const origin = window.location.origin;
const post = (message: unknown) => window.postMessage(message, origin);
/** The SDK posts a request again when we announce readiness; each id is handled once. */
const seen = new Set<string>();
const MAX_SEEN = 1000;

/** Requests sent up the port, by id, until their answer comes down. */
const waiting = new Map<string, (answer: Answer) => void>();
let port: Runtime.Port | undefined;
const extensionGone = (): Answer => ({
  ok: false,
  error: toWireError(new KysoError('EXTENSION_NOT_INSTALLED')),
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

window.addEventListener('message', (event: MessageEvent) => {
  if (event.source !== window || (event.data as { kind?: unknown })?.kind !== 'request') return;
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
  const request: ContentRequest = { envelope };
  waiting.set(envelope.id, answer);
  try {
    backgroundPort().postMessage(request);
  } catch {
    waiting.delete(envelope.id);
    answer(extensionGone());
  }
});

post({ channel: PAGE_CHANNEL, kind: 'ready', extensionVersion: browser.runtime.getManifest().version });

// A site the user allowed to sign is likely to sign: the background starts the host now (it checks
// the site again itself). Any other page does not wake the background at all.
void browser.storage.local
  .get('sitePermissions')
  .then(({ sitePermissions }) => {
    if ((sitePermissions as Record<string, unknown> | undefined)?.[origin] !== 'allowed') return;
    const message: PreconnectMessage = { preconnect: true };
    backgroundPort().postMessage(message);
  })
  .catch(() => undefined);

// Batch progress from the background, for requests this page made.
browser.runtime.onMessage.addListener((message: unknown) => {
  const parsed = ProgressMessageSchema.safeParse(message);
  if (!parsed.success || !seen.has(parsed.data.progress.id)) return undefined;
  const { id, done, total } = parsed.data.progress;
  post({ channel: PAGE_CHANNEL, kind: 'progress', id, done, total });
  return undefined;
});
