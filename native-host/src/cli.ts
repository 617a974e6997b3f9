/** The kyso-host command line, for people and installers (the browser never uses it). */
import { parseArgs } from 'node:util';
import { KYSO_VERSION } from '../../shared/version.js';
import { summarizeCertificate, holderName, usabilityProblems } from '../../shared/certificate/profile.js';
import { base64ToBytes } from '../../shared/encoding.js';
import { LIMITS } from '../../shared/protocol/limits.js';
import { modulesToLoad } from './modules/discovery.js';
import { TokenWorker } from './worker/client.js';

const USAGE = `kyso-host ${KYSO_VERSION}
Usage:
  kyso-host list              list the certificates on every token found
  kyso-host --version
`;

export async function runCli(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { version: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.version) {
    console.log(KYSO_VERSION);
    return 0;
  }
  switch (positionals[0]) {
    case 'list':
      return listCertificates();
    default:
      process.stdout.write(USAGE);
      return values.help ? 0 : 2;
  }
}

async function listCertificates(): Promise<number> {
  const worker = new TokenWorker({ modulePaths: modulesToLoad() });
  try {
    const { certificates, moduleErrors } = await worker.call({ op: 'list' }, LIMITS.tokenOperationTimeoutMs);
    for (const m of moduleErrors) console.error(`module ${m.module}: ${m.error}`);
    for (const entry of certificates) {
      const summary = summarizeCertificate(base64ToBytes(entry.certificate));
      const ids = Object.entries(summary.identities).map(([k, v]) => `${k}:${v.join(',')}`).join(' ');
      const problems = usabilityProblems(summary);
      console.log(
        `${entry.id}  ${holderName(summary)}  ${ids}  until ${summary.notAfter.toISOString().slice(0, 10)}` +
          `  [${entry.token.label}]${problems.length ? `  (${problems.join(', ')})` : ''}`,
      );
    }
    return certificates.length > 0 ? 0 : 1;
  } finally {
    worker.stop();
  }
}
