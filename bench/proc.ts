/** What Linux's /proc says of a process: its resident memory and its children (0 and none once it is gone). */
import { readdirSync, readFileSync } from 'node:fs';

export function rssKiB(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export function childrenOf(pid: number | undefined): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU time and run-queue wait (runnable, no core free) of all a process's threads so far, in ms,
 * from `/proc/PID/task/TID/schedstat` (nanoseconds: short spans measure well); 0 once it is gone.
 */
export function threadTimes(pid: number | undefined): { cpuMs: number; waitMs: number } {
  let cpuNs = 0;
  let waitNs = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [cpu, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
      cpuNs += Number(cpu);
      waitNs += Number(wait);
    }
  } catch {
    // gone (or a thread ended while we read)
  }
  return { cpuMs: cpuNs / 1e6, waitMs: waitNs / 1e6 };
}
