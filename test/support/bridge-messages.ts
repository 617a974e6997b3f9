/**
 * What the content script (the bridge) said to a page, as the page itself hears it: every message
 * on kyso's page channel, recorded in the page's own world from the moment `recordBridgeMessages`
 * is called. For counting 'ready' announcements, and acknowledgements and answers per request.
 */
import type { Page } from 'puppeteer-core';
import { PAGE_CHANNEL } from '../../shared/protocol/page.js';

export interface BridgeMessage {
  kind: string;
  id?: string;
  ok?: boolean;
  code?: string;
}

export async function recordBridgeMessages(page: Page): Promise<void> {
  await page.evaluate((channel) => {
    const w = window as unknown as { kysoBridgeMessages?: unknown[] };
    if (w.kysoBridgeMessages) return;
    const heard: unknown[] = (w.kysoBridgeMessages = []);
    window.addEventListener('message', (event) => {
      const data = event.data as Record<string, any> | null;
      if (event.source !== window || data?.channel !== channel || data.kind === 'request') return;
      heard.push({ kind: data.kind, id: data.id, ok: data.ok, code: data.error?.code });
    });
  }, PAGE_CHANNEL);
}

export function bridgeMessages(page: Page): Promise<BridgeMessage[]> {
  return page.evaluate(
    () => (window as unknown as { kysoBridgeMessages: BridgeMessage[] }).kysoBridgeMessages,
  );
}

/** How many 'ready' announcements the page heard so far. */
export async function readyCount(page: Page): Promise<number> {
  return (await bridgeMessages(page)).filter((m) => m.kind === 'ready').length;
}

/**
 * Per request the page heard of after the first `skip` messages: how many acknowledgements and
 * answers it got, e.g. { "<id>": { acks: 1, answers: 1 } }.
 */
export async function acksAndAnswers(
  page: Page,
  skip = 0,
): Promise<Record<string, { acks: number; answers: number }>> {
  const counts: Record<string, { acks: number; answers: number }> = {};
  for (const m of (await bridgeMessages(page)).slice(skip)) {
    if (!m.id || (m.kind !== 'ack' && m.kind !== 'response')) continue;
    const entry = (counts[m.id] ??= { acks: 0, answers: 0 });
    if (m.kind === 'ack') entry.acks++;
    else entry.answers++;
  }
  return counts;
}

/**
 * Posts a sign-cms request as any script in the page can (no SDK needed), again every half second
 * for `ms` or until it is acknowledged, as the SDK does: the bridge may still be loading in a tab
 * just opened (it ignores an id it has seen). Resolves whether it was acknowledged.
 */
export function postSignRequestUntilAcknowledged(page: Page, id: string, ms: number): Promise<boolean> {
  return page.evaluate(
    (channel, digest, id, ms) =>
      new Promise<boolean>((resolve) => {
        const request = {
          channel,
          kind: 'request',
          id,
          protocolVersion: 1,
          type: 'sign-cms',
          params: { digest, digestAlgorithm: 'SHA-256', description: 'from an uploaded file' },
        };
        const post = () => postMessage(request, '*');
        const timer = setInterval(post, 500);
        const end = (acknowledged: boolean) => {
          clearInterval(timer);
          resolve(acknowledged);
        };
        addEventListener('message', (e) => e.data?.kind === 'ack' && e.data.id === id && end(true));
        setTimeout(() => end(false), ms);
        post();
      }),
    PAGE_CHANNEL,
    Buffer.alloc(32, 1).toString('base64'),
    id,
    ms,
  );
}
