/** The kyso command line, for people and installers (the browser never uses it). */
import { describeForCli } from './certificate-text.js';
import { parseCommandLine } from '../../../shared/command-line.js';
import { KYSO_VERSION } from '../../../shared/version.js';
import { DigestAlgorithmSchema, TsaUrlSchema } from '../../../shared/protocol/common.js';
import { PdfFieldNameSchema, PdfRectSchema } from '../../../shared/protocol/page.js';
import { modulesToLoad } from '../modules/discovery.js';
import { listTokenCertificates } from '../signing/certificates.js';
import { TokenWorker } from '../worker/token-worker.js';
import { tokenTimeoutMs } from '../worker/worker-process.js';
import { versionLine } from '../runtime.js';
import { runDoctor } from './doctor.js';
import { runInstall, runUninstall } from './install.js';
import { SIGN_FORMATS, describeError, signFile, type SignFormat } from './sign.js';

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
  kyso verify FILE [--detached DATA] [--roots DIR] [--revocation require|prefer|off] [--json]
  kyso verify --serve --port N            HTTP service: POST /verify → JSON report (kyso verify -h)
  kyso-host install   [--scope user|system] [--browser chrome,chromium,edge,brave,firefox,…]
                      [--user-data-dir DIR] [--dry-run]   register the host with the browsers
  kyso-host uninstall [same options]
  kyso-host doctor    [--user-data-dir DIR]          what is found, and whether a browser can sign
  kyso --version
  kyso [COMMAND] --help                   this text (nothing is run)
`;

export async function runCli(args: string[]): Promise<number> {
  // verify has its own options (and pulls in the verifier only when used).
  if (args[0] === 'verify') return (await import('./verify.js')).runVerifyCli(args.slice(1));
  const parsed = parseCommandLine(
    args,
    {
      version: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      in: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string', default: 'cms' },
      cert: { type: 'string' },
      digest: { type: 'string', default: 'SHA-256' },
      'pin-stdin': { type: 'boolean', default: false },
      tsa: { type: 'string' },
      level: { type: 'string', default: 'B-B' },
      reason: { type: 'string' },
      location: { type: 'string' },
      stamp: { type: 'string', multiple: true },
      image: { type: 'string' },
      seal: { type: 'string' },
      rect: { type: 'string' },
      page: { type: 'string' },
      certify: { type: 'string' },
      field: { type: 'string' },
      sha1: { type: 'boolean', default: false },
      scope: { type: 'string', default: 'user' },
      browser: { type: 'string' },
      'user-data-dir': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
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
  try {
    switch (positionals[0]) {
      case 'list':
        return await listCertificates();
      case 'doctor':
        return await runDoctor({ userDataDir: values['user-data-dir'] }, (line) => console.log(line));
      case 'install':
      case 'uninstall': {
        if (values.scope !== 'user' && values.scope !== 'system') {
          process.stderr.write(USAGE);
          return 2;
        }
        const options = {
          scope: values.scope,
          browsers: values.browser,
          userDataDir: values['user-data-dir'],
          dryRun: values['dry-run'],
          launcherEnv: launcherEnvironment(),
        } as const;
        const print = (line: string) => console.log(line);
        return positionals[0] === 'install'
          ? await runInstall(options, print)
          : await runUninstall(options, print);
      }
      case 'sign': {
        const format = values.format as SignFormat;
        const digest = DigestAlgorithmSchema.safeParse(values.digest);
        const tsa = values.tsa === undefined ? undefined : TsaUrlSchema.safeParse(values.tsa);
        const rect = values.rect?.split(',').map(Number);
        const page = values.page === undefined ? undefined : Number(values.page);
        // As a page's rect: "340,90,,80" must not sign an image 0 pt wide, nobody sees.
        const [x, y, width, height] = rect ?? [];
        const badRect =
          rect !== undefined &&
          (rect.length !== 4 || !PdfRectSchema.safeParse({ x, y, width, height }).success);
        const badPage = page !== undefined && (!Number.isInteger(page) || page < 1);
        const certify = values.certify === undefined ? undefined : (Number(values.certify) as 1 | 2 | 3);
        const badCertify = certify !== undefined && ![1, 2, 3].includes(certify);
        const badField = values.field !== undefined && !PdfFieldNameSchema.safeParse(values.field).success;
        if (
          !values.in ||
          !values.out ||
          !SIGN_FORMATS.includes(format) ||
          !digest.success ||
          tsa?.success === false ||
          badRect ||
          badPage ||
          badCertify ||
          badField ||
          !['B-B', 'B-T', 'B-LT', 'B-LTA'].includes(values.level)
        ) {
          process.stderr.write(USAGE);
          return 2;
        }
        await signFile(
          {
            input: values.in,
            output: values.out,
            format,
            certificate: values.cert,
            pinFromStdin: values['pin-stdin'],
            digestAlgorithm: digest.data,
            sha1: values.sha1,
            ...(tsa?.success && { tsaUrl: tsa.data }),
            pdf: {
              level: values.level as 'B-B' | 'B-T' | 'B-LT' | 'B-LTA',
              ...(values.reason && { reason: values.reason }),
              ...(values.location && { location: values.location }),
              ...(values.stamp && { stamp: values.stamp }),
              ...(values.image && { image: values.image }),
              ...(values.seal && { seal: values.seal }),
              ...(rect && { rect: rect as [number, number, number, number] }),
              ...(page && { page }),
              ...(certify && { certify }),
              ...(values.field !== undefined && { field: values.field }),
            },
          },
          (line) => process.stderr.write(`${line}\n`),
        );
        return 0;
      }
      default:
        process.stdout.write(USAGE);
        return 2;
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
    const { certificates, moduleErrors } = await listTokenCertificates(worker, tokenTimeoutMs());
    for (const m of moduleErrors) console.error(`module ${m.module}: ${m.error}`);
    for (const entry of certificates) {
      const { summary, holder, ids, problems } = describeForCli(entry);
      console.log(
        `${entry.id}  ${holder}  ${ids}  until ${summary.notAfter.toISOString().slice(0, 10)}` +
          `  [${entry.token.label}]${problems.length ? `  (${problems.join(', ')})` : ''}`,
      );
    }
    return certificates.length > 0 ? 0 : 1;
  } finally {
    worker.stop();
  }
}
