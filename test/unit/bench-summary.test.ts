/**
 * The bench's bookkeeping (bench/summary.ts, bench/breakdown.ts): ratios to an earlier run point the
 * right way, README's table is made from the JSON between its markers and nowhere else, and a
 * breakdown is the median of each hop. Timing itself is never asserted (it lives in bench/).
 */
import { describe, expect, it } from 'vitest';
import { breakdown } from '../../bench/breakdown.js';
import {
  TABLE_END,
  TABLE_START,
  compare,
  readmeTable,
  withReadmeTable,
  type BenchResult,
} from '../../bench/summary.js';

function run(
  overrides: { ecBatch?: number; warm?: number; warmP90?: number; commit?: string; rss?: number } = {},
): BenchResult {
  return {
    date: '2026-11-30T22:00:00.000Z',
    ...(overrides.commit && { commit: overrides.commit }),
    quick: false,
    machine: { cpus: 2, cpu: 'test cpu', memGiB: 24, node: 'v20.20.2', loadAverage: [1, 1, 1] },
    raw: { rsa: { perSecond: 500, meanMs: 2 }, ec: { perSecond: 5000, meanMs: 0.2 } },
    host: {
      rsa: { perSecond: 100, medianMs: 5, p90Ms: 6, batch: { signatures: 1000, perSecond: 460 } },
      ec: {
        perSecond: 120,
        medianMs: 4,
        p90Ms: 5,
        batch: { signatures: 1000, perSecond: overrides.ecBatch ?? 1000 },
      },
    },
    startup: { startupMedianMs: 200, startupP90Ms: 250, hostRssMiB: overrides.rss ?? 60, workerRssMiB: 50 },
    browser: {
      warm: 100,
      cold: 10,
      warmMedianMs: overrides.warm ?? 10,
      warmP90Ms: overrides.warmP90 ?? 12,
      coldMedianMs: 700,
      coldP90Ms: 900,
    },
    large: { bytes: 2 ** 30, sha256sumMs: 8000, kysoMs: 2000, ratio: 0.25, extraRssMiB: 30 },
    hostOverMs: { rsa: 0.9, ec: 1.5 },
  };
}

describe('bench bookkeeping', () => {
  it('a doubled rate and a halved time both read 2.00× (better); worse reads below 1', () => {
    const lines = compare(
      run({ ecBatch: 2000, warm: 5 }),
      run({ ecBatch: 1000, warm: 10, commit: 'abc1234' }),
    );
    expect(lines[0]).toContain('abc1234');
    expect(lines.find((l) => l.startsWith('batch P-256 ') && !l.includes('share'))).toMatch(/2\.00×$/);
    expect(lines.find((l) => l.startsWith('e2e warm median'))).toMatch(/2\.00×$/);
    const worse = compare(run({ rss: 66 }), run({ rss: 60 }));
    expect(worse.find((l) => l.startsWith('idle host RSS'))).toMatch(/0\.91×$/);
  });

  it('README’s table is written between its markers from the JSON, with each target judged', () => {
    const readme = `# kyso\n\nbefore\n\n${TABLE_START}\nold hand-typed table\n${TABLE_END}\n\nafter\n`;
    const written = withReadmeTable(readme, run({ commit: 'abc1234' }), 'bench/results/latest.json');
    expect(written.startsWith('# kyso\n\nbefore\n\n')).toBe(true);
    expect(written.endsWith(`${TABLE_END}\n\nafter\n`)).toBe(true);
    expect(written).not.toContain('old hand-typed table');
    expect(written).toContain('commit abc1234');
    const table = readmeTable(run());
    expect(table).toContain('RSA 460/s = 92 % of (1) ✓; P-256 1,000/s = 20 % of (1) ✗');
    expect(table).toMatch(/RSA 0\.90 ms, P-256 1\.50 ms \| ≤ 1 ms beyond login ✗/);
    expect(table).toMatch(/60\.0 MiB RSS.*≤ 50 MiB ✗/);
    // warm: both the median and the 90th percentile over C_Sign (0.2 ms here) are judged
    expect(readmeTable(run({ warm: 4, warmP90: 8 }))).toMatch(
      /median 4\.0 ms, p90 8\.0 ms\s+\| overhead ≤ 5 ms, p90 ≤ 8 ms ✓/,
    );
    expect(readmeTable(run({ warm: 4, warmP90: 8.5 }))).toMatch(/p90 ≤ 8 ms ✗/);
    expect(readmeTable(run({ warm: 5.5, warmP90: 7 }))).toMatch(/p90 ≤ 8 ms ✗/);
    expect(table).not.toContain('CPU per item'); // an older run's JSON has no CPU figures
    const withCpu = run();
    withCpu.host.ec.batch.cpuPerItemUs = { worker: 250, host: 180, client: 20 };
    // 2 cores at 90 % of 5,000/s: 444 µs per item for all three processes
    expect(readmeTable(withCpu)).toMatch(
      /PKCS#11 worker 250 µs \(C_Sign alone 200 µs\), host 180 µs, client 20 µs: 450 µs\s+\| 90 % of \(1\) on 2 cores leaves 444 µs/,
    );
    expect(() => withReadmeTable('# no markers\n', run(), 'x.json')).toThrow(/markers/);
  });

  it('a breakdown is the median of each hop, over the runs whose marks came in the usual order', () => {
    const rows = breakdown([
      [
        ['a', 0],
        ['b', 1],
        ['c', 4],
      ],
      [
        ['a', 10],
        ['c', 13],
        ['b', 12],
      ], // out of order as noted: sorted by time
      [
        ['a', 20],
        ['b', 23],
        ['c', 24],
      ],
      [
        ['a', 30],
        ['c', 31],
        ['b', 35],
      ], // another order: left out
    ]);
    expect(rows).toEqual([
      { from: 'a', to: 'b', medianMs: 2 },
      { from: 'b', to: 'c', medianMs: 1 },
    ]);
  });
});
