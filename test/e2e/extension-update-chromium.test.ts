/**
 * Open portal tabs across an extension reload in Chromium, as a store update (or runtime.reload())
 * replaces the extension, and across a disable and enable: Chromium leaves each open tab's content script orphaned and injects no
 * new one; kyso's background does (extension/src/background/reinjection.ts). The same page, never
 * reloaded, finds kyso again and signs; a request that was waiting ends at once with a typed error.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  acksAndAnswers,
  bridgeMessages,
  readyCount,
  recordBridgeMessages,
} from '../support/bridge-messages.js';
import {
  consentWindowAfter,
  consentWindowOpen,
  disableAndEnableExtension,
  extensionServiceWorker,
  reloadExtension,
} from '../support/browser.js';
import { signTextFromPage, startPortalSession } from '../support/portal-session.js';
import { askToSignText, sdkOutcome, sdkResult } from '../support/sdk-call.js';
import { EXTENSION_DIST } from '../support/paths.js';
import { useSharedSession } from '../support/shared-session.js';

/** The built bridge module that the manifest's content script (crxjs's loader) imports. */
function contentBridgeModule(): string {
  const manifest = JSON.parse(readFileSync(path.join(EXTENSION_DIST, 'manifest.json'), 'utf8'));
  const loader = readFileSync(path.join(EXTENSION_DIST, manifest.content_scripts[0].js[0]), 'utf8');
  const imported = /getURL\("([^"]+)"\)/.exec(loader)?.[1];
  if (!imported) throw new Error('the content script loader imports no module');
  return imported;
}

describe('open portal tabs across an extension reload (an update) in Chromium', () => {
  const session = useSharedSession(startPortalSession);
  let page: Page;

  beforeAll(async () => {
    page = await session.openPortal();
    await recordBridgeMessages(page);
  });

  const askToSign = (text: string) => askToSignText(page, text);
  const signFromPage = (text: string) => signTextFromPage(session, page, text);

  /** A new bridge has announced itself in `tab` since it had heard `readyBefore` announcements. */
  const newBridgeIn = (tab: Page, readyBefore: number) =>
    expect.poll(() => readyCount(tab), { timeout: 20_000 }).toBe(readyBefore + 1);

  /** Every request the page made since its `skip`-th message was acknowledged once and answered once. */
  async function expectOneBridgeAnswering(tab: Page, skip: number): Promise<void> {
    const counts = Object.values(await acksAndAnswers(tab, skip));
    expect(counts.length).toBeGreaterThan(0);
    expect(counts).toEqual(counts.map(() => ({ acks: 1, answers: 1 })));
  }

  it('the same pages, not reloaded, find kyso again and sign through the new extension', async () => {
    await signFromPage('Tờ khai trước khi cập nhật tiện ích\n');
    const otherTab = await session.openPortal();
    await recordBridgeMessages(otherTab);
    const [readyHere, readyThere] = [await readyCount(page), await readyCount(otherTab)];

    await reloadExtension(session.browser);
    await newBridgeIn(page, readyHere);
    await newBridgeIn(otherTab, readyThere);

    const heard = (await bridgeMessages(page)).length;
    expect(await sdkResult(page, 'detect')).toMatchObject({ ok: true, ready: true });
    await signFromPage('Tờ khai sau khi cập nhật tiện ích\n');
    // The orphaned bridge kept quiet: no second acknowledgement, no "not installed" beside the answer.
    await expectOneBridgeAnswering(page, heard);

    const heardThere = (await bridgeMessages(otherTab)).length;
    expect(await sdkResult(otherTab, 'detect')).toMatchObject({ ok: true, ready: true });
    await expectOneBridgeAnswering(otherTab, heardThere);
    await otherTab.close();
  });

  it('a request waiting for consent when the extension reloads ends at once with a typed error; the page then signs', async () => {
    const consent = await consentWindowAfter(session.browser, () =>
      askToSign('Đang chờ đồng ý khi cập nhật\n'),
    );
    const readyBefore = await readyCount(page);
    await reloadExtension(session.browser);
    expect(await sdkOutcome(page, 20_000)).toMatchObject({ ok: false, code: 'EXTENSION_RESTARTED' });
    // The old extension's window went with it.
    expect(await consentWindowOpen(session.browser, 10_000)).toBe(false);
    expect(consent.isClosed()).toBe(true);

    await newBridgeIn(page, readyBefore);
    await signFromPage('Tờ khai sau yêu cầu bị cắt bởi cập nhật\n');
  });

  it('disabled and enabled again (no onInstalled then): the same page finds kyso again and signs', async () => {
    const readyBefore = await readyCount(page);
    await disableAndEnableExtension(session.browser);
    await newBridgeIn(page, readyBefore);
    const heard = (await bridgeMessages(page)).length;
    expect(await sdkResult(page, 'detect')).toMatchObject({ ok: true, ready: true });
    await signFromPage('Tờ khai sau khi tắt rồi bật lại tiện ích\n');
    await expectOneBridgeAnswering(page, heard);
  });

  it('a matching tab that cannot take the script (an error page) does not keep it from the others', async () => {
    // https://127.0.0.1:9/ refuses the connection: the tab shows Chromium's error page under a URL the
    // manifest's patterns match, so the new instance's injection into it fails.
    const errorTab = await session.browser.newPage();
    await errorTab.goto('https://127.0.0.1:9/').catch(() => undefined);
    // First among the tabs, so the injection meets it before the portal's tab.
    const tabsInOrder = async () =>
      (await extensionServiceWorker(session.browser)).evaluate(async () => {
        const tabs = await (globalThis as any).chrome.tabs.query({});
        return tabs.map((t: { id: number; url?: string; pendingUrl?: string }) => ({
          id: t.id,
          url: t.url || t.pendingUrl,
        }));
      }) as Promise<Array<{ id: number; url?: string }>>;
    await expect.poll(async () => (await tabsInOrder()).map((t) => t.url)).toContain('https://127.0.0.1:9/');
    const errorTabId = (await tabsInOrder()).find((t) => t.url === 'https://127.0.0.1:9/')!.id;
    await (
      await extensionServiceWorker(session.browser)
    ).evaluate((id) => (globalThis as any).chrome.tabs.move(id, { index: 0 }), errorTabId);
    expect((await tabsInOrder())[0]?.id).toBe(errorTabId);
    const readyBefore = await readyCount(page);
    await reloadExtension(session.browser);
    await newBridgeIn(page, readyBefore);
    const heard = (await bridgeMessages(page)).length;
    await signFromPage('Tờ khai bên cạnh một thẻ báo lỗi\n');
    await expectOneBridgeAnswering(page, heard);

    // The error tab was one the injection tried, and one that refuses a script.
    const worker = await extensionServiceWorker(session.browser);
    const refused = await worker.evaluate(async () => {
      const chrome = (globalThis as any).chrome;
      const { matches, js } = chrome.runtime.getManifest().content_scripts[0];
      const [tab] = (await chrome.tabs.query({ url: matches })).filter(
        (t: { url?: string }) => t.url === 'https://127.0.0.1:9/',
      );
      if (!tab) return 'no matching tab';
      return chrome.scripting.executeScript({ target: { tabId: tab.id }, files: js }).then(
        () => 'injected',
        (error: Error) => `refused: ${error.message}`,
      );
    });
    expect(refused).toMatch(/^refused: /);
    await errorTab.close();
  });

  it('the content script run again in a page whose bridge runs starts no second bridge', async () => {
    const readyBefore = await readyCount(page);
    const worker = await extensionServiceWorker(session.browser);
    // What the background and the manifest may both do to a page loading during an install: the
    // manifest's file injected again; then the bridge's module evaluated a second time (a new URL
    // for the same file), as it would be without the crxjs loader's one import per document.
    const injectedInto = await worker.evaluate(async (portalUrl) => {
      const chrome = (globalThis as any).chrome;
      const tabs: Array<{ id: number; url?: string }> = await chrome.tabs.query({});
      const portalTabs = tabs.filter((tab) => tab.url?.startsWith(portalUrl));
      const { js } = chrome.runtime.getManifest().content_scripts[0];
      for (const tab of portalTabs)
        await chrome.scripting.executeScript({ target: { tabId: tab.id }, files: js });
      return portalTabs.length;
    }, session.demo.url);
    expect(injectedInto).toBe(1);
    // Given as source text: the test runner rewrites import() in this file's own functions.
    const secondCopy = await worker.evaluate(`(async () => {
      const [tab] = await chrome.tabs.query({ url: ${JSON.stringify(`${session.demo.url}*`)} });
      const [{ result }] = await chrome.scripting.executeScript({
        target: { tabId: tab.id },
        func: (url) => import(url).then(() => 'loaded', (error) => String(error)),
        args: [chrome.runtime.getURL(${JSON.stringify(contentBridgeModule())}) + '?second-copy'],
      });
      return result;
    })()`);
    expect(secondCopy).toBe('loaded');

    const heard = (await bridgeMessages(page)).length;
    expect(await sdkResult(page, 'status')).toMatchObject({ ok: true });
    expect(await readyCount(page)).toBe(readyBefore);
    await expectOneBridgeAnswering(page, heard);
  });
});
