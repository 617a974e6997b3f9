/**
 * CMS / CAdES signatures changed by someone who wants the verifier to vouch for a time or a signer
 * nobody proved: a time-stamp of a TSA nobody trusts, made to look trusted by the certificates it
 * carries (unsigned: anyone adds them). Judged by the verifier and, where it has a say, openssl.
 */
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCades } from '../../shared/cms/cades.js';
import { digest } from '../../shared/cms/digest.js';
import { attachSignatureTimestamp, requestTimestamp, signatureValue } from '../../shared/cms/timestamp.js';
import { toArrayBuffer } from '../../shared/encoding.js';
import { verifyCmsSignature, type VerifyOptions } from '../../verifier/src/index.js';
import { opensslTsVerify } from '../support/openssl.js';
import { useSoftwareIdentities } from '../support/software-identities.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';

const content = new TextEncoder().encode('Hồ sơ đăng ký kinh doanh — bản ký số\n');

let trustedTsa: LocalTsa;
/** Anyone's TSA: its own CA, trusted by nobody, and whatever clock it likes. */
let rogueTsa: LocalTsa;
const ids = useSoftwareIdentities('verifier-cades', {
  RSA: '/C=VN/CN=Nguyễn Thị Thời Gian/UID=CCCD:001199000888',
  EC: '/C=VN/O=Công ty Dấu Thời Gian/CN=Công ty Dấu Thời Gian/UID=MST:0109999999',
});

beforeAll(async () => {
  [trustedTsa, rogueTsa] = await Promise.all([startLocalTsa(), startLocalTsa()]);
});
afterAll(async () => {
  await Promise.all([trustedTsa?.close(), rogueTsa?.close()]);
});

const options = (): VerifyOptions => ({
  trustedRoots: [ids.RSA.caDer],
  timestampRoots: [trustedTsa.caDer],
  revocation: { policy: 'off' },
});

async function signBes(): Promise<Uint8Array> {
  return signCades(
    {
      contentDigest: await digest('SHA-256', content),
      digestAlgorithm: 'SHA-256',
      signerCertificate: ids.RSA.certificateDer,
    },
    ids.RSA.signer,
  );
}

/** The token with `extra` certificates appended to its (unsigned) certificate set. */
function withCertificates(token: Uint8Array, extra: Uint8Array[]): Uint8Array {
  const contentInfo = pkijs.ContentInfo.fromBER(toArrayBuffer(token));
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  signedData.certificates = [
    ...(signedData.certificates ?? []),
    ...extra.map((der) => pkijs.Certificate.fromBER(toArrayBuffer(der))),
  ];
  contentInfo.content = signedData.toSchema(true);
  return new Uint8Array(contentInfo.toSchema().toBER());
}

describe('CAdES-T: whose time-stamp proves the signing time', () => {
  it('a rogue TSA carrying a trusted certificate after its own proves nothing: its time is not the signing time; openssl ts agrees', async () => {
    const bes = await signBes();
    const signature = signatureValue(bes);
    const rogueToken = await requestTimestamp(rogueTsa.url, signature);
    // The trusted TSA's certificate (or any certificate chaining to a TSA root) rides along, last.
    const disguised = withCertificates(rogueToken, [trustedTsa.tsaCertDer]);
    expect(
      opensslTsVerify({ token: disguised, over: { data: signature }, caFile: trustedTsa.caPemPath }).ok,
    ).toBe(false);

    const report = await verifyCmsSignature(
      { cms: attachSignatureTimestamp(bes, disguised), content },
      options(),
    );
    expect(report.signatures[0]!.timeSource).not.toBe('timestamp');
    expect(report.signatures[0]!.problems).toContain('TIMESTAMP_INVALID');
    expect(report.indication).not.toBe('TOTAL-PASSED');

    // The trusted TSA's own token passes: the check is of the signer, not of the bag.
    const good = await requestTimestamp(trustedTsa.url, signature);
    const passed = await verifyCmsSignature({ cms: attachSignatureTimestamp(bes, good), content }, options());
    expect(passed.signatures[0]).toMatchObject({ indication: 'TOTAL-PASSED', timeSource: 'timestamp' });
  });
});
