/**
 * `npm run package`: every release artifact, in dist/package/:
 *   kyso_<v>_<arch>.deb            Debian 12+ / Ubuntu 22.04+, installs to /opt/kyso, registers every browser
 *   kyso-<v>-linux-<arch>.tar.gz   the same files for other distributions (run `kyso-host install`)
 *   kyso-<v>-chrome.zip            Chrome Web Store upload (and Edge Add-ons)
 *   kyso-<v>-firefox.xpi           unsigned, for addons.mozilla.org to sign
 *                                  (both checked by addons-linter, web-ext lint's linter: no error allowed)
 *   policies/                      opt-in enterprise policy templates (docs/deploy.md)
 *   SHA256SUMS
 * Reproducible: SOURCE_DATE_EPOCH (default: the commit's time) fixes every timestamp; the V8 code
 * cache inside the binary is the one part that differs between builds (KYSO_SEA_CODE_CACHE=0 omits it). On macOS and
 * Windows the same script builds the single executable only (docs/packaging.md).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  readdirSync,
} from 'node:fs';
import path from 'node:path';
import { KYSO_VERSION } from '../../shared/version.js';
import { buildDeb, buildTarGz, buildZip } from './archives.js';
import {
  INSTALL_DIR,
  commandLinks,
  debCopyright,
  debArchitecture,
  debControl,
  debPostrm,
  programFiles,
  systemManifests,
  type PackageFile,
} from './layout.js';
import { lintErrors, lintExtensionPackage } from './lint.js';
import { enterprisePolicies } from './policies.js';
import { bundleForSea, buildSeaBinary, type BuildInfo } from './sea.js';

/** KYSO_PACKAGE_OUT: another output directory (the reproducibility test builds twice). */
const OUT = path.resolve(process.env.KYSO_PACKAGE_OUT ?? 'dist/package');
/** Fixed, whatever OUT is: the single executable's blob records its main script's path. */
const STAGE = path.resolve('dist/package-stage');

function git(...args: string[]): string {
  return execFileSync('git', args, { encoding: 'utf8' }).trim();
}

function buildInfo(epoch: number): BuildInfo {
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  return {
    commit: `${git('rev-parse', '--short=12', 'HEAD')}${dirty ? '-dirty' : ''}`,
    date: new Date(epoch * 1000).toISOString(),
  };
}

/** Writes `files` under `root` (their absolute paths made relative to it). */
function stageFiles(root: string, files: PackageFile[]): void {
  for (const file of files) {
    const target = path.join(root, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    if (file.symlink) symlinkSync(file.symlink, target);
    else if (file.from) cpSync(file.from, target);
    else writeFileSync(target, file.text ?? '');
    if (!file.symlink) execFileSync('chmod', [file.mode.toString(8), target]);
  }
}

function duKiB(dir: string): number {
  return Number(execFileSync('du', ['-sk', '--apparent-size', dir], { encoding: 'utf8' }).split('\t')[0]);
}

const started = Date.now();
const step = (what: string) => console.log(`  [${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);

async function main(): Promise<void> {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? git('log', '-1', '--format=%ct'));
  const info = buildInfo(epoch);
  const arch = process.arch;
  rmSync(OUT, { recursive: true, force: true });
  rmSync(STAGE, { recursive: true, force: true });
  mkdirSync(STAGE, { recursive: true });
  mkdirSync(OUT, { recursive: true });

  step('single executable');
  const seaMain = path.join(STAGE, 'sea', 'kyso-host.cjs');
  await bundleForSea(seaMain, info);
  const binaryName = process.platform === 'win32' ? 'kyso-host.exe' : 'kyso-host';
  const binary = path.join(STAGE, 'sea', binaryName);
  buildSeaBinary(seaMain, binary, { codeCache: process.env.KYSO_SEA_CODE_CACHE !== '0' });
  const program = programFiles({
    binary,
    pkcs11jsDir: path.resolve('node_modules/pkcs11js'),
    fontsDir: path.resolve('dist/host/fonts'),
  });

  if (process.platform === 'linux') {
    step('.deb');
    const debRoot = path.join(STAGE, 'deb');
    stageFiles(debRoot, [...program, ...commandLinks(), ...systemManifests()]);
    stageFiles(debRoot, [{ path: '/usr/share/doc/kyso/copyright', text: debCopyright(), mode: 0o644 }]);
    stageFiles(debRoot, enterprisePolicies(`${INSTALL_DIR}/policies`));
    mkdirSync(path.join(debRoot, 'DEBIAN'));
    const debArch = debArchitecture(arch);
    writeFileSync(
      path.join(debRoot, 'DEBIAN/control'),
      debControl({ version: KYSO_VERSION, architecture: debArch, installedSizeKiB: duKiB(debRoot) }),
    );
    writeFileSync(path.join(debRoot, 'DEBIAN/postrm'), debPostrm(), { mode: 0o755 });
    buildDeb(debRoot, path.join(OUT, `kyso_${KYSO_VERSION}_${debArch}.deb`), epoch);

    step('.tar.gz');
    // the program directory alone; `./kyso-host install` registers it.
    const tarDir = path.join(STAGE, 'tar', `kyso-${KYSO_VERSION}-linux-${arch}`);
    stageFiles(
      tarDir,
      program.map((f) => ({ ...f, path: path.posix.relative(INSTALL_DIR, f.path) })),
    );
    stageFiles(tarDir, enterprisePolicies('/policies'));
    buildTarGz(tarDir, path.join(OUT, `kyso-${KYSO_VERSION}-linux-${arch}.tar.gz`), epoch);
  } else {
    cpSync(binary, path.join(OUT, binaryName));
  }

  step('extension packages');
  // as built (dist/extension): the same files for both stores, so usually the same bytes, linted once.
  const linted = new Map<string, ReturnType<typeof lintExtensionPackage>>();
  for (const [name, ext] of [
    ['chrome', 'zip'],
    ['firefox', 'xpi'],
  ] as const) {
    const dir = path.join(STAGE, name);
    cpSync(path.resolve('dist/extension'), dir, { recursive: true });
    const artifact = path.join(OUT, `kyso-${KYSO_VERSION}-${name}.${ext}`);
    buildZip(dir, artifact, epoch);
    // What `web-ext lint` checks, on the file as released: an error fails the build (warnings are listed in docs/packaging.md).
    const sha = createHash('sha256').update(readFileSync(artifact)).digest('hex');
    const lint = linted.get(sha) ?? lintExtensionPackage(artifact);
    linted.set(sha, lint);
    const errors = lintErrors(lint);
    if (errors.length)
      throw new Error(`addons-linter: ${path.basename(artifact)} has errors:\n${errors.join('\n')}`);
    step(`${path.basename(artifact)}: addons-linter 0 errors, ${lint.warnings.length} warnings`);
  }
  // 5. Policy templates beside the artifacts, for agencies that deploy without the .deb.
  stageFiles(path.join(OUT, 'policies'), enterprisePolicies('/'));

  const sums = readdirSync(OUT)
    .filter((f) => statSync(path.join(OUT, f)).isFile())
    .sort()
    .map(
      (f) =>
        `${createHash('sha256')
          .update(readFileSync(path.join(OUT, f)))
          .digest('hex')}  ${f}`,
    );
  writeFileSync(path.join(OUT, 'SHA256SUMS'), `${sums.join('\n')}\n`);
  rmSync(STAGE, { recursive: true, force: true });
  console.log(`kyso ${KYSO_VERSION} (${info.commit}, ${info.date}) → ${path.relative(process.cwd(), OUT)}/`);
  for (const line of sums)
    console.log(
      `  ${line.split('  ')[1]}  ${(statSync(path.join(OUT, line.split('  ')[1]!)).size / 1048576).toFixed(1)} MiB`,
    );
}

await main();
