/**
 * Requests that a loopback endpoint of the host (WebSocket mode, the Viettel-CA listener) passes to
 * the extension, waiting for its answer: each is settled once — by the extension's answer, by the
 * timeout (the longest consent the user may allow, and then some), or when the endpoint closes.
 */
import { randomUUID } from 'node:crypto';
import { LIMITS } from '../../shared/protocol/limits.js';

const ANSWER_TIMEOUT_MS = LIMITS.maxUserInteractionTimeoutMs + 60_000;

export class ExtensionAnswers<T> {
  private readonly waiting = new Map<string, { resolve(value: T): void; timer: NodeJS.Timeout }>();

  /** `timedOut`: the answer when the extension did not give one in time. */
  constructor(private readonly timedOut: () => T) {}

  /** How many requests wait now. */
  get size(): number {
    return this.waiting.size;
  }

  /** Sends a new request with `send(requestId)`; the answer, or `unsent(error)` when sending throws. */
  ask(send: (requestId: string) => void, unsent: (error: unknown) => T): Promise<T> {
    const requestId = randomUUID();
    return new Promise<T>((resolve) => {
      const timer = setTimeout(() => this.answer(requestId, this.timedOut()), ANSWER_TIMEOUT_MS);
      this.waiting.set(requestId, { resolve, timer });
      try {
        send(requestId);
      } catch (error) {
        this.answer(requestId, unsent(error));
      }
    });
  }

  /** The extension's answer to one request; false when nothing waits for it (answered, timed out). */
  answer(requestId: string, value: T): boolean {
    const waiting = this.waiting.get(requestId);
    if (!waiting) return false;
    this.waiting.delete(requestId);
    clearTimeout(waiting.timer);
    waiting.resolve(value);
    return true;
  }

  /** Whether request `requestId` still waits for its answer. */
  waits(requestId: string): boolean {
    return this.waiting.has(requestId);
  }

  /** The ids of the requests waiting now. */
  ids(): string[] {
    return [...this.waiting.keys()];
  }

  /** Settles every waiting request with `value()` (the endpoint is closing). */
  settleAll(value: () => T): void {
    for (const requestId of [...this.waiting.keys()]) this.answer(requestId, value());
  }
}
