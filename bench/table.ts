/**
 * `npm run bench:table [-- FILE]`: README's benchmark table made again from a run's JSON
 * (default bench/results/latest.json), between its bench:table markers — never typed by hand.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.js';
import { withBreakdownTables, withReadmeTable, type BenchResult } from './summary.js';

const file = process.argv[2] ?? 'bench/results/latest.json';
const result = JSON.parse(readFileSync(path.resolve(ROOT, file), 'utf8')) as BenchResult;
const readme = path.join(ROOT, 'README.md');
writeFileSync(
  readme,
  withReadmeTable(readFileSync(readme, 'utf8'), result, path.relative(ROOT, path.resolve(ROOT, file))),
);
const benchReadme = path.join(ROOT, 'bench/README.md');
writeFileSync(benchReadme, withBreakdownTables(readFileSync(benchReadme, 'utf8'), result, file));
console.log(`README.md: benchmark table, bench/README.md: breakdown tables, from ${file}`);
