/**
 * `@kyso/verifier` as a portal's Node backend gets it: dist/verifier (npm run build:verifier) copied
 * into a project's node_modules with only the dependencies its package.json declares. A strict
 * NodeNext project compiles against its types, a script imports it by name and verifies a CMS, and
 * its `kyso-verify` command answers with the JSON report.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStrictConsumerTsconfig } from '../support/consumer-project.js';
import { REPO_ROOT } from '../support/paths.js';
import { makeSoftwareIdentity, signContentCades, type SoftwareIdentity } from '../support/software-signer.js';

const DIST = path.join(REPO_ROOT, 'dist/verifier');

interface Manifest {
  name: string;
  exports: Record<string, { types: string; import: string }>;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
}

describe('@kyso/verifier package', () => {
  let portal: string;
  let identity: SoftwareIdentity;
  let manifest: Manifest;
  const content = Buffer.from('Hồ sơ một cửa — kiểm tra trên máy chủ\n');
  const file = (name: string) => path.join(portal, name);

  beforeAll(async () => {
    manifest = JSON.parse(readFileSync(path.join(DIST, 'package.json'), 'utf8')) as Manifest;
    portal = mkdtempSync(path.join(tmpdir(), 'kyso-verifier-portal-'));
    mkdirSync(path.join(portal, 'node_modules/@kyso'), { recursive: true });
    cpSync(DIST, path.join(portal, 'node_modules/@kyso/verifier'), { recursive: true });
    // Only what the package declares (and @types/node, the portal's own for compiling): a missing dependency fails here.
    for (const name of [...Object.keys(manifest.dependencies), '@types/node']) {
      mkdirSync(path.dirname(path.join(portal, 'node_modules', name)), { recursive: true });
      symlinkSync(path.join(REPO_ROOT, 'node_modules', name), path.join(portal, 'node_modules', name));
    }
    writeFileSync(file('package.json'), JSON.stringify({ type: 'module' }));
    identity = makeSoftwareIdentity(portal, 'RSA', '/C=VN/CN=Lê Văn Máy Chủ/UID=MST:0101234567');
    writeFileSync(
      file('signature.p7s'),
      Buffer.from(await signContentCades(identity, content)).toString('base64'),
    );
    writeFileSync(file('content.txt'), content);
  });
  afterAll(() => rmSync(portal, { recursive: true, force: true }));

  it('has the published shape: name, ESM export with types, the kyso-verify command', () => {
    expect(manifest.name).toBe('@kyso/verifier');
    expect(manifest.exports['.']).toEqual({
      types: './verifier/src/index.d.ts',
      import: './verifier/src/index.js',
    });
    expect(manifest.bin['kyso-verify']).toBe('./verifier/src/bin.js');
    expect(readFileSync(path.join(DIST, 'verifier/src/index.d.ts'), 'utf8')).toMatch(
      /export type \{[^}]*VerificationReport/,
    );
  });

  it('a strict TypeScript project compiles against its types', () => {
    // lib DOM (in the defaults): pkijs's declarations name WebCrypto's types
    writeStrictConsumerTsconfig(portal, { types: ['node'] }, ['server.ts']);
    writeFileSync(
      file('server.ts'),
      `import { loadCertificates, verifyCmsSignature, verifyDocument, extendPdf, createVerifierService, reportToJson,
  type VerificationReport, type VerifyOptions, type SubIndication } from '@kyso/verifier';
const options: VerifyOptions = { trustedRoots: loadCertificates('roots.pem'), revocation: { policy: 'prefer' } };
export async function check(cms: string, content: Uint8Array): Promise<SubIndication | 'OK'> {
  const report: VerificationReport = await verifyCmsSignature({ cms, content }, options);
  return report.signatures[0]?.subIndication ?? 'OK';
}
export const any = (bytes: Uint8Array) => verifyDocument(bytes, options).then(reportToJson);
export const archive = (pdf: Uint8Array) => extendPdf(pdf, 'B-LTA', { tsaUrl: 'http://tsa.example' });
export const server = createVerifierService({ verify: options, maxBodyBytes: 1 << 20 });
// @ts-expect-error the revocation policy is a closed set
export const wrong: VerifyOptions = { trustedRoots: [], revocation: { policy: 'sometimes' } };
`,
    );
    const tsc = spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', portal], {
      encoding: 'utf8',
    });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('imported by name it verifies a CMS (the SDK base64); its command prints the JSON report', () => {
    writeFileSync(
      file('check.mjs'),
      `import { readFileSync } from 'node:fs';
import { loadCertificates, verifyCmsSignature } from '@kyso/verifier';
const report = await verifyCmsSignature(
  { cms: readFileSync('signature.p7s', 'utf8'), content: readFileSync('content.txt') },
  { trustedRoots: loadCertificates(process.argv[2]), revocation: { policy: 'off' } },
);
console.log(JSON.stringify({ indication: report.indication, signer: report.signatures[0].signer.name }));
`,
    );
    const out = execFileSync(process.execPath, ['check.mjs', identity.caPem], {
      cwd: portal,
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({ indication: 'TOTAL-PASSED', signer: 'Lê Văn Máy Chủ' });

    const bin = path.join(portal, 'node_modules/@kyso/verifier', manifest.bin['kyso-verify']!);
    const args = [
      'signature.p7s',
      '--detached',
      'content.txt',
      '--roots',
      identity.caPem,
      '--revocation',
      'off',
    ];
    const passed = spawnSync(bin, [...args, '--json'], { cwd: portal, encoding: 'utf8' });
    expect(passed.status, passed.stderr).toBe(0);
    expect(JSON.parse(passed.stdout)).toMatchObject({
      indication: 'TOTAL-PASSED',
      signatures: [{ format: 'CMS', signer: { name: 'Lê Văn Máy Chủ', mst: ['0101234567'] } }],
    });
    writeFileSync(file('content.txt'), 'đã sửa');
    const failed = spawnSync(bin, args, { cwd: portal, encoding: 'utf8' });
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(/^TOTAL-FAILED/);
  });
});
