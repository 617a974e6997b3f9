/**
 * The example backends of docs/clients/, unmodified, against `kyso verify --serve`: the Java
 * (java.net.http, run from source by the JDK), C# (HttpClient + DataContractJsonSerializer, built
 * by Mono's mcs and run by mono: the .NET SDK is not in Debian, and the client keeps to what
 * .NET Framework, .NET 6+ and Mono share) and PHP (curl) clients verify a kyso signature with one
 * HTTP call. A document whose first signature passes but whose whole is TOTAL-FAILED (bytes added
 * after the second signature) must not be accepted; a file that is no signature gets the service's
 * JSON 400.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCades } from '../../shared/cms/cades.js';
import { signPdf } from '../../shared/pdf/pades.js';
import { REPO_ROOT } from '../support/paths.js';
import { padesSignerOf } from '../support/software-signer.js';
import { startRevocationCa, type IssuedCertificate, type RevocationCa } from '../support/revocation-ca.js';
import { onePagePdf } from '../support/sample-pdf.js';
import { startVerifierService, type VerifierService } from '../support/verifier-service.js';

const CLIENTS = path.join(REPO_ROOT, 'docs/clients');

/** Asynchronously: the CA's OCSP responder answers the service from this process. */
const run = (command: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(command, args, { encoding: 'utf8', timeout: 90_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('docs/clients: Java, C# and PHP backends verify through the HTTP service', () => {
  let ca: RevocationCa;
  let signer: IssuedCertificate;
  let service: VerifierService;
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  const content = Buffer.from('Hồ sơ một cửa số 17 — bản ký số\n');

  beforeAll(async () => {
    ca = await startRevocationCa();
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-verifier-clients-'));
    signer = ca.issue('/C=VN/CN=Đỗ Thị Cổng/UID=MST:0101234567');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // one-second certificate times
    service = await startVerifierService(['--roots', ca.caPemPath]);
    const cms = await signCades(
      {
        contentDigest: createHash('sha256').update(content).digest(),
        digestAlgorithm: 'SHA-256',
        signerCertificate: signer.der,
      },
      signer.signer,
    );
    // As the SDK hands it to the portal: base64 text.
    writeFileSync(file('chu-ky.p7s'), Buffer.from(cms).toString('base64'));
    writeFileSync(file('ho-so.txt'), content);
    const sign = (pdf: Uint8Array) => signPdf(pdf, {}, padesSignerOf(signer));
    const twice = await sign(await sign(await onePagePdf('Ho so mot cua')));
    writeFileSync(file('changed.pdf'), Buffer.concat([twice, Buffer.from('\n% changed after signing\n')]));
    writeFileSync(file('not-signed.txt'), 'Xin chào, đây không phải chữ ký');
  }, 60_000);
  afterAll(async () => {
    service?.stop();
    await ca?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Java (java VerifyClient.java): a good detached CMS is accepted; a changed PDF is not; not a signature: 400', async () => {
    const java = (...args: string[]) =>
      run('java', [path.join(CLIENTS, 'VerifyClient.java'), service.base, ...args]);
    const good = await java(file('chu-ky.p7s'), file('ho-so.txt'));
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toMatch(/^200 \{"format":"cms","indication":"TOTAL-PASSED"/);
    expect(good.stdout).toContain('"name":"Đỗ Thị Cổng"');
    const changed = await java(file('changed.pdf'));
    expect(changed.stdout).toMatch(/^200 \{"format":"pdf","indication":"TOTAL-FAILED"/);
    expect(changed.stdout).toContain('"indication":"TOTAL-PASSED"'); // the first signature's
    expect(changed.code).toBe(1);
    const notSigned = await java(file('not-signed.txt'));
    expect(notSigned.stdout).toMatch(/^400 \{"error":"NOT_DER"/);
    expect(notSigned.code).toBe(1);
  }, 120_000);

  /**
   * The C# and PHP clients print one line per signature and exit 0 when the document is accepted, 1
   * when it is not, 2 when the service refused the request.
   */
  async function expectLinePerSignature(client: (...args: string[]) => ReturnType<typeof run>) {
    const good = await client(file('chu-ky.p7s'), file('ho-so.txt'));
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toBe('TOTAL-PASSED: Đỗ Thị Cổng (0101234567)\n');
    const changed = await client(file('changed.pdf'));
    expect(changed.stdout).toBe(
      'TOTAL-PASSED: Đỗ Thị Cổng (0101234567)\nTOTAL-FAILED / SIG_CONSTRAINTS_FAILURE: Đỗ Thị Cổng (0101234567)\n',
    );
    expect(changed.code).toBe(1);
    const notSigned = await client(file('not-signed.txt'));
    expect(notSigned.stderr).toMatch(/^400 NOT_DER: /);
    expect(notSigned.code).toBe(2);
  }

  it('C# (mcs + mono, HttpClient): a good detached CMS is accepted with the signer; a changed PDF is not; not a signature: 400', async () => {
    const exe = file('VerifyClient.exe');
    const built = await run('mcs', [
      '-r:System.Net.Http',
      '-r:System.Runtime.Serialization',
      `-out:${exe}`,
      path.join(CLIENTS, 'VerifyClient.cs'),
    ]);
    expect(built.code, built.stdout + built.stderr).toBe(0);
    await expectLinePerSignature((...args) => run('mono', [exe, service.base, ...args]));
  }, 120_000);

  it('PHP (php verify.php, curl): a good detached CMS is accepted with the signer; a changed PDF is not; not a signature: 400', async () => {
    await expectLinePerSignature((...args) =>
      run('php', [path.join(CLIENTS, 'verify.php'), service.base, ...args]),
    );
  }, 120_000);
});
