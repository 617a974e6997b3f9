/**
 * Benchmarks only (dist/extension-bench): consent auto-approved with a stored certificate and PIN,
 * so page → signature can be timed without a person. __KYSO_BENCH__ is false in every other build,
 * which removes this code from it entirely.
 */
import { readLocal } from './local-store.js';

declare const __KYSO_BENCH__: boolean;
export const BENCH_BUILD: boolean = __KYSO_BENCH__;

export interface BenchApproval {
  certificateId: string;
  pin: string;
}

export async function benchAutoApproval(): Promise<BenchApproval | undefined> {
  if (!BENCH_BUILD) return undefined;
  return (await readLocal('benchAutoApprove')) as BenchApproval | undefined;
}

/** Instants of one signature's way through the background (epoch ms: the bench lines them up with the host's). */
const marks: Array<[string, number]> = [];

export function benchMark(name: string): void {
  if (!BENCH_BUILD) return;
  marks.push([name, performance.timeOrigin + performance.now()]);
  if (marks.length > 1000) marks.splice(0, 500);
}

export function takeBenchMarks(): Array<[string, number]> {
  return marks.splice(0);
}
