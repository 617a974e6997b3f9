/**
 * Calls over a runtime port between the background and the document preparer, in both directions:
 * every message is parsed against its schema (shared/protocol/documents.ts) on arrival, the params of
 * a call against that call's schema before it runs, and an answer against the result schema of the
 * call it answers. Anything else is dropped.
 */
import type { Runtime } from 'webextension-polyfill';
import type { z } from 'zod';
import { KysoError, toWireError } from '../../../shared/protocol/errors.js';
import type { FromPreparer, ToPreparer } from '../../../shared/protocol/documents.js';
import { parseOrBadRequest } from '../../../shared/protocol/validate.js';

/**
 * What PortChannel's messages travel over: a runtime port (JSON), or a MessagePort (messagePortLink).
 * onDisconnect, as a runtime port's: the other side went away.
 */
export interface MessageLink {
  postMessage(message: unknown): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
  disconnect(): void;
}

/**
 * A MessagePort (structured clone: a 16 MiB PDF crosses in ~0.4 s where a runtime port's JSON takes
 * ~1.4 s; bench/README.md), with the runtime port it was handed beside as its lifeline: a MessagePort
 * does not tell when the other side is gone, a runtime port does.
 */
export function messagePortLink(messagePort: MessagePort, lifeline: Runtime.Port): MessageLink {
  return {
    postMessage: (message) => messagePort.postMessage(message),
    onMessage: {
      addListener(listener) {
        messagePort.addEventListener('message', (event) => listener(event.data));
        messagePort.start();
      },
    },
    onDisconnect: { addListener: (listener) => lifeline.onDisconnect.addListener(() => listener()) },
    disconnect() {
      messagePort.close();
      lifeline.disconnect();
    },
  };
}

interface Operation {
  params: z.ZodType;
  result: z.ZodType;
}
type Message = ToPreparer | FromPreparer;
type Call = Extract<Message, { type: 'call' }>;

export class PortChannel<
  Outgoing extends Record<string, Operation>,
  Incoming extends Record<string, Operation>,
> {
  private readonly pending = new Map<
    number,
    { resolve(result: unknown): void; reject(error: KysoError): void; result: z.ZodType }
  >();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly port: MessageLink,
    private readonly outgoing: Outgoing,
    messageSchema: z.ZodType<Message>,
    private readonly incoming: Incoming,
    private readonly serve: (name: keyof Incoming & string, params: unknown) => Promise<unknown>,
    onOther: (message: Exclude<Message, { type: 'call' | 'answer' }>) => void = () => undefined,
  ) {
    port.onMessage.addListener((raw: unknown) => {
      const parsed = messageSchema.safeParse(raw);
      if (!parsed.success) return;
      const message = parsed.data;
      if (message.type === 'answer') return this.answered(message);
      if (message.type === 'call') return void this.answer(message);
      onOther(message);
    });
    port.onDisconnect.addListener(() => this.close());
  }

  call<N extends keyof Outgoing & string>(
    name: N,
    params: z.input<Outgoing[N]['params']>,
  ): Promise<z.output<Outgoing[N]['result']>> {
    const operation = this.outgoing[name]!;
    const checked = parseOrBadRequest(operation.params, params, name);
    if (this.closed) return Promise.reject(stopped());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, result: operation.result });
      this.post({ type: 'call', id, name, params: checked } as Message);
    });
  }

  post(message: Message): void {
    try {
      this.port.postMessage(message);
    } catch {
      this.close();
    }
  }

  get open(): boolean {
    return !this.closed;
  }

  disconnect(): void {
    this.port.disconnect();
    this.close();
  }

  private answered(message: Extract<Message, { type: 'answer' }>): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (!message.ok) return pending.reject(KysoError.fromWire(message.error));
    const result = pending.result.safeParse(message.result);
    if (result.success) pending.resolve(result.data);
    else pending.reject(new KysoError('INTERNAL', 'unexpected answer from the document preparer'));
  }

  private async answer(message: Call): Promise<void> {
    const operation = this.incoming[message.name];
    if (!operation) return;
    try {
      const params = parseOrBadRequest(operation.params, message.params, message.name);
      const result = await this.serve(message.name, params);
      this.post({ type: 'answer', id: message.id, ok: true, result });
    } catch (error) {
      this.post({ type: 'answer', id: message.id, ok: false, error: toWireError(error) });
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.pending.values()) pending.reject(stopped());
    this.pending.clear();
  }
}

const stopped = () => new KysoError('INTERNAL', 'the document preparer stopped');
