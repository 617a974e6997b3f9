import { readdirSync, readFileSync } from 'node:fs';

/**
 * The running kyso host processes a browser started for this test's token: found in /proc by the
 * token's own SOFTHSM2_CONF in their environment (each test token has its own) and the extension
 * origin the browser passes them as an argument.
 */
export function hostPidsFor(tokenConf: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!/(chrome-extension|moz-extension):\/\/|kyso@/.test(cmdline)) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`SOFTHSM2_CONF=${tokenConf}`)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked, or is not ours to read
    }
  }
  return pids;
}

/** Polls until `hostPidsFor` finds one, or the time is up (then returns none). */
export async function waitForHostPid(tokenConf: string, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = hostPidsFor(tokenConf);
    if (pids.length > 0 || Date.now() > deadline) return pids;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether a process of this pid is alive (signal 0 asks without sending anything). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
