/**
 * One queue per token: every operation that logs in (a signature, a batch) holds the token alone,
 * first in this process (FIFO, bounded), then across the user's kyso processes (TokenLocks). A
 * request that cannot run waits, each with its own deadline, and is told why; past the deadline or
 * past the queue's bound it gets BUSY with a retry hint — never someone else's session.
 */
import { KysoError } from '../../../shared/protocol/errors.js';
import type { TokenLocks } from './token-lock.js';

/** Why a request is waiting: another request of this process, or another program (browser, CLI). */
export type WaitReason = 'other-request' | 'other-program';

export interface LeaseOptions {
  /** How long this request may wait for the token. */
  waitMs: number;
  /** Told once per reason when the request has to wait (the consent window shows it). */
  onWaiting?: (reason: WaitReason) => void;
}

export interface TokenLease {
  readonly serial: string;
  /** Gives the token to the next request (and other programs); idempotent. */
  release(): void;
}

export interface TokenQueueOptions {
  /** Shared with the user's other kyso processes; without it the queue is per process only. */
  locks?: TokenLocks;
  /** Requests waiting per token beyond which new ones get BUSY at once. */
  maxWaiting: number;
  /** How often a lock held by another program is looked at again. */
  pollMs?: number;
  /**
   * While a worker this process gave up on (a call past its timeout) may still be inside the
   * driver: a promise that settles once it has exited. A lease ends only then — else another
   * program would log in to the token beside it. Undefined when there is none (the usual case).
   */
  workersGone?: () => Promise<void> | undefined;
  /**
   * Whether such a worker was given up on (alive long past its kill: stuck in the driver for
   * good). A token whose lease waits for it is then reported as not answering, at once, instead
   * of as busy after the whole wait: only unplugging it (or a restart) will free it.
   */
  notAnswering?: () => boolean;
}

interface Waiter {
  grant(): void;
}

interface TokenState {
  held: boolean;
  waiters: Waiter[];
  /** Released by its holder, and handed on once the worker that used it has exited (workersGone). */
  windingDown?: boolean;
}

/** Waiters wake when the lock file changes (inotify and the like); this is only the fallback. */
const DEFAULT_POLL_MS = 50;
/** How long a hand-over waits for a waiting program to take the lock (it wakes on the change). */
const YIELD_MS = 20;

export class TokenQueue {
  private readonly tokens = new Map<string, TokenState>();

  constructor(private readonly options: TokenQueueOptions) {}

  private state(serial: string): TokenState {
    let state = this.tokens.get(serial);
    if (!state) this.tokens.set(serial, (state = { held: false, waiters: [] }));
    return state;
  }

  /** True while a request of this process holds the token. */
  isHeld(serial: string): boolean {
    return this.tokens.get(serial)?.held === true;
  }

  /** Runs `work` with the token to itself. */
  async exclusive<T>(
    serial: string,
    options: LeaseOptions,
    work: (lease: TokenLease) => Promise<T>,
  ): Promise<T> {
    const lease = await this.acquire(serial, options);
    try {
      return await work(lease);
    } finally {
      lease.release();
    }
  }

  /** The token for one consented operation; the caller releases it (a batch holds it across calls). */
  async acquire(serial: string, options: LeaseOptions): Promise<TokenLease> {
    const deadline = Date.now() + options.waitMs;
    const notified = new Set<WaitReason>();
    const waitingFor = (reason: WaitReason) => {
      if (notified.has(reason)) return;
      notified.add(reason);
      options.onWaiting?.(reason);
    };
    const handedOver = await this.takeTurn(serial, deadline, () => waitingFor('other-request'));
    try {
      const releaseLock = await this.lockAcrossProcesses(serial, deadline, handedOver, () =>
        waitingFor('other-program'),
      );
      let released = false;
      const handOn = () => {
        this.state(serial).windingDown = false;
        try {
          releaseLock();
        } finally {
          this.passOn(serial);
        }
      };
      return {
        serial,
        release: () => {
          if (released) return;
          released = true;
          const gone = this.options.workersGone?.();
          // Whether the wait for the worker ends well or not, the token is handed on (never left held).
          if (gone) {
            this.state(serial).windingDown = true;
            void gone.then(handOn, handOn);
          } else handOn();
        },
      };
    } catch (error) {
      this.passOn(serial);
      throw error;
    }
  }

  /**
   * This process's turn: now if the token is free, else in order, until the deadline. True when
   * the turn was handed over by a request of this process that just finished.
   */
  private takeTurn(serial: string, deadline: number, onWait: () => void): Promise<boolean> {
    const state = this.state(serial);
    if (!state.held && state.waiters.length === 0) {
      state.held = true;
      return Promise.resolve(false);
    }
    if (this.stuck(state)) return Promise.reject(notAnswering());
    if (state.waiters.length >= this.options.maxWaiting) {
      return Promise.reject(busy('too many requests waiting for this token', 1000));
    }
    onWait();
    return new Promise<boolean>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(
        () => {
          const index = state.waiters.indexOf(waiter);
          if (index >= 0) state.waiters.splice(index, 1);
          reject(this.stuck(state) ? notAnswering() : busy('the token is in use by another request', 1000));
        },
        Math.max(0, deadline - Date.now()),
      );
      state.waiters.push(waiter);
    });
  }

  /** Whether the token waits for a worker given up on (see TokenQueueOptions.notAnswering). */
  private stuck(state: TokenState): boolean {
    return state.windingDown === true && this.options.notAnswering?.() === true;
  }

  private passOn(serial: string): void {
    const state = this.state(serial);
    const next = state.waiters.shift();
    if (next)
      next.grant(); // stays held: the turn goes straight to the next request
    else {
      state.held = false;
      this.tokens.delete(serial);
    }
  }

  /**
   * The lock shared with the user's other kyso processes, tried again at each change of the lock
   * folder until the deadline. A process
   * with many requests queued would otherwise take the lock back at once each time: when another
   * program is waiting for it, a handed-over turn first leaves it a moment to take it.
   */
  private async lockAcrossProcesses(
    serial: string,
    deadline: number,
    handedOver: boolean,
    onWait: () => void,
  ): Promise<() => void> {
    const locks = this.options.locks;
    if (!locks) return () => undefined;
    const pollMs = this.options.pollMs ?? DEFAULT_POLL_MS;
    if (handedOver && locks.othersWaiting(serial)) {
      // until the other program has it (then we wait our turn as usual), YIELD_MS at most
      const until = Date.now() + YIELD_MS;
      while (Date.now() < until && !locks.isTaken(serial)) await locks.changed(serial, until - Date.now());
    }
    let unmark: (() => void) | undefined;
    try {
      for (;;) {
        const attempt = locks.tryAcquire(serial);
        if (attempt.acquired) return () => attempt.release();
        onWait();
        unmark ??= locks.markWaiting(serial);
        const left = deadline - Date.now();
        if (left <= 0) throw busy('the token is in use by another program', 1000, 'other-program');
        await locks.changed(serial, Math.min(left, pollMs));
      }
    } finally {
      unmark?.();
    }
  }
}

function notAnswering(): KysoError {
  return new KysoError('TOKEN_NOT_RESPONDING', 'a driver call on this token never returned', {
    reason: 'worker given up on',
  });
}

function busy(message: string, retryAfterMs: number, reason: WaitReason = 'other-request'): KysoError {
  return new KysoError('BUSY', message, { retryAfterMs, reason });
}
