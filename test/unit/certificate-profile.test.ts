import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pkijs from 'pkijs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  extractIdentities,
  holderName,
  summarizeCertificate,
  usabilityProblems,
} from '../../shared/certificate/profile.js';
import { selfSigned } from '../support/openssl.js';

/** Certificates made by openssl (an independent producer), with the Vietnamese profile. */
function makeCert(dir: string, name: string, subject: string, ext: string[], days = 30): Buffer {
  const der = path.join(dir, `${name}.der`);
  selfSigned({
    keyFile: path.join(dir, `${name}.key`),
    certFile: der,
    subject,
    days,
    extensions: ext,
    ...(name.startsWith('ec') && { ecCurve: 'P-384' }),
    der: true,
  });
  return readFileSync(der);
}

describe('Vietnamese certificate profile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kyso-profile-'));
  });

  it('reads CN, O, T, ST with diacritics and several UIDs', () => {
    const der = makeCert(
      dir,
      'rsa-person',
      '/C=VN/ST=Thừa Thiên Huế/O=Sở Tài chính/title=Giám đốc/CN=Phạm Thị Ngọc Ánh/UID=CCCD:046199000333/UID=MST:8012345678-998',
      ['keyUsage=critical,digitalSignature,nonRepudiation'],
    );
    const s = summarizeCertificate(der);
    expect(s.subject.commonName).toBe('Phạm Thị Ngọc Ánh');
    expect(s.subject.organization).toBe('Sở Tài chính');
    expect(s.subject.title).toBe('Giám đốc');
    expect(s.subject.stateOrProvince).toBe('Thừa Thiên Huế');
    expect(s.subject.country).toBe('VN');
    expect(s.identities).toEqual({ CCCD: ['046199000333'], MST: ['8012345678-998'] });
    expect(s.keyType).toBe('RSA');
    expect(s.keyDetail).toBe('2048');
    expect(s.keyUsage).toEqual({ digitalSignature: true, nonRepudiation: true, present: true });
    expect(usabilityProblems(s)).toEqual([]);
    expect(holderName(s)).toBe('Phạm Thị Ngọc Ánh');
  });

  it('finds MST in O (older certificates) and describes EC keys', () => {
    const der = makeCert(dir, 'ec-company', '/C=VN/O=MST:0101234567/CN=Công ty Cổ phần Đông Á', [
      'keyUsage=critical,keyEncipherment',
    ]);
    const s = summarizeCertificate(der);
    expect(s.identities).toEqual({ MST: ['0101234567'] });
    expect(s.keyType).toBe('EC');
    expect(s.keyDetail).toBe('P-384');
    expect(usabilityProblems(s)).toEqual(['not-for-signing']);
  });

  it('refuses an RSA key under 2048 bits (weak-key), as the verifier would judge its signatures', () => {
    const weak = (bits: number) => {
      const der = path.join(dir, `rsa-${bits}.der`);
      selfSigned({
        keyFile: path.join(dir, `rsa-${bits}.key`),
        certFile: der,
        subject: `/C=VN/CN=Khoá ${bits} bit`,
        days: 30,
        extensions: ['keyUsage=critical,digitalSignature,nonRepudiation'],
        rsaBits: bits,
        der: true,
      });
      return summarizeCertificate(readFileSync(der));
    };
    for (const bits of [1024, 2040]) {
      const summary = weak(bits);
      expect(summary.keyDetail).toBe(String(bits));
      expect(usabilityProblems(summary)).toEqual(['weak-key']);
    }
    expect(usabilityProblems(weak(3072))).toEqual([]);
  });

  it('refuses expired and not-yet-valid certificates by date', () => {
    const s = summarizeCertificate(makeCert(dir, 'rsa-dated', '/C=VN/CN=Hồ Văn Hạn', [], 10));
    const after = new Date(s.notAfter.getTime() + 1000);
    const before = new Date(s.notBefore.getTime() - 1000);
    expect(usabilityProblems(s, after)).toEqual(['expired']);
    expect(usabilityProblems(s, before)).toEqual(['not-yet-valid']);
    expect(usabilityProblems(s, new Date(s.notBefore.getTime() + 1000))).toEqual([]);
  });

  it('reads serial number, validity and issuer as openssl does, and refuses what is not a certificate', () => {
    const der = makeCert(dir, 'rsa-openssl', '/C=VN/O=Sở Tài chính/CN=Lê Văn Kiểm', [
      'keyUsage=critical,nonRepudiation',
    ]);
    const s = summarizeCertificate(der);
    const openssl = execFileSync(
      'openssl',
      ['x509', '-inform', 'DER', '-noout', '-serial', '-startdate', '-enddate'],
      { input: der, encoding: 'utf8' },
    );
    const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(openssl)![1]!;
    expect(s.serialNumberHex.replace(/^00/, '').toUpperCase()).toBe(field('serial'));
    expect(s.notBefore.getTime()).toBe(new Date(field('notBefore')).getTime());
    expect(s.notAfter.getTime()).toBe(new Date(field('notAfter')).getTime());
    expect(s.issuer).toEqual(s.subject); // self-signed
    expect(s.keyUsage).toEqual({ digitalSignature: false, nonRepudiation: true, present: true });
    expect(() => summarizeCertificate(new Uint8Array([1, 2, 3]))).toThrow();
    expect(() => summarizeCertificate(der.subarray(0, 200))).toThrow();
    // A SEQUENCE that is not a certificate: the fields are checked, not just the outer tag.
    expect(() => summarizeCertificate(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]))).toThrow();
  });

  it('reads what pkijs reads: names in UTF8String, BMPString and PrintableString, GeneralizedTime, RSA and EC keys', () => {
    const certs: Buffer[] = [
      makeCert(dir, 'rsa-diff', '/C=VN/ST=Hà Nội/O=Công ty Ánh Dương/CN=Đỗ Thị Hằng/UID=MST:0101234567', [
        'keyUsage=critical,digitalSignature',
      ]),
      makeCert(dir, 'ec-diff', '/C=VN/L=Đà Nẵng/CN=Trần Văn Bảo/emailAddress=bao@example.vn', [], 15000), // notAfter past 2049: GeneralizedTime
    ];
    // BMPString names: openssl's "default" string mask, as some older CAs issued
    const bmpConfig = path.join(dir, 'bmp.cnf');
    writeFileSync(bmpConfig, '[req]\ndistinguished_name = dn\nstring_mask = default\n[dn]\n');
    const bmp = path.join(dir, 'bmp.der');
    selfSigned({
      keyFile: path.join(dir, 'bmp.key'),
      certFile: bmp,
      subject: '/C=VN/O=Sở Tư pháp/CN=Vũ Minh Châu',
      days: 30,
      extensions: [],
      der: true,
      config: bmpConfig,
    });
    expect(
      execFileSync('openssl', ['asn1parse', '-inform', 'DER', '-in', bmp], { encoding: 'utf8' }),
    ).toContain('BMPSTRING');
    certs.push(readFileSync(bmp));
    for (const der of certs) {
      const ours = summarizeCertificate(der);
      const theirs = pkijs.Certificate.fromBER(new Uint8Array(der).buffer);
      const text = (name: pkijs.RelativeDistinguishedNames, oid: string) =>
        (
          name.typesAndValues.find((tv) => tv.type === oid)?.value.valueBlock as
            { value?: string } | undefined
        )?.value;
      for (const [field, oid] of [
        ['commonName', '2.5.4.3'],
        ['organization', '2.5.4.10'],
        ['locality', '2.5.4.7'],
        ['stateOrProvince', '2.5.4.8'],
        ['country', '2.5.4.6'],
        ['email', '1.2.840.113549.1.9.1'],
      ] as const) {
        expect(ours.subject[field]).toBe(text(theirs.subject, oid));
        expect(ours.issuer[field]).toBe(text(theirs.issuer, oid));
      }
      expect(ours.notBefore.getTime()).toBe(theirs.notBefore.value.getTime());
      expect(ours.notAfter.getTime()).toBe(theirs.notAfter.value.getTime());
      expect(ours.serialNumberHex).toBe(
        Buffer.from(theirs.serialNumber.valueBlock.valueHexView).toString('hex'),
      );
    }
    expect(summarizeCertificate(certs[0]!).subject.commonName).toBe('Đỗ Thị Hằng');
    expect(summarizeCertificate(certs[1]!).notAfter.getUTCFullYear()).toBeGreaterThan(2049);
    expect(summarizeCertificate(certs[1]!).keyDetail).toBe('P-384');
    expect(summarizeCertificate(certs[2]!).subject.organization).toBe('Sở Tư pháp');
  });

  it('parses every identity prefix and ignores other UIDs', () => {
    expect(
      extractIdentities({
        uids: ['HC:B1234567', 'MNS:1012345', 'CMND:012345678', 'user42', 'mst: 0300000000'],
      }),
    ).toEqual({ HC: ['B1234567'], MNS: ['1012345'], CMND: ['012345678'], MST: ['0300000000'] });
  });
});
