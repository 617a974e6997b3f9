/**
 * The batch's CAdES template (shared/cms/cades-template.ts) against cades.ts's general writer:
 * byte for byte, for many random digests, signing times and signatures — ECDSA r‖s with leading
 * zero bytes and high bits, RSA values with leading zeros — and verified by OpenSSL.
 */
import { describe, expect, it } from 'vitest';
import {
  assembleSignedData,
  ecdsaRawToDer,
  prepareSignedAttributes,
  type CadesOptions,
} from '../../shared/cms/cades.js';
import { cadesTemplate, ecdsaDerLength, writeEcdsaDer } from '../../shared/cms/cades-template.js';
import { digest } from '../../shared/cms/digest.js';
import type { DigestAlgorithm, RsaScheme } from '../../shared/protocol/common.js';
import { opensslCmsVerify } from '../support/openssl.js';
import { signContentCades } from '../support/software-signer.js';
import { useSoftwareIdentities } from '../support/software-identities.js';

/** A seeded generator (xorshift32): a failure shows its case and repeats. */
function random(seed: number) {
  let x = seed || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
  return { next, bytes };
}

/**
 * A raw ECDSA r‖s the way a token may return it: random, or with r or s starting with zero
 * bytes (a shorter INTEGER), with the high bit set (a 0x00 added), or down to a single byte.
 */
function ecdsaRaw(rng: ReturnType<typeof random>, half: number, shape: number): Uint8Array {
  const raw = rng.bytes(2 * half);
  const part = shape % 2 === 0 ? 0 : half; // r or s
  switch (Math.floor(shape / 2) % 6) {
    case 1:
      raw[part] = 0;
      break;
    case 2:
      raw.fill(0, part, part + 3);
      break;
    case 3:
      raw[part]! |= 0x80;
      raw[half - part]! |= 0x80;
      break;
    case 4:
      raw.fill(0, part, part + half - 1); // one byte left
      raw[part + half - 1] = 0x81;
      break;
    case 5:
      raw.fill(0, part, part + half); // zero
      break;
  }
  return raw;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('CAdES template', () => {
  const ids = useSoftwareIdentities('cades-template', {
    RSA: '/C=VN/CN=Trần Văn Cường/UID=CCCD:001199000555',
    EC: '/C=VN/O=Công ty Sao Mai/CN=Công ty Sao Mai/UID=MST:0108888888',
  });

  it('writes raw ECDSA r‖s as ecdsaRawToDer does, for every shape and size (P-256, P-384, P-521)', () => {
    const rng = random(7);
    for (const half of [32, 48, 66]) {
      for (let shape = 0; shape < 200; shape++) {
        const raw = ecdsaRaw(rng, half, shape);
        const expected = ecdsaRawToDer(raw);
        expect(ecdsaDerLength(raw), `${half} ${hex(raw)}`).toBe(expected.length);
        const out = new Uint8Array(expected.length + 4).fill(0xee);
        writeEcdsaDer(raw, out, 2);
        expect(hex(out.subarray(2, 2 + expected.length)), `${half} ${hex(raw)}`).toBe(hex(expected));
        expect([...out.subarray(0, 2), ...out.subarray(2 + expected.length)]).toEqual([
          0xee, 0xee, 0xee, 0xee,
        ]);
      }
    }
  });

  const variants: Array<{
    keyType: 'RSA' | 'EC';
    digestAlgorithm: DigestAlgorithm;
    signingTime: boolean;
    rsaScheme?: RsaScheme;
    /** CA certificates carried after the signer's (here the other identity's and its own, as stand-ins). */
    withChain?: true;
  }> = [
    { keyType: 'EC', digestAlgorithm: 'SHA-256', signingTime: true },
    // The same variant with a chain: a template of its own, not the one above from the cache.
    { keyType: 'EC', digestAlgorithm: 'SHA-256', signingTime: true, withChain: true },
    { keyType: 'RSA', digestAlgorithm: 'SHA-256', signingTime: false, withChain: true },
    { keyType: 'EC', digestAlgorithm: 'SHA-384', signingTime: true },
    { keyType: 'EC', digestAlgorithm: 'SHA-256', signingTime: false },
    { keyType: 'RSA', digestAlgorithm: 'SHA-256', signingTime: true },
    { keyType: 'RSA', digestAlgorithm: 'SHA-512', signingTime: true, rsaScheme: 'PSS' },
    { keyType: 'RSA', digestAlgorithm: 'SHA-384', signingTime: false, rsaScheme: 'PKCS1-v1_5' },
  ];

  it.each(variants)(
    'gives the general writer’s bytes for random digests, times and signatures: %o',
    async (variant) => {
      const certificate = ids[variant.keyType].certificateDer;
      const chain = variant.withChain ? [ids.RSA.certificateDer, ids.EC.certificateDer] : undefined;
      const template = await cadesTemplate({ ...variant, signerCertificate: certificate, chain });
      const rng = random(variant.digestAlgorithm.length * 31 + (variant.signingTime ? 1 : 2));
      const digestLength = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 }[variant.digestAlgorithm];
      for (let i = 0; i < 150; i++) {
        const contentDigest = rng.bytes(digestLength);
        // any second UTCTime can carry (1950–2049), and the second after it
        const time = new Date(Date.UTC(1950, 0, 1) + Math.floor(rng.next() * 100 * 365.2 * 86400) * 1000);
        const options: CadesOptions = {
          contentDigest,
          digestAlgorithm: variant.digestAlgorithm,
          signerCertificate: certificate,
          signingTime: variant.signingTime ? time : null,
          ...(chain && { chain }),
        };
        const prepared = await prepareSignedAttributes(options);
        const attributes = template.signedAttributes(contentDigest, options.signingTime!);
        expect(hex(attributes), `attributes ${i}`).toBe(hex(prepared.toBeSigned));

        const signature = variant.keyType === 'EC' ? ecdsaRaw(rng, 32, i) : rng.bytes(256).fill(0, 0, i % 3); // leading zeros kept
        const value = variant.keyType === 'EC' ? ecdsaRawToDer(signature) : signature;
        const expected = assembleSignedData(options, prepared, variant.keyType, value, variant.rsaScheme);
        expect(hex(template.signedData(attributes, signature)), `SignedData ${i}`).toBe(hex(expected));
      }
    },
  );

  it('refuses a digest, time or attributes that are not the template’s', async () => {
    const template = await cadesTemplate({
      keyType: 'EC',
      digestAlgorithm: 'SHA-256',
      signingTime: true,
      signerCertificate: ids.EC.certificateDer,
    });
    expect(() => template.signedAttributes(new Uint8Array(48), new Date())).toThrow(RangeError);
    expect(() => template.signedAttributes(new Uint8Array(32), null)).toThrow(RangeError);
    expect(() => template.signedData(new Uint8Array(10), new Uint8Array(64))).toThrow(RangeError);
  });

  it.each(['EC', 'RSA'] as const)(
    'a %s signature made through the template verifies with OpenSSL, as the general writer’s does',
    async (keyType) => {
      const id = ids[keyType];
      const content = new TextEncoder().encode(`Tờ khai thuế GTGT — ${keyType}\n`);
      const template = await cadesTemplate({
        keyType,
        digestAlgorithm: 'SHA-256',
        signingTime: true,
        signerCertificate: id.certificateDer,
      });
      for (let i = 0; i < 3; i++) {
        const attributes = template.signedAttributes(await digest('SHA-256', content), new Date());
        const signature = await id.signer.signDigest(await digest('SHA-256', attributes), 'SHA-256');
        const cms = template.signedData(attributes, signature);
        expect(opensslCmsVerify({ cms, content, caFile: id.caPem }).ok).toBe(true);
        const tampered = content.slice();
        tampered[0]! ^= 1;
        expect(opensslCmsVerify({ cms, content: tampered, caFile: id.caPem }).ok).toBe(false);
      }
      const general = await signContentCades(id, content);
      expect(opensslCmsVerify({ cms: general, content, caFile: id.caPem }).ok).toBe(true);
    },
  );
});
