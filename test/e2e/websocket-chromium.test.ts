/**
 * The optional local WebSocket mode end to end: a desktop program (here a Node `ws` client) asks
 * kyso over ws://127.0.0.1 for a signature; the user consents in kyso's window in Chromium, which
 * says a local program asks; the host signs with SoftHSM. Off until turned on; other origins refused.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import WebSocket from 'ws';
import { askWebSocket, connectWebSocket, freePort } from '../support/websocket-client.js';
import {
  clickClosingWindow,
  consentWindowAfter,
  consentWindowOpen,
  extensionServiceWorker,
} from '../support/browser.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { startPortalSession, type PortalSession } from '../support/portal-session.js';
import { signInConsent } from '../support/consent.js';
import { LIMITS } from '../../shared/protocol/limits.js';

describe('local WebSocket mode in Chromium', () => {
  let session: PortalSession;
  let url: string;
  let port: number;
  const setMode = async (setting: object | undefined) => {
    const worker = await extensionServiceWorker(session.browser);
    await worker.evaluate(
      (setting) =>
        setting
          ? (globalThis as any).chrome.storage.local.set({ websocket: setting })
          : (globalThis as any).chrome.storage.local.remove('websocket'),
      setting as never,
    );
  };

  beforeAll(async () => {
    session = await startPortalSession();
    port = await freePort();
    url = `ws://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await session?.close();
  });

  /** Sends a request over the socket: the consent window it opens, and the answer to come. */
  async function windowForRequest(
    socket: WebSocket,
    request: Parameters<typeof askWebSocket>[1],
  ): Promise<[Page, Promise<any>]> {
    let answer!: Promise<any>;
    const consent = await consentWindowAfter(session.browser, async () => {
      answer = askWebSocket(socket, request);
    });
    return [consent, answer];
  }

  /** What a listed program gets when it connects now: an open socket (closed again) or the refusal. */
  const listedProgramConnects = async () => {
    const socket = await connectWebSocket(url, 'app://ke-toan');
    if (!(socket instanceof WebSocket)) return socket;
    socket.close();
    return 'open';
  };

  it('is off by default; once on, a listed program signs after the user consents in kyso’s window', async () => {
    await extensionServiceWorker(session.browser); // the extension is running
    expect(await connectWebSocket(url, 'app://ke-toan')).toBe('refused');
    await setMode({ enabled: true, port, allowedOrigins: ['app://ke-toan'] });
    await expect.poll(listedProgramConnects, { timeout: 20_000 }).toBe('open');
    expect(await connectWebSocket(url, 'https://evil.example')).toBe(403);

    const socket = (await connectWebSocket(url, 'app://ke-toan')) as WebSocket;
    const content = Buffer.from('Chứng từ ghi sổ số 15 — phần mềm kế toán\n');
    const [consent, answer] = await windowForRequest(socket, {
      id: 'c1',
      type: 'sign-cms',
      params: {
        digest: createHash('sha256').update(content).digest('base64'),
        digestAlgorithm: 'SHA-256',
        description: 'Chứng từ ghi sổ số 15',
      },
    });
    expect(await consent.$eval('#origin', (el) => el.textContent)).toBe('app://ke-toan');
    expect(await consent.$eval('#origin-via', (el) => el.textContent)).not.toBe('');
    expect(await consent.$eval('#description', (el) => el.textContent)).toBe('Chứng từ ghi sổ số 15');
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const signed = await answer;
    expect(signed.ok, JSON.stringify(signed)).toBe(true);
    expect(
      opensslCmsVerify({
        cms: Buffer.from(signed.result.cms, 'base64'),
        content,
        caFile: session.token.caPem,
      }).ok,
    ).toBe(true);

    // Cancelled in the window: the program gets USER_CANCELLED and no signature.
    const [second, cancelled] = await windowForRequest(socket, {
      id: 'c2',
      type: 'sign-raw',
      params: {
        digest: Buffer.alloc(32, 1).toString('base64'),
        digestAlgorithm: 'SHA-256',
        description: 'Không ký',
      },
    });
    await clickClosingWindow(second, '#cancel');
    expect(await cancelled).toMatchObject({ id: 'c2', ok: false, error: { code: 'USER_CANCELLED' } });
    socket.close();
  });

  it('a program that goes away while its consent window is open: the window closes unsigned, and the next program is asked', async () => {
    const leaving = (await connectWebSocket(url, 'app://ke-toan')) as WebSocket;
    const [consent] = await windowForRequest(leaving, {
      id: 'g1',
      type: 'sign-cms',
      params: {
        digest: Buffer.alloc(32, 2).toString('base64'),
        digestAlgorithm: 'SHA-256',
        description: 'Chứng từ của chương trình đã đóng',
      },
    });
    expect(await consent.$eval('#description', (el) => el.textContent)).toBe(
      'Chứng từ của chương trình đã đóng',
    );
    leaving.close(); // the accounting program was closed (or crashed)
    expect(await consentWindowOpen(session.browser, 10_000)).toBe(false);

    // The next program's request gets its own window, and signs.
    const socket = (await connectWebSocket(url, 'app://ke-toan')) as WebSocket;
    const content = Buffer.from('Phiếu chi số 16\n');
    const [next, answer] = await windowForRequest(socket, {
      id: 'g2',
      type: 'sign-cms',
      params: {
        digest: createHash('sha256').update(content).digest('base64'),
        digestAlgorithm: 'SHA-256',
        description: 'Phiếu chi số 16',
      },
    });
    expect(await next.$eval('#description', (el) => el.textContent)).toBe('Phiếu chi số 16');
    await signInConsent(next, '01', session.token.pin);
    await clickClosingWindow(next, '#sign');
    const signed = await answer;
    expect(signed.ok, JSON.stringify(signed)).toBe(true);
    expect(
      opensslCmsVerify({
        cms: Buffer.from(signed.result.cms, 'base64'),
        content,
        caFile: session.token.caPem,
      }).ok,
    ).toBe(true);
    socket.close();
  });

  it('a batch whose answer is larger than one frame to the host: every CMS reaches the program', async () => {
    const socket = (await connectWebSocket(url, 'app://ke-toan')) as WebSocket;
    // 60 CMS of a few KB each: far over the 64 KiB a frame to the host may carry.
    const contents = Array.from({ length: 60 }, (_, i) => Buffer.from(`Chứng từ số ${i + 1}\n`));
    const [consent, answer] = await windowForRequest(socket, {
      id: 'b1',
      type: 'sign-many',
      params: {
        description: '60 chứng từ tháng 11/2026',
        documents: contents.map((content, i) => ({
          kind: 'cms',
          name: `chung-tu-${i + 1}.xml`,
          digest: createHash('sha256').update(content).digest('base64'),
          digestAlgorithm: 'SHA-256',
        })),
      },
    });
    await signInConsent(consent, '01', session.token.pin);
    await clickClosingWindow(consent, '#sign');
    const signed = await answer;
    expect(signed.ok, JSON.stringify(signed).slice(0, 500)).toBe(true);
    expect(JSON.stringify(signed).length).toBeGreaterThan(LIMITS.maxFrameToHostBytes);
    expect(signed.result.results).toHaveLength(contents.length);
    for (const i of [0, contents.length - 1])
      expect(
        opensslCmsVerify({
          cms: Buffer.from(signed.result.results[i].cms, 'base64'),
          content: contents[i]!,
          caFile: session.token.caPem,
        }).ok,
        `document ${i}`,
      ).toBe(true);
    socket.close();
  });

  it('turned off again, the listener stops', async () => {
    await setMode({ enabled: false, port, allowedOrigins: ['app://ke-toan'] });
    await expect.poll(listedProgramConnects, { timeout: 20_000 }).toBe('refused');
    await setMode(undefined);
  });
});
