/** The kyso command line, for people and installers (the browser never uses it). */
import { describeForCli, skippedObjectsLine } from './certificate-text.js';
import {
  parseCommandLine,
  reportUsageProblem,
  usageProblem,
  type UsageProblem,
} from '../../../shared/command-line.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import { KYSO_VERSION } from '../../../shared/version.js';
import { modulesToLoad } from '../modules/discovery.js';
import { listTokenCertificates } from '../signing/certificates.js';
import { TokenWorker } from '../worker/token-worker.js';
import { tokenTimeoutMs } from '../worker/worker-process.js';
import { versionLine } from '../runtime.js';
import { runDoctor } from './doctor.js';
import { runInstall, runUninstall } from './install.js';
import { describeError, signFile } from './sign.js';
import { SIGN_OPTION_TYPES, signOptions } from './sign-options.js';

const USAGE = `kyso ${KYSO_VERSION} — ký số bằng USB token / sign with your USB token
Usage:
  kyso list                               list the certificates on every token found
  kyso sign --in FILE --out FILE [--format cms|cms-attached|pades|xml-htkk|xml-einvoice|xml-einvoice-buyer]
            [--cert ID|MST|CCCD|name] [--pin-stdin] [--tsa URL]
            cms:   [--digest SHA-256|SHA-384|SHA-512]   (--tsa: CAdES-T)
            pades: [--level B-B|B-T|B-LT|B-LTA] [--reason TEXT] [--location TEXT]   (B-T and above: --tsa)
                   [--stamp LINE]...                      Decree 30 text stamp, top right of page 1
                   [--image PNG] [--seal PNG] --rect x,y,w,h [--page N]   signature/seal image
                   [--certify 1|2|3]   certify (DocMDP): 1 no changes, 2 forms+signatures, 3 also annotations
                   [--field NAME]      into the PDF's own empty signature field (--image/--seal fill its box)
            xml-*: [--sha1]                               rsa-sha1, only for receivers that demand it
            An option the format (or command) does not use is refused (exit 2), never ignored.
  kyso verify FILE [--detached DATA] [--roots DIR] [--revocation require|prefer|off] [--json]
  kyso verify --serve --port N            HTTP service: POST /verify → JSON report (kyso verify -h)
  kyso-host install   [--scope user|system] [--browser chrome,chromium,edge,brave,firefox,…]
                      [--user-data-dir DIR] [--dry-run]   register the host with the browsers
  kyso-host uninstall [same options]
  kyso-host doctor    [--user-data-dir DIR]          what is found, and whether a browser can sign
  kyso --version
  kyso [COMMAND] --help                   this text (nothing is run)
`;

/** The options each command takes (with --help and --version): any other is named as a usage problem, not ignored. */
const COMMAND_OPTIONS: Record<string, readonly string[]> = {
  list: [],
  doctor: ['user-data-dir'],
  install: ['scope', 'browser', 'user-data-dir', 'dry-run'],
  uninstall: ['scope', 'browser', 'user-data-dir', 'dry-run'],
  sign: Object.keys(SIGN_OPTION_TYPES),
};

/** Usage problem: said in one line, then the usage (exit 2). */
const usage = (problem: UsageProblem) => reportUsageProblem(problem, USAGE);

export async function runCli(args: string[]): Promise<number> {
  // verify has its own options (and pulls in the verifier only when used).
  if (args[0] === 'verify') return (await import('./verify.js')).runVerifyCli(args.slice(1));
  // No defaults here: an option in `values` is one the user gave (defaults are applied where used).
  const parsed = parseCommandLine(
    args,
    {
      version: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...SIGN_OPTION_TYPES,
      scope: { type: 'string' },
      browser: { type: 'string' },
      'user-data-dir': { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
    USAGE,
  );
  if (!parsed) return 2;
  const { positionals, values } = parsed;
  if (values.version) {
    console.log(versionLine());
    return 0;
  }
  // Asked for help, whatever the command: `kyso-host uninstall --help` must not uninstall.
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = positionals[0];
  if (command === undefined)
    return usage(
      usageProblem(
        'lệnh nào? (list, sign, verify, install, …)',
        'which command? (list, sign, verify, install, …)',
      ),
    );
  const takes = COMMAND_OPTIONS[command];
  if (!takes) return usage(usageProblem(`không có lệnh ${command}`, `unknown command ${command}`));
  if (positionals.length > 1)
    return usage(
      usageProblem(
        `kyso ${command}: thừa ${positionals[1]}`,
        `kyso ${command}: unexpected ${positionals[1]}`,
      ),
    );
  const stray = Object.keys(values).find((option) => !takes.includes(option));
  if (stray)
    return usage(
      usageProblem(
        `--${stray} không dùng cho kyso ${command}`,
        `--${stray} does not apply to kyso ${command}`,
      ),
    );
  try {
    switch (command) {
      case 'list':
        return await listCertificates();
      case 'doctor':
        return await runDoctor({ userDataDir: values['user-data-dir'] }, (line) => console.log(line));
      case 'install':
      case 'uninstall': {
        const scope = values.scope ?? 'user';
        if (scope !== 'user' && scope !== 'system')
          return usage(
            usageProblem(`--scope ${scope}: user hoặc system`, `--scope ${scope}: user or system`),
          );
        const options = {
          scope,
          browsers: values.browser,
          userDataDir: values['user-data-dir'],
          dryRun: values['dry-run'] === true,
          launcherEnv: launcherEnvironment(),
        } as const;
        const print = (line: string) => console.log(line);
        return command === 'install' ? await runInstall(options, print) : await runUninstall(options, print);
      }
      default: {
        const sign = signOptions(values);
        if ('problem' in sign) return usage(sign.problem);
        await signFile(sign.options, (line) => process.stderr.write(`${line}\n`));
        return 0;
      }
    }
  } catch (error) {
    process.stderr.write(`${describeError(error)}\n`);
    return 1;
  }
}

/**
 * Settings the browser-started host must keep (browsers start it with a minimal environment):
 * every KYSO_* variable (modules, config file, timeouts) and SoftHSM's configuration.
 */
function launcherEnvironment(): Record<string, string> | undefined {
  const keep = Object.keys(process.env).filter((k) => k.startsWith('KYSO_') || k === 'SOFTHSM2_CONF');
  const env = Object.fromEntries(keep.filter((k) => process.env[k]).map((k) => [k, process.env[k]!]));
  return Object.keys(env).length ? env : undefined;
}

async function listCertificates(): Promise<number> {
  const worker = new TokenWorker({ modulePaths: modulesToLoad() });
  try {
    const { certificates, moduleErrors, skippedObjects } = await listTokenCertificates(
      worker,
      tokenTimeoutMs(),
    );
    for (const m of moduleErrors) console.error(`module ${m.module}: ${m.error}`);
    for (const skipped of skippedObjects) console.error(skippedObjectsLine(skipped));
    for (const entry of certificates) {
      const { summary, holder, ids, problems } = describeForCli(entry);
      console.log(
        `${entry.id}  ${holder}  ${ids}  until ${summary.notAfter.toISOString().slice(0, 10)}` +
          `  [${entry.token.label}]${problems.length ? `  (${problems.join(', ')})` : ''}`,
      );
    }
    if (certificates.length > 0) return 0;
    // Exit 1 alone says nothing to a person: no token plugged in, or no module that loads.
    console.error(describeError(new KysoError('NO_CERTIFICATE')));
    return 1;
  } finally {
    worker.stop();
  }
}
