/**
 * CAdES-T: CAdES-BES signatures (software keys and the SoftHSM token) time-stamped by a local
 * `openssl ts` TSA, checked by OpenSSL (`cms -verify`, `ts -verify`) and by our own verifiers;
 * tampering and TSA failures are rejected with clear errors.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCades, type DigestSigner } from '../../shared/cms/cades.js';
import { digest } from '../../shared/cms/digest.js';
import {
  addSignatureTimestamp,
  attachSignatureTimestamp,
  requestTimestamp,
  signatureValue,
} from '../../shared/cms/timestamp.js';
import { verifyCms } from '../../shared/cms/verify.js';
import { signatureTimestampTokens, verifySignatureTimestamp } from '../../shared/cms/verify-timestamp.js';
import { toArrayBuffer } from '../../shared/encoding.js';
import { KysoError } from '../../shared/protocol/errors.js';
import { TokenAccess } from '../../native-host/src/worker/token-access.js';
import { packGroups, unpackGroups } from '../../native-host/src/worker/sign-groups.js';
import { opensslCmsVerify, opensslTsVerify as verifyTimestampToken } from '../support/openssl.js';
import { useSoftwareIdentities } from '../support/software-identities.js';
import { copyTestToken, type TestToken } from '../support/token.js';
import { startLocalTsa, type LocalTsa } from '../support/tsa.js';

const content = new TextEncoder().encode('Tờ khai thuế giá trị gia tăng — kỳ 03/2026\n');

let tsa: LocalTsa;
const ids = useSoftwareIdentities('cades-t', {
  RSA: '/C=VN/CN=Trần Văn An/UID=CCCD:001199000555',
  EC: '/C=VN/O=Công ty Sao Mai/CN=Công ty Sao Mai/UID=MST:0108888888',
});

beforeAll(async () => {
  tsa = await startLocalTsa();
});

afterAll(async () => {
  await tsa?.close();
});

async function sign(signer: DigestSigner, certificate: Uint8Array, extra: { content?: Uint8Array } = {}) {
  return signCades(
    {
      contentDigest: await digest('SHA-256', content),
      digestAlgorithm: 'SHA-256',
      signerCertificate: certificate,
      ...extra,
    },
    signer,
  );
}

function onlyToken(cms: Uint8Array): Uint8Array {
  const signedData = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(toArrayBuffer(cms)).content });
  const tokens = signatureTimestampTokens(signedData.signerInfos[0]!);
  expect(tokens).toHaveLength(1);
  return tokens[0]!;
}

let fileCounter = 0;
function file(bytes: Uint8Array): string {
  const name = path.join(ids.dir, `f${fileCounter++}.bin`);
  writeFileSync(name, bytes);
  return name;
}

/** `openssl ts -verify` against this suite's TSA unless told otherwise. */
const opensslTsVerify = (
  token: Uint8Array,
  over: { data: Uint8Array } | { sha256: Uint8Array },
  caFile = tsa.caPemPath,
) => verifyTimestampToken({ token, over, caFile });

/** Checks one CAdES-T signature with OpenSSL and with our verifiers. */
async function expectValidCadesT(
  cms: Uint8Array,
  signerCa: { caPem: string; caDer: Uint8Array },
  withContent = true,
) {
  expect(
    opensslCmsVerify({ cms, content: withContent ? content : undefined, caFile: signerCa.caPem }).output,
  ).toMatch(/Verification successful/);
  const token = onlyToken(cms);
  const signature = signatureValue(cms);
  const ts = opensslTsVerify(token, { data: signature });
  expect(ts.output).toMatch(/Verification: OK/);
  expect(opensslTsVerify(token, { sha256: await digest('SHA-256', signature) }).ok).toBe(true);

  const printed = spawnSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', file(cms)], {
    encoding: 'utf8',
  }).stdout;
  expect(printed).toMatch(/unsignedAttrs:\s*\n\s*object: id-smime-aa-timeStampToken/);

  const timestamp = await verifySignatureTimestamp(cms, { trustedRoots: [tsa.caDer] });
  expect(timestamp.problems).toEqual([]);
  expect(timestamp).toMatchObject({ present: true, valid: true });
  expect(Math.abs(timestamp.time!.getTime() - Date.now())).toBeLessThan(60_000);
  expect(timestamp.tsaCertificate).toEqual(new Uint8Array(tsa.tsaCertDer));

  const ours = await verifyCms({ cms, content, trustedRoots: [signerCa.caDer], timestampRoots: [tsa.caDer] });
  expect(ours.problems).toEqual([]);
  expect(ours.valid).toBe(true);
  expect(ours.timestamp).toMatchObject({ present: true, valid: true });
  expect(ours.timestamp!.time).toEqual(timestamp.time);
}

describe('CAdES-T with a local TSA', () => {
  it.each(['RSA', 'EC'] as const)(
    'software %s signature: time-stamp verified by openssl cms, openssl ts and our verifiers',
    async (keyType) => {
      const id = ids[keyType];
      const bes = await sign(id.signer, id.certificateDer);
      const cadesT = await addSignatureTimestamp(bes, tsa.url);
      await expectValidCadesT(cadesT, id);
      // Only the unsigned attributes were added: the signature value is the same octets.
      expect(signatureValue(cadesT)).toEqual(signatureValue(bes));
      expect((await verifyCms({ cms: bes, content })).timestamp).toBeUndefined();
    },
  );

  it('SoftHSM token signature (RSA key on the token) gets a valid time-stamp', async () => {
    let token: TestToken | undefined;
    let access: TokenAccess | undefined;
    try {
      token = copyTestToken();
      process.env.SOFTHSM2_CONF = token.conf; // read by SoftHSM at C_Initialize
      access = new TokenAccess([token.module]);
      expect(access.moduleErrors).toEqual([]);
      const certificateDer = token.certDer('01');
      const entry = access
        .listCertificates()
        .certificates.find((c) => c.certificate === certificateDer.toString('base64'));
      expect(entry).toBeDefined();
      const opened = access.openSigning(entry!.id, token.pin);
      const tokenAccess = access;
      const signer: DigestSigner = {
        keyType: opened.keyType,
        signDigest: async (hash, algorithm, data) => {
          const groups = packGroups([{ digest: hash, digestAlgorithm: algorithm, ...(data && { data }) }]);
          const [signed] = unpackGroups(groups, [tokenAccess.signGroup(opened.handle, groups[0]!)]);
          if (!signed?.ok) throw new Error(JSON.stringify(signed));
          return signed.signature;
        },
      };
      const bes = await sign(signer, certificateDer);
      access.closeSigning(opened.handle);
      const cadesT = await addSignatureTimestamp(bes, tsa.url);
      await expectValidCadesT(cadesT, {
        caPem: token.caPem,
        caDer: pemToDer(readFileSync(token.caPem, 'utf8')),
      });
    } finally {
      access?.close();
      token?.remove();
    }
  });

  it('attached signature keeps its content; a second time-stamp is added next to the first', async () => {
    const id = ids.EC;
    const attached = await sign(id.signer, id.certificateDer, { content });
    const once = await addSignatureTimestamp(attached, tsa.url);
    await expectValidCadesT(once, id, false);
    expect((await verifyCms({ cms: once })).content).toEqual(content);

    const twice = await addSignatureTimestamp(once, tsa.url, { hashAlgorithm: 'SHA-384' });
    expect(opensslCmsVerify({ cms: twice, caFile: id.caPem }).ok).toBe(true);
    const signedData = new pkijs.SignedData({
      schema: pkijs.ContentInfo.fromBER(toArrayBuffer(twice)).content,
    });
    const tokens = signatureTimestampTokens(signedData.signerInfos[0]!);
    expect(tokens).toHaveLength(2);
    for (const token of tokens) expect(opensslTsVerify(token, { data: signatureValue(twice) }).ok).toBe(true);
    expect(await verifySignatureTimestamp(twice, { trustedRoots: [tsa.caDer] })).toMatchObject({
      present: true,
      valid: true,
    });
  });

  it('rejects a tampered signature value (and OpenSSL agrees)', async () => {
    const id = ids.RSA;
    const cadesT = await addSignatureTimestamp(await sign(id.signer, id.certificateDer), tsa.url);
    const signature = signatureValue(cadesT);
    const at = indexOf(cadesT, signature);
    const tampered = cadesT.slice();
    tampered[at + 10]! ^= 0x01;

    expect(opensslCmsVerify({ cms: tampered, content, caFile: id.caPem }).ok).toBe(false);
    expect(opensslTsVerify(onlyToken(tampered), { data: signatureValue(tampered) }).ok).toBe(false);
    const timestamp = await verifySignatureTimestamp(tampered);
    expect(timestamp.present).toBe(true);
    expect(timestamp.valid).toBe(false);
    expect(timestamp.problems).toContain('time-stamp imprint does not match the time-stamped data');
    const ours = await verifyCms({ cms: tampered, content });
    expect(ours.valid).toBe(false);
    expect(ours.timestamp).toMatchObject({ present: true, valid: false });
    expect(ours.problems).toContain(
      'signature time-stamp: time-stamp imprint does not match the time-stamped data',
    );
  });

  it('rejects a token taken from another signature', async () => {
    const id = ids.EC;
    const first = await addSignatureTimestamp(await sign(id.signer, id.certificateDer), tsa.url);
    const second = await sign(id.signer, id.certificateDer);
    const borrowed = attachSignatureTimestamp(second, onlyToken(first));

    // The signature itself is still fine, only the time-stamp lies.
    expect(opensslCmsVerify({ cms: borrowed, content, caFile: id.caPem }).ok).toBe(true);
    expect(opensslTsVerify(onlyToken(borrowed), { data: signatureValue(borrowed) }).ok).toBe(false);
    const ours = await verifyCms({ cms: borrowed, content });
    expect(ours.signatureValid).toBe(true);
    expect(ours.valid).toBe(false);
    expect(ours.timestamp).toMatchObject({ present: true, valid: false });
  });

  it('rejects a token whose TSTInfo was altered, and a TSA outside the trusted roots', async () => {
    const id = ids.RSA;
    const bes = await sign(id.signer, id.certificateDer);
    const cadesT = await addSignatureTimestamp(bes, tsa.url);
    const token = onlyToken(cadesT);
    const genTime = new TextEncoder().encode(String(new Date().getUTCFullYear()));
    const at = indexOf(token, genTime);
    expect(at).toBeGreaterThan(0);
    const altered = token.slice();
    altered[at + 3]! ^= 0x01; // another year
    const forged = attachSignatureTimestamp(bes, altered);
    expect(opensslTsVerify(onlyToken(forged), { data: signatureValue(forged) }).ok).toBe(false);
    const check = await verifySignatureTimestamp(forged);
    expect(check.valid).toBe(false);
    expect(check.problems).toEqual(['time-stamp token messageDigest does not match its TSTInfo']);

    // The TSA's own signature value, altered.
    const tsaSignature = new pkijs.SignedData({
      schema: pkijs.ContentInfo.fromBER(toArrayBuffer(token)).content,
    }).signerInfos[0]!.signature.valueBlock.valueHexView;
    const badSignature = token.slice();
    badSignature[indexOf(token, tsaSignature) + 20]! ^= 0x01;
    expect(opensslTsVerify(badSignature, { data: signatureValue(cadesT) }).ok).toBe(false);
    const badSignatureCheck = await verifySignatureTimestamp(attachSignatureTimestamp(bes, badSignature));
    expect(badSignatureCheck.valid).toBe(false);
    expect(badSignatureCheck.problems).toEqual(['time-stamp token signature does not verify']);

    const untrusted = await verifySignatureTimestamp(cadesT, { trustedRoots: [id.caDer] });
    expect(untrusted.valid).toBe(false);
    expect(untrusted.problems.some((p) => p.startsWith('TSA certificate chain:'))).toBe(true);
    expect(opensslTsVerify(token, { data: signatureValue(cadesT) }, id.caPem).ok).toBe(false);
  });
});

describe('TSA failures give clear errors', () => {
  const data = new TextEncoder().encode('chữ ký');
  afterAll(() => tsa.behave({ kind: 'grant' }));

  async function failure(promise: Promise<unknown>): Promise<KysoError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KysoError);
    return error as KysoError;
  }

  it('refusal carries the PKI status, text and failure info', async () => {
    tsa.behave({ kind: 'reject' });
    const error = await failure(requestTimestamp(tsa.url, data));
    expect(error.code).toBe('TIMESTAMP_FAILED');
    expect(error.details).toMatchObject({
      reason: 'tsa-rejected',
      pkiStatus: 2,
      failInfo: 'badAlg',
      statusText: 'test TSA refuses this request',
    });
    expect(error.message).toContain('rejection');
  });

  it('garbage, HTTP errors, replayed nonces and other imprints', async () => {
    const cases: Array<[Parameters<LocalTsa['behave']>[0], string]> = [
      [{ kind: 'garbage' }, 'tsa-bad-response'],
      [{ kind: 'http-error', status: 503 }, 'tsa-http-error'],
      [{ kind: 'wrong-nonce' }, 'tsa-nonce-mismatch'],
      [{ kind: 'wrong-imprint' }, 'tsa-imprint-mismatch'],
    ];
    for (const [behaviour, reason] of cases) {
      tsa.behave(behaviour);
      const error = await failure(requestTimestamp(tsa.url, data));
      expect(error.code, reason).toBe('TIMESTAMP_FAILED');
      expect(error.details?.reason).toBe(reason);
    }
  });

  it('a slow TSA times out; an unreachable one is reported as such', async () => {
    tsa.behave({ kind: 'delay', ms: 3_000 });
    const started = Date.now();
    const slow = await failure(
      addSignatureTimestamp(await sign(ids.EC.signer, ids.EC.certificateDer), tsa.url, { timeoutMs: 300 }),
    );
    expect(slow.code).toBe('TIMEOUT');
    expect(slow.details).toMatchObject({ reason: 'tsa-timeout', timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(2_000);

    const unreachable = await failure(requestTimestamp(`http://127.0.0.1:${await closedPort()}/tsa`, data));
    expect(unreachable.code).toBe('TIMESTAMP_FAILED');
    expect(unreachable.details?.reason).toBe('tsa-unreachable');
    expect(unreachable.details?.cause).toBe('ECONNREFUSED');
    // In kyso's words: the page may show the message; fetch's own ("fetch failed") says nothing.
    expect(unreachable.message).toBe('The time-stamp server could not be reached');
  });
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function pemToDer(pem: string): Uint8Array {
  return new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
}

/** A port nothing listens on: bind one, note it, release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
