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
