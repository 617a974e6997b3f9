/**
 * kyso's own small window for what the plugins did in their own dialogs: "share my certificate with
 * this site" (the certificate goes to the page only when the user picks one and agrees) and "choose
 * a local file to sign" (FileName ""). One prompt at a time; closing the window cancels.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import type { CertificateEntry } from '../../../shared/protocol/common.js';
import type { HostResult } from '../../../shared/protocol/host.js';
import {
  PromptToBackgroundSchema,
  type BackgroundToPrompt,
  type PromptMode,
} from '../../../shared/protocol/consent.js';
import { KysoError, toWireError, type Language } from '../../../shared/protocol/errors.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import { senderTo } from '../background/window-port.js';

export const PLUGIN_PROMPT_PORT = 'kyso-plugin-prompt';

export type PromptAnswer = { certificate: string } | { file: { name: string; data: string } };

interface Prompt {
  id: string;
  mode: PromptMode;
  origin: string;
  /** The page's language when it gave one; else the window follows the browser's. */
  lang: Language | undefined;
  resolve(answer: PromptAnswer): void;
  reject(error: KysoError): void;
  windowId?: number;
  certificates?: CertificateEntry[];
  settled: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

export class PromptFlow {
  private active: Prompt | undefined;

  constructor(private readonly listCertificates: () => Promise<HostResult<'list-certificates'>>) {}

  ask(mode: PromptMode, origin: string, lang: Language | undefined): Promise<PromptAnswer> {
    if (this.active) return Promise.reject(new KysoError('BUSY'));
    return new Promise((resolve, reject) => {
      const prompt: Prompt = { id: crypto.randomUUID(), mode, origin, lang, resolve, reject, settled: false };
      this.active = prompt;
      prompt.timer = setTimeout(
        () => this.finish(prompt, new KysoError('TIMEOUT')),
        LIMITS.userInteractionTimeoutMs,
      );
      // Opening the window is not waited for: the prompt settles on the user's answer, its timeout or a failed open.
      void browser.windows
        .create({
          url: browser.runtime.getURL(`src/plugins/prompt.html?prompt=${encodeURIComponent(prompt.id)}`),
          type: 'popup',
          width: 480,
          height: 560,
          focused: true,
        })
        .then((window) => {
          prompt.windowId = window.id;
          if (prompt.settled && window.id !== undefined)
            void browser.windows.remove(window.id).catch(() => undefined);
        })
        .catch(() => this.finish(prompt, new KysoError('INTERNAL', 'could not open the window')));
    });
  }

  attach(port: Runtime.Port): void {
    let prompt: Prompt | undefined;
    const send = senderTo<BackgroundToPrompt>(port);
    port.onMessage.addListener(async (raw: unknown) => {
      // Even our own window's messages are checked: anything malformed is dropped.
      const parsed = PromptToBackgroundSchema.safeParse(raw);
      if (!parsed.success) return;
      const message = parsed.data;
      if (message.type === 'hello') {
        if (!this.active || this.active.id !== message.promptId) return port.disconnect();
        prompt = this.active;
        send({
          type: 'details',
          mode: prompt.mode,
          origin: prompt.origin,
          ...(prompt.lang && { lang: prompt.lang }),
        });
        if (prompt.mode === 'share-certificate') {
          try {
            const { certificates, skipped } = await this.listCertificates();
            prompt.certificates = certificates;
            send({ type: 'certificates', certificates, skipped });
          } catch (error) {
            send({ type: 'error', error: toWireError(error) });
          }
        }
        return;
      }
      if (!prompt || prompt !== this.active || prompt.settled) return;
      if (message.type === 'cancel') return this.finish(prompt, new KysoError('USER_CANCELLED'));
      if (message.type === 'share' && prompt.mode === 'share-certificate') {
        const chosen = prompt.certificates?.find((c) => c.id === message.certificateId);
        // The prompt (prompt.ts) offers only certificates that can sign. Not judged again here: the
        // certificate reader stays out of the service worker (test/integration/extension-service-worker-bundle),
        // and signing with one that cannot is refused in the consent window anyway.
        if (chosen) this.finish(prompt, undefined, { certificate: chosen.certificate });
        return;
      }
      if (message.type === 'file' && prompt.mode === 'pick-file')
        this.finish(prompt, undefined, { file: { name: message.name, data: message.data } });
    });
    port.onDisconnect.addListener(() => {
      if (prompt && prompt === this.active && !prompt.settled)
        this.finish(prompt, new KysoError('USER_CANCELLED'));
    });
  }

  windowRemoved(windowId: number): void {
    if (this.active && this.active.windowId === windowId)
      this.finish(this.active, new KysoError('USER_CANCELLED'));
  }

  private finish(prompt: Prompt, error: KysoError | undefined, answer?: PromptAnswer): void {
    if (prompt.settled) return;
    prompt.settled = true;
    clearTimeout(prompt.timer);
    if (this.active === prompt) this.active = undefined;
    // The answer is already given: the window closes (or is gone already).
    if (prompt.windowId !== undefined) void browser.windows.remove(prompt.windowId).catch(() => undefined);
    if (error) prompt.reject(error);
    else prompt.resolve(answer!);
  }
}
