/**
 * (7) Where one warm signature's time goes. Every hop notes an instant (bench builds and
 * KYSO_BENCH_MARKS=1 only; see native-host/src/bench-marks.ts), all on one epoch clock; this turns
 * many signatures' instants into the median time between consecutive instants.
 */
import type { BenchMark } from '../native-host/src/bench-marks.js';

export interface BreakdownRow {
  from: string;
  to: string;
  medianMs: number;
}

/** What each hop is, for the printed table. */
export const HOPS: Record<string, string> = {
  'page:call → background:request': 'page → SDK → content script → background',
  'background:request → background:port-send': 'background: checks, consent (auto-approved), preparation',
  'background:port-send → host:received': 'native messaging to the host (browser → stdin)',
  'client:sent → host:received': 'native messaging to the host (pipe)',
  'host:received → host:validated': 'host: frame JSON + request schema',
  'host:validated → host:token-held': 'host: token queue + lock shared with other programs',
  'host:token-held → host:prepared': 'host: CMS signed attributes',
  'host:prepared → host:worker-call': 'host: worker request',
  'host:worker-call → worker:received': 'IPC host → worker (+ worker request schema)',
  'worker:received → worker:login': 'worker: find token, session, certificate check',
  'worker:login → worker:logged-in': 'C_Login (the token)',
  'worker:logged-in → worker:sign': 'worker: key (cached), mechanism',
  'worker:sign → worker:signed': 'C_SignInit + C_Sign (the token)',
  'worker:signed → worker:answered': 'worker: C_Logout, answer',
  'worker:answered → host:worker-answer': 'IPC worker → host (+ result schema)',
  'host:worker-answer → host:finished': 'host: CMS SignedData',
  'host:finished → host:handled': 'host: answer',
  'host:handled → host:checked': 'host: result schema',
  'host:checked → host:sent': 'host: frame written to stdout',
  'host:checked → client:received': 'host: frame written, and the pipe back to the client',
  'client:received → host:sent': '(the host’s write call returning after the client read it)',
  'host:sent → background:port-answer': 'native messaging back (stdout → browser)',
  'background:port-answer → page:done': 'background → content script → page',
  'background:port-answer → background:page-answer': 'background: host and page answers checked',
  'background:page-answer → page:done': 'background → content script → page (messaging, SDK)',
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

/** The median of each consecutive pair, over the signatures whose instants came in the usual order. */
export function breakdown(runs: readonly BenchMark[][]): BreakdownRow[] {
  const ordered = runs.map((marks) => [...marks].sort((a, b) => a[1] - b[1]));
  const key = (marks: BenchMark[]) => marks.map((m) => m[0]).join(',');
  const counts = new Map<string, number>();
  for (const marks of ordered) counts.set(key(marks), (counts.get(key(marks)) ?? 0) + 1);
  const usual = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const same = ordered.filter((marks) => key(marks) === usual);
  if (same.length === 0) return [];
  return same[0]!.slice(1).map(([to], i) => ({
    from: same[0]![i]![0],
    to,
    medianMs: median(same.map((marks) => marks[i + 1]![1] - marks[i]![1])),
  }));
}

export function formatBreakdown(rows: readonly BreakdownRow[]): string[] {
  const total = rows.reduce((sum, r) => sum + r.medianMs, 0);
  const lines = rows.map((r) => {
    const hop = `${r.from} → ${r.to}`;
    return `  ${r.medianMs.toFixed(3).padStart(7)} ms  ${(HOPS[hop] ?? hop).padEnd(58)}  ${hop}`;
  });
  lines.push(`  ${total.toFixed(3).padStart(7)} ms  sum of medians`);
  return lines;
}
