/**
 * A token that holds its CA's certificate beside its signer's (as Vietnamese CAs' tokens often do):
 * each CMS the host makes carries it, so `openssl cms -verify` trusting only the root verifies the
 * signature without being given the CA; begin-batch reports it (the extension prepares a PDF with
 * it). A certificate the CA did not issue carries nothing more.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostResponse, HostResult, SignItemResult } from '../../shared/protocol/host.js';
import { startHostSession, type HostSession } from '../support/host-session.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { addSignerUnderLicensedCa } from '../support/token.js';

const origin = 'https://thuedientu.gdt.gov.vn';
const content = Buffer.from('Tờ khai thuế GTGT mẫu 01/GTGT — kỳ tháng 11/2026\n');
const digest = createHash('sha256').update(content).digest('base64');

function resultOf<T>(response: HostResponse): T {
  if (!response.ok) throw new Error(JSON.stringify(response.error));
  return response.result as T;
}

/** The certificates a CMS carries, as openssl extracts them: each one's subject, in order. */
function carriedSubjects(cms: Uint8Array): string[] {
  const printed = execFileSync('openssl', ['pkcs7', '-inform', 'DER', '-print_certs'], {
    input: cms,
    encoding: 'utf8',
  });
  const blocks = printed.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((pem) => new X509Certificate(pem).subject);
}

describe('the CA certificate a token holds, carried in the signatures it makes', () => {
  let dir: string;
  let licensedCa: string;
  let session: HostSession;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-token-chain-'));
    session = await startHostSession({
      env: (token) => {
        ({ caPem: licensedCa } = addSignerUnderLicensedCa(token, dir, {
          id: '08',
          caId: 'c8',
          subject: '/C=VN/CN=Phạm Thị Chi/UID=CCCD:079200001234',
        }));
        return token.env;
      },
    });
  });
  afterAll(async () => {
    await session?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const licensedCaDer = () => execFileSync('openssl', ['x509', '-in', licensedCa, '-outform', 'DER']);
  const signCms = async (keyId: string) =>
    Buffer.from(
      resultOf<HostResult<'sign-cms'>>(
        await session.host.request('sign-cms', {
          certificateId: session.certificate(keyId).id,
          pin: session.token.pin,
          origin,
          digest,
          digestAlgorithm: 'SHA-256',
        }),
      ).cms,
      'base64',
    );

  it('sign-cms: the CMS carries the signer’s and its CA’s certificates; openssl trusting only the root verifies it', async () => {
    const cms = await signCms('08');
    const subjects = carriedSubjects(cms);
    expect(subjects).toHaveLength(2);
    expect(subjects[0]).toContain('Phạm Thị Chi');
    expect(subjects[1]).toContain('CA cấp dưới thử nghiệm c8');
    const verified = opensslCmsVerify({ cms, content, caFile: session.token.caPem });
    expect(verified.ok, verified.output).toBe(true);
  });

  it('a batch: begin-batch reports the CA, and each CMS of the batch carries it', async () => {
    const { batchId, issuers } = resultOf<HostResult<'begin-batch'>>(
      await session.host.request('begin-batch', {
        certificateId: session.certificate('08').id,
        pin: session.token.pin,
        origin,
        total: 2,
      }),
    );
    try {
      expect(issuers.map((c) => Buffer.from(c, 'base64'))).toEqual([licensedCaDer()]);
      const { results } = resultOf<{ results: SignItemResult[] }>(
        await session.host.request('sign-batch', {
          batchId,
          items: [0, 1].map(() => ({ kind: 'cms', digest, digestAlgorithm: 'SHA-256', signingTime: true })),
        }),
      );
      for (const result of results) {
        if (!result.ok || !('cms' in result)) throw new Error(JSON.stringify(result));
        const cms = Buffer.from(result.cms, 'base64');
        expect(carriedSubjects(cms)).toHaveLength(2);
        const verified = opensslCmsVerify({ cms, content, caFile: session.token.caPem });
        expect(verified.ok, verified.output).toBe(true);
      }
    } finally {
      resultOf(await session.host.request('end-batch', { batchId }));
    }
  });

  it('a certificate the token’s CA did not issue (01, the root’s own) carries only itself', async () => {
    expect(carriedSubjects(await signCms('01'))).toHaveLength(1);
  });
});
