/**
 * The extension packages checked as addons.mozilla.org checks them: Mozilla's addons-linter (what
 * `web-ext lint` runs) on the released file itself, not on the build directory it was zipped from.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface LintMessage {
  code: string;
  message: string;
  file?: string;
}

export interface LintReport {
  errors: LintMessage[];
  warnings: LintMessage[];
  notices: LintMessage[];
}

/** addons-linter's report on `artifact` (an .xpi or .zip). */
export function lintExtensionPackage(artifact: string): LintReport {
  // The addons-linter web-ext depends on (a devDependency): `web-ext lint` would run this one.
  const fromWebExt = createRequire(createRequire(import.meta.url).resolve('web-ext'));
  const cli = path.join(path.dirname(fromWebExt.resolve('addons-linter/package.json')), 'bin/addons-linter');
  // Exit status 1 when it finds errors: the JSON report is on stdout either way.
  const run = spawnSync(process.execPath, [cli, '--output', 'json', '--boring', artifact], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  let report: LintReport;
  try {
    report = JSON.parse(run.stdout) as LintReport;
  } catch {
    throw new Error(`addons-linter gave no report on ${artifact}: ${run.stderr || run.stdout}`);
  }
  return report;
}

/** One line per error, for the build's failure message. */
export function lintErrors(report: LintReport): string[] {
  return report.errors.map((e) => `${e.code}: ${e.message}${e.file ? ` (${e.file})` : ''}`);
}
