/**
 * Signing requests wait in one queue; one consent window is open at a time. The window is an
 * extension page in its own popup: the user sees the origin and the documents, chooses the
 * certificate and types the PIN there. Cancel, closing the window, closing the asking tab, the
 * asking page reloading or leaving, or the timeout all end the request without a signature.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { BENCH_BUILD, benchAutoApproval } from './bench.js';
import type { ConsentJob } from './jobs.js';
import { consentTimeoutMs } from './settings.js';
import { rememberDecision, sitePermission } from './site-permissions.js';
import { ConsentToBackgroundSchema } from '../../../shared/protocol/consent.js';
import type { BackgroundToConsent, ConsentDetails } from './messages.js';
import type { NativeHostClient } from './native-host.js';
import { senderTo } from './window-port.js';

interface ConsentRequest {
  id: string;
  origin: string;
  /** The asking page's tab; none for a local program (WebSocket mode). */
  tabId?: number;
  /** The asking page's connection (see Requester.page), and its id for this request. */
  page?: object;
  pageRequestId?: string;
  viaWebSocket: boolean;
  /** Asked from a private window: the site decision lasts only for the private session. */
  incognito: boolean;
  job: ConsentJob;
  /** Batch progress for the asking page. */
  onProgress?: (done: number, total: number) => void;
  resolve(result: unknown): void;
  reject(error: KysoError): void;
  windowId?: number;
  port?: Runtime.Port;
  timer?: ReturnType<typeof setTimeout>;
  timeoutMs: number;
  /** The site must be allowed first (its first request ever). */
  askSite: boolean;
  signing: boolean;
  settled: boolean;
}

export class ConsentFlow {
  private readonly queue: ConsentRequest[] = [];
  private active: ConsentRequest | undefined;

  constructor(private readonly host: NativeHostClient) {
    // One consent runs at a time, so a token wait the host reports is the active request's.
    host.onStatus = (event) => {
      try {
        this.active?.port?.postMessage({
          type: 'token-waiting',
          reason: event.reason,
        } satisfies BackgroundToConsent);
      } catch {
        // the window is gone; windows.onRemoved ends the request
      }
    };
  }

  /** Resolves with the job's result once the user has consented, or rejects (USER_CANCELLED, TIMEOUT, …). */
  async request(
    origin: string,
    tabId: number | undefined,
    job: ConsentJob,
    options: {
      askSite: boolean;
      viaWebSocket?: boolean;
      incognito?: boolean;
      page?: object;
      pageRequestId?: string;
      onProgress?: (done: number, total: number) => void;
    },
  ): Promise<unknown> {
    const { onProgress, askSite, page, pageRequestId } = options;
    const viaWebSocket = options.viaWebSocket === true;
    if (BENCH_BUILD) {
      const approval = await benchAutoApproval();
      if (approval)
        return job.run(approval.certificateId, approval.pin, onProgress ?? (() => undefined), () => false);
    }
    if (this.queue.length >= LIMITS.maxQueuedSignRequests) {
      throw new KysoError('RATE_LIMITED', undefined, { queued: this.queue.length });
    }
    return new Promise((resolve, reject) => {
      this.queue.push({
        id: crypto.randomUUID(),
        origin,
        tabId,
        page,
        pageRequestId,
        viaWebSocket,
        incognito: options.incognito === true,
        job,
        onProgress,
        resolve,
        reject,
        askSite,
        signing: false,
        settled: false,
        timeoutMs: LIMITS.userInteractionTimeoutMs,
      });
      void this.openNext(); // opens the window when none is active; a failure settles the request (finish)
    });
  }

  /** The consent page connected: show it the request, then the certificates on the tokens. */
  attach(port: Runtime.Port): void {
    let request: ConsentRequest | undefined;
    const send = senderTo<BackgroundToConsent>(port);
    const listCertificates = async () => {
      try {
        const { certificates, skipped } = await this.host.call(
          'list-certificates',
          {},
          LIMITS.tokenOperationTimeoutMs,
        );
        send({ type: 'certificates', certificates, skipped });
      } catch (error) {
        send({ type: 'error', error: toWireError(error) });
      }
    };
    port.onMessage.addListener(async (raw: unknown) => {
      // Even our own page's messages are checked: anything malformed is dropped.
      const parsed = ConsentToBackgroundSchema.safeParse(raw);
      if (!parsed.success) return;
      const message = parsed.data;
      if (message.type === 'hello') {
        if (!this.active || this.active.id !== message.requestId || this.active.port)
          return port.disconnect();
        request = this.active;
        request.port = port;
        send({ type: 'details', details: this.details(request) });
        return listCertificates();
      }
      if (!request || request !== this.active || request.settled) return;
      if (message.type === 'cancel') return this.finish(request, new KysoError('USER_CANCELLED'));
      if (message.type === 'list-certificates' && !request.signing) return listCertificates();
      if (message.type === 'open-document') {
        const { index } = message;
        try {
          return send({ type: 'document-content', index, content: await request.job.content(index) });
        } catch (error) {
          return send({ type: 'document-content-error', index, error: toWireError(error) });
        }
      }
      if (message.type === 'site' && request.askSite) {
        await rememberDecision(request, message.allow ? 'allowed' : 'blocked');
        if (!message.allow)
          return this.finish(
            request,
            new KysoError('ORIGIN_NOT_ALLOWED', undefined, { reason: 'refused by the user' }),
          );
        request.askSite = false;
        return send({ type: 'site-allowed' });
      }
      if (message.type === 'sign' && !request.signing && !request.askSite) {
        const current = request;
        current.signing = true;
        clearTimeout(current.timer);
        send({ type: 'signing' });
        const progress = (done: number, total: number) => {
          send({ type: 'progress', done, total });
          current.onProgress?.(done, total);
        };
        try {
          const result = await current.job.run(
            message.certificateId,
            message.pin,
            progress,
            () => current.settled,
          );
          this.finish(current, undefined, result);
        } catch (error) {
          // The window stays open: a wrong PIN can be typed again, anything else cancelled.
          current.signing = false;
          if (!current.settled) this.startTimer(current);
          send({ type: 'error', error: toWireError(error) });
        }
      }
    });
    port.onDisconnect.addListener(() => {
      if (request && request === this.active && !request.settled)
        this.finish(request, new KysoError('USER_CANCELLED'));
    });
  }

  windowRemoved(windowId: number): void {
    const request = this.active;
    if (request && request.windowId === windowId && !request.settled)
      this.finish(request, new KysoError('USER_CANCELLED'));
  }

  tabRemoved(tabId: number): void {
    this.cancelWhere((request) => request.tabId === tabId);
  }

  /** The asking page reloaded, left or closed (its connection ended): its requests end, its window closes. */
  pageGone(page: object): void {
    this.cancelWhere((request) => request.page === page);
  }

  /** The page stopped waiting for one of its requests (the SDK's timeout): it ends, unsigned. */
  pageCancelled(page: object, pageRequestId: string): void {
    this.cancelWhere(
      (request) => request.page === page && request.pageRequestId === pageRequestId,
      new KysoError('TIMEOUT'),
    );
  }

  private cancelWhere(
    asked: (request: ConsentRequest) => boolean,
    error = new KysoError('USER_CANCELLED'),
  ): void {
    for (const queued of this.queue.filter(asked)) {
      this.queue.splice(this.queue.indexOf(queued), 1);
      queued.reject(error);
    }
    if (this.active && asked(this.active) && !this.active.settled) this.finish(this.active, error);
  }

  private details(request: ConsentRequest): ConsentDetails {
    return {
      requestId: request.id,
      origin: request.origin,
      description: request.job.description,
      documents: request.job.documents,
      ...(request.job.lang && { lang: request.job.lang }),
      ...(request.job.certificateSerial && { certificateSerial: request.job.certificateSerial }),
      askSite: request.askSite,
      ...(request.viaWebSocket && { viaWebSocket: true }),
    };
  }

  /** The user's time to decide; it stops while signing runs and starts afresh if the window stays open after an error. */
  private startTimer(request: ConsentRequest): void {
    clearTimeout(request.timer);
    request.timer = setTimeout(
      () => this.finish(request, new KysoError('TIMEOUT', undefined, { afterMs: request.timeoutMs })),
      request.timeoutMs,
    );
  }

  private async openNext(): Promise<void> {
    if (this.active || this.queue.length === 0) return;
    const request = this.queue.shift()!;
    this.active = request;
    // The site's permission may have changed since this was queued (answered in an earlier window,
    // revoked or refused in the options page, set by policy): the window follows it as it is now.
    const { permission, managed } = await sitePermission(request);
    if (permission === 'blocked')
      return this.finish(
        request,
        new KysoError('ORIGIN_NOT_ALLOWED', undefined, {
          reason: managed ? 'policy' : 'blocked by the user',
        }),
      );
    request.askSite = permission === 'ask';
    request.timeoutMs = await consentTimeoutMs();
    this.startTimer(request);
    try {
      const window = await browser.windows.create({
        url: browser.runtime.getURL(`src/consent/consent.html?request=${encodeURIComponent(request.id)}`),
        type: 'popup',
        width: 480,
        height: 720,
        focused: true,
      });
      request.windowId = window.id;
      if (request.settled && window.id !== undefined)
        await browser.windows.remove(window.id).catch(() => undefined);
    } catch (error) {
      this.finish(
        request,
        new KysoError('INTERNAL', 'could not open the consent window', {
          reason: String(error).slice(0, 200),
        }),
      );
    }
  }

  private finish(request: ConsentRequest, error: KysoError | undefined, result?: unknown): void {
    if (request.settled) return;
    request.settled = true;
    clearTimeout(request.timer);
    if (error) request.reject(error);
    else request.resolve(result);
    // The answer is already given: the window closes (or is gone already) and the next request opens on its own.
    if (request.windowId !== undefined) void browser.windows.remove(request.windowId).catch(() => undefined);
    if (this.active === request) {
      this.active = undefined;
      void this.openNext();
    }
  }
}
