/** Mechanism choice without a token: what kyso asks C_Sign for, given the key and what the slot lists. */
import pkcs11js from 'pkcs11js';
import { describe, expect, it } from 'vitest';
import { DIGEST_INFO_PREFIX, SHA1_DIGEST_INFO_PREFIX } from '../../shared/cms/digest-info.js';
import {
  groupAttempts,
  keyKindOf,
  setItemInput,
  type KeyKind,
} from '../../native-host/src/worker/mechanisms.js';
import type { DigestToSign } from '../../native-host/src/worker/messages.js';

const digest = new Uint8Array(32).fill(7);
const data = new TextEncoder().encode('signed attributes');
const names = (attempts: Array<{ name: string }>) => attempts.map((a) => a.name);

/** One item's attempts, as TokenAccess.signGroup makes them for each item of a group. */
function chooseMechanisms(
  request: DigestToSign & { keyKind: KeyKind; listed: readonly number[] | undefined },
) {
  const { digest, data } = request;
  const attempts = groupAttempts({ ...request, digestLength: digest.length, hasData: data !== undefined });
  setItemInput(attempts, Buffer.from(digest), data && Buffer.from(data));
  return attempts;
}

describe('mechanism choice', () => {
  it('RSA: CKM_RSA_PKCS over the DigestInfo first, then hashing on the token when the bytes are there', () => {
    const attempts = chooseMechanisms({
      keyKind: 'RSA',
      listed: undefined,
      digest,
      digestAlgorithm: 'SHA-256',
      data,
    });
    expect(names(attempts)).toEqual(['CKM_RSA_PKCS', 'CKM_SHA256_RSA_PKCS']);
    expect(attempts[0]!.input.toString('hex')).toBe(
      DIGEST_INFO_PREFIX['SHA-256'] + Buffer.from(digest).toString('hex'),
    );
    expect(attempts[1]!.input).toEqual(Buffer.from(data));
    // without the signed bytes only the digest-based way remains
    expect(
      names(chooseMechanisms({ keyKind: 'RSA', listed: undefined, digest, digestAlgorithm: 'SHA-256' })),
    ).toEqual(['CKM_RSA_PKCS']);
  });

  it('a group reuses one DigestInfo buffer: each item gets its own digest behind the prefix', () => {
    const attempts = groupAttempts({
      keyKind: 'RSA',
      listed: undefined,
      digestAlgorithm: 'SHA-256',
      digestLength: 32,
      hasData: false,
    });
    for (const fill of [1, 2]) {
      const itemDigest = Buffer.alloc(32, fill);
      setItemInput(attempts, itemDigest, undefined);
      expect(attempts[0]!.input.toString('hex')).toBe(
        DIGEST_INFO_PREFIX['SHA-256'] + itemDigest.toString('hex'),
      );
    }
  });

  it('skips what the slot does not list; refuses when nothing is left', () => {
    const onlyHashing = chooseMechanisms({
      keyKind: 'RSA',
      listed: [pkcs11js.CKM_SHA384_RSA_PKCS],
      digest: new Uint8Array(48),
      digestAlgorithm: 'SHA-384',
      data,
    });
    expect(names(onlyHashing)).toEqual(['CKM_SHA384_RSA_PKCS']);
    // Nothing left: an RSA slot with only hash-and-sign but no signed bytes to hash, an EC key on an RSA-only slot.
    for (const [keyKind, listed] of [
      ['RSA', [pkcs11js.CKM_SHA256_RSA_PKCS]],
      ['EC', [pkcs11js.CKM_RSA_PKCS]],
    ] as const) {
      expect(() =>
        chooseMechanisms({ keyKind, listed: [...listed], digest, digestAlgorithm: 'SHA-256' }),
      ).toThrow(expect.objectContaining({ code: 'CERTIFICATE_NOT_USABLE' }));
    }
  });

  it('EC: CKM_ECDSA over the bare digest', () => {
    const [attempt, ...rest] = chooseMechanisms({
      keyKind: 'EC',
      listed: [pkcs11js.CKM_ECDSA],
      digest,
      digestAlgorithm: 'SHA-256',
      data,
    });
    expect(rest).toEqual([]);
    expect(attempt).toMatchObject({ name: 'CKM_ECDSA', mechanism: { mechanism: pkcs11js.CKM_ECDSA } });
    expect(attempt!.input).toEqual(Buffer.from(digest));
  });

  it('PSS: MGF1 with the same hash and a salt as long as the hash', () => {
    const attempts = chooseMechanisms({
      keyKind: 'RSA',
      listed: undefined,
      digest: new Uint8Array(64),
      digestAlgorithm: 'SHA-512',
      data,
      rsaScheme: 'PSS',
    });
    expect(names(attempts)).toEqual(['CKM_RSA_PKCS_PSS', 'CKM_SHA512_RSA_PKCS_PSS']);
    expect(attempts[0]!.mechanism.parameter).toMatchObject({
      hashAlg: pkcs11js.CKM_SHA512,
      mgf: pkcs11js.CKG_MGF1_SHA512,
      saltLen: 64,
    });
  });

  it('SHA-1 only as RSA PKCS#1 v1.5 over exactly a SHA-1 DigestInfo', () => {
    const sha1 = new Uint8Array(20).fill(1);
    const [attempt] = chooseMechanisms({
      keyKind: 'RSA',
      listed: undefined,
      digest: sha1,
      digestAlgorithm: 'SHA-1',
    });
    expect(attempt!.input.toString('hex')).toBe(SHA1_DIGEST_INFO_PREFIX + Buffer.from(sha1).toString('hex'));
    for (const bad of [
      { keyKind: 'EC' as const, digest: sha1 },
      { keyKind: 'RSA' as const, digest: sha1, rsaScheme: 'PSS' as const },
      { keyKind: 'RSA' as const, digest },
    ]) {
      expect(() => chooseMechanisms({ listed: undefined, digestAlgorithm: 'SHA-1', ...bad })).toThrow(
        expect.objectContaining({ code: 'BAD_REQUEST' }),
      );
    }
  });

  it('an unknown key type is not usable; CKK values map to key kinds', () => {
    expect(() =>
      chooseMechanisms({ keyKind: 'other', listed: undefined, digest, digestAlgorithm: 'SHA-256' }),
    ).toThrow(expect.objectContaining({ code: 'CERTIFICATE_NOT_USABLE' }));
    expect([
      keyKindOf(pkcs11js.CKK_RSA),
      keyKindOf(pkcs11js.CKK_EC),
      keyKindOf(pkcs11js.CKK_DSA),
      keyKindOf(undefined),
    ]).toEqual(['RSA', 'EC', 'other', 'other']);
  });
});
