/**
 * Where PDF and XML documents are prepared, away from the service worker's initial script (which
 * then wakes and parses fast): the code that reads them (pdf-lib, the XML canonicaliser, the
 * certificate reader) is loaded only when a request holds such a document.
 *
 * - Chromium: an offscreen document (documents/offscreen.html) spoken to over a port; it is created
 *   on the first document and closed a while after the last request holding one is over.
 * - Firefox: MV3 has no offscreen API, but its background is an event page: the preparer's module
 *   is imported there on demand.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import {
  DOCUMENTS_PORT,
  FromPreparerSchema,
  documentCallbacks,
  documentOperations,
  type DocumentCallback,
  type DocumentCallbackParams,
  type DocumentOperation,
  type DocumentOperationParams,
  type DocumentOperationResult,
} from '../../../shared/protocol/documents.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import type { DocumentBackend } from '../documents/service.js';
import { PortChannel } from '../documents/channel.js';
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
}

export function documentPreparers(): DocumentPreparers {
  const offscreen = offscreenApi();
  if (offscreen) return new OffscreenPreparer(offscreen);
  let loaded: Promise<DocumentBackend> | undefined;
  return {
    get: () =>
      (loaded ??= import('../documents/service.js').then(({ DocumentService }) => new DocumentService())),
    attach: () => false,
  };
}

type Channel = PortChannel<typeof documentOperations, typeof documentCallbacks>;

class OffscreenPreparer implements DocumentPreparers, DocumentBackend {
  private channel: Channel | undefined;
  private connecting: Promise<Channel> | undefined;
  private waitingPort: ((port: Runtime.Port) => void) | undefined;
  private readonly jobs = new Set<string>();
  private readonly longTerm = new Map<string, LongTermServices>();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly offscreen: OffscreenApi) {}

  get(): Promise<DocumentBackend> {
    return Promise.resolve(this);
  }

  attach(port: Runtime.Port): boolean {
    const page = browser.runtime.getURL(OFFSCREEN_PAGE);
    if (port.name !== DOCUMENTS_PORT || port.sender?.id !== browser.runtime.id || port.sender.url !== page)
      return false;
    const waiting = this.waitingPort;
    this.waitingPort = undefined;
    if (waiting) waiting(port);
    else port.disconnect(); // nobody asked for it (a page left from before the service worker restarted)
    return true;
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
      if (longTerm) this.longTerm.set(job, longTerm);
    }
    const channel = await this.connect();
    return channel.call(operation, params as never);
  }

  release(job: string): void {
    this.jobs.delete(job);
    this.longTerm.delete(job);
    this.channel?.post({ type: 'release', job });
    if (this.jobs.size > 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.jobs.size > 0) return;
      this.channel?.disconnect();
      this.channel = undefined;
      void this.offscreen.closeDocument().catch(() => undefined);
    }, OFFSCREEN_IDLE_MS);
  }

  private connect(): Promise<Channel> {
    if (this.channel?.open) return Promise.resolve(this.channel);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<Channel> {
    // A page left by an earlier service worker has lost its port: start afresh.
    await this.offscreen.closeDocument().catch(() => undefined);
    const connected = new Promise<Runtime.Port>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waitingPort = undefined;
        reject(new KysoError('INTERNAL', 'the document preparer did not start'));
      }, OFFSCREEN_CONNECT_TIMEOUT_MS);
      this.waitingPort = (port) => {
        clearTimeout(timer);
        resolve(port);
      };
    });
    try {
      await this.offscreen.createDocument({
        url: OFFSCREEN_PAGE,
        reasons: ['DOM_PARSER'],
        justification: 'Reads and prepares the PDF and XML documents a portal asks to sign.',
      });
    } catch (error) {
      this.waitingPort = undefined;
      throw new KysoError('INTERNAL', 'could not start the document preparer', {
        reason: String(error).slice(0, 200),
      });
    }
    const port = await connected;
    const channel: Channel = new PortChannel(
      port,
      documentOperations,
      FromPreparerSchema,
      documentCallbacks,
      (name, params) => this.callback(name, params as DocumentCallbackParams<typeof name>),
    );
    this.channel = channel;
    return channel;
  }

  /** The preparer asks, while finishing a job's B-LT/B-LTA PDF, for what the host fetches. */
  private async callback<C extends DocumentCallback>(name: C, params: DocumentCallbackParams<C>) {
    const longTerm = this.longTerm.get(params.job);
    if (!longTerm) throw new KysoError('TSA_NOT_CONFIGURED');
    if (name === 'validation-data') {
      const { certificates, ocsps, crls } = await longTerm.validationData(
        (params as DocumentCallbackParams<'validation-data'>).cms,
      );
      return { certificates, ocsps, crls };
    }
    const digest = (params as DocumentCallbackParams<'document-timestamp'>).digest;
    const token = await longTerm.documentTimestamp(base64ToBytes(digest));
    return { token: bytesToBase64(token) };
  }
}
