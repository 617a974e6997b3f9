/**
 * Where PDF and XML documents are prepared, away from the service worker's initial script (which
 * then wakes and parses fast): the code that reads them (pdf-lib, the XML canonicaliser, the
 * certificate reader) is loaded only when a request holds such a document.
 *
 * - Chromium: an offscreen document (documents/offscreen.html) spoken to over a MessagePort it hands
 *   the service worker, with its runtime port beside as the lifeline (documents/channel.ts); it is
 *   created on the first document and closed a while after the last request holding one is over.
 * - Firefox: MV3 has no offscreen API, but its background is an event page: the preparer's module
 *   is imported there on demand.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import {
  DOCUMENTS_PORT,
  DocumentsHandoverSchema,
  type DocumentOperation,
  type DocumentOperationParams,
  type DocumentOperationResult,
} from '../../../shared/protocol/documents.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import { messagePortLink, type MessageLink } from '../documents/channel.js';
import { PreparerPort } from '../documents/preparer-port.js';
import type { DocumentBackend } from '../documents/service.js';
import type { LongTermServices } from './documents.js';

export type { DocumentBackend };

export const OFFSCREEN_PAGE = 'src/documents/offscreen.html';
/** How long the offscreen document stays after the last request holding a document (the next one finds it ready). */
const OFFSCREEN_IDLE_MS = 30_000;
/** Its page connecting back after creation. */
const OFFSCREEN_CONNECT_TIMEOUT_MS = 10_000;

/** The part of chrome.offscreen kyso uses (webextension-polyfill does not describe it). */
interface OffscreenApi {
  createDocument(options: { url: string; reasons: string[]; justification: string }): Promise<void>;
  closeDocument(): Promise<void>;
}

function offscreenApi(): OffscreenApi | undefined {
  const chrome = (globalThis as { chrome?: { offscreen?: OffscreenApi } }).chrome;
  return typeof chrome?.offscreen?.createDocument === 'function' ? chrome.offscreen : undefined;
}

export interface DocumentPreparers {
  /** The preparer, loaded or created on first use. */
  get(): Promise<DocumentBackend>;
  /** A runtime port from the offscreen document; false when the port is not ours to take. */
  attach(port: Runtime.Port): boolean;
  /** A message to the service worker: the offscreen document's MessagePort; false when it is not that. */
  attachMessagePort(event: MessageEvent): boolean;
}

export function documentPreparers(): DocumentPreparers {
  const offscreen = offscreenApi();
  if (offscreen) return new OffscreenPreparer(offscreen);
  let loaded: Promise<DocumentBackend> | undefined;
  return {
    get: () =>
      (loaded ??= import('../documents/service.js').then(({ DocumentService }) => new DocumentService())),
    attach: () => false,
    attachMessagePort: () => false,
  };
}

class OffscreenPreparer implements DocumentPreparers, DocumentBackend {
  private preparer: PreparerPort | undefined;
  private connecting: Promise<PreparerPort> | undefined;
  /** The offscreen document being opened: its runtime port and its MessagePort, as each arrives. */
  private waiting:
    { lifeline?: Runtime.Port; messagePort?: MessagePort; done(link: MessageLink): void } | undefined;
  private readonly jobs = new Set<string>();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly offscreen: OffscreenApi) {}

  get(): Promise<DocumentBackend> {
    return Promise.resolve(this);
  }

  attach(port: Runtime.Port): boolean {
    if (
      port.name !== DOCUMENTS_PORT ||
      port.sender?.id !== browser.runtime.id ||
      port.sender.url !== this.page
    )
      return false;
    if (this.waiting && !this.waiting.lifeline) {
      this.waiting.lifeline = port;
      this.joinWaiting();
    } else port.disconnect(); // nobody asked for it (a page left from before the service worker restarted)
    return true;
  }

  attachMessagePort(event: MessageEvent): boolean {
    const [messagePort] = event.ports;
    const source = (event.source as { url?: unknown } | null)?.url;
    if (source !== this.page || !DocumentsHandoverSchema.safeParse(event.data).success || !messagePort)
      return false;
    if (this.waiting && !this.waiting.messagePort) {
      this.waiting.messagePort = messagePort;
      this.joinWaiting();
    } else messagePort.close();
    return true;
  }

  private get page(): string {
    return browser.runtime.getURL(OFFSCREEN_PAGE);
  }

  /** Both ends of the page being opened have arrived: the calls go over its MessagePort. */
  private joinWaiting(): void {
    const waiting = this.waiting;
    if (!waiting?.lifeline || !waiting.messagePort) return;
    this.waiting = undefined;
    waiting.done(messagePortLink(waiting.messagePort, waiting.lifeline));
  }

  async run<O extends DocumentOperation>(
    operation: O,
    params: DocumentOperationParams<O>,
    longTerm?: LongTermServices,
  ): Promise<DocumentOperationResult<O>> {
    const job = (params as { job?: string }).job;
    if (job !== undefined) {
      this.jobs.add(job);
      clearTimeout(this.idleTimer);
    }
    return (await this.connect()).run(operation, params, longTerm);
  }

  release(job: string): void {
    this.jobs.delete(job);
    this.preparer?.release(job);
    if (this.jobs.size > 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.jobs.size > 0) return;
      this.preparer?.disconnect();
      this.preparer = undefined;
      void this.offscreen.closeDocument().catch(() => undefined);
    }, OFFSCREEN_IDLE_MS);
  }

  private connect(): Promise<PreparerPort> {
    if (this.preparer?.open) return Promise.resolve(this.preparer);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<PreparerPort> {
    // A page left by an earlier service worker has lost its port: start afresh.
    await this.offscreen.closeDocument().catch(() => undefined);
    const connected = new Promise<MessageLink>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new KysoError('INTERNAL', 'the document preparer did not start'));
      }, OFFSCREEN_CONNECT_TIMEOUT_MS);
      this.waiting = {
        done: (link) => {
          clearTimeout(timer);
          resolve(link);
        },
      };
    });
    try {
      await this.offscreen.createDocument({
        url: OFFSCREEN_PAGE,
        reasons: ['DOM_PARSER'],
        justification: 'Reads and prepares the PDF and XML documents a portal asks to sign.',
      });
    } catch (error) {
      this.waiting = undefined;
      throw new KysoError('INTERNAL', 'could not start the document preparer', {
        reason: String(error).slice(0, 200),
      });
    }
    this.preparer = new PreparerPort(await connected);
    return this.preparer;
  }
}
