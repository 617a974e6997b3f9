/**
 * Where one request's time goes, for `bench/` only: with KYSO_BENCH_MARKS=1 the host (and its
 * PKCS#11 worker) note named instants and the host writes them to stderr, one line per request —
 * never into an answer, and nothing at all without the flag. Instants are epoch milliseconds
 * (timeOrigin + now) so the worker's, the host's and the browser's line up on one clock.
 * Requests are assumed to run one at a time while measuring (the bench sends them so).
 */
export const BENCH_MARKS_ENABLED = process.env.KYSO_BENCH_MARKS === '1';

export type BenchMark = [name: string, epochMs: number];

let current: BenchMark[] = [];

export const epochNow = (): number => performance.timeOrigin + performance.now();

/** Notes an instant of the request in flight, now or at `epochMs` (a no-op without the flag). */
export function benchMark(name: string, epochMs?: number): void {
  if (BENCH_MARKS_ENABLED) current.push([name, epochMs ?? epochNow()]); // no clock read without the flag
}

/** Instants measured elsewhere (the worker's), added to the request in flight. */
export function addBenchMarks(marks: readonly BenchMark[] | undefined): void {
  if (BENCH_MARKS_ENABLED && marks) current.push(...marks);
}

/** Starts a request's list, returning the previous one's. */
export function takeBenchMarks(): BenchMark[] {
  const taken = current;
  current = [];
  return taken;
}

/** The line bench/ reads from the host's stderr. */
export const BENCH_MARKS_PREFIX = 'kyso-bench-marks ';
