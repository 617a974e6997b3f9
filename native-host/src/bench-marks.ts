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

/** Notes an instant of the request in flight, now (a no-op without the flag). */
export function benchMark(name: string): void {
  if (BENCH_MARKS_ENABLED) current.push([name, epochNow()]); // no clock read without the flag
}

/**
 * Notes when this process started. Only with the flag: the first read of `performance` loads
 * Node's perf_hooks modules (~0.5 MiB resident in a process that never needed them).
 */
export function benchMarkProcessStart(name: string): void {
  if (BENCH_MARKS_ENABLED) current.push([name, performance.timeOrigin]);
}

/** Milliseconds since `start` (a `process.hrtime.bigint()`), for log lines: no perf_hooks needed. */
export const elapsedMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

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
