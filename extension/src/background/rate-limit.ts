/** Per-origin request budget over a sliding minute: a page that floods gets RATE_LIMITED, not windows. */
export class OriginRateLimiter {
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly maxPerWindow: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a request; returns how long to wait if it is over the budget (and then it is not counted). */
  take(origin: string): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const now = this.now();
    const times = (this.recent.get(origin) ?? []).filter((t) => now - t < this.windowMs);
    if (times.length >= this.maxPerWindow) {
      this.recent.set(origin, times);
      return { allowed: false, retryAfterMs: this.windowMs - (now - times[0]!) };
    }
    times.push(now);
    this.recent.set(origin, times);
    return { allowed: true };
  }
}
