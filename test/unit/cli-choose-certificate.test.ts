/** `kyso sign --cert`: which certificate a holder name or identity number, as a person types it, picks. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseCertificate } from '../../native-host/src/cli/sign.js';
import type { CertificateEntry } from '../../shared/protocol/common.js';
import { MASTER_TOKEN_DIR } from '../support/paths.js';

const entry = (id: '01' | '02'): CertificateEntry => ({
  id: `softhsm/serial/${id}`,
  certificate: readFileSync(path.join(MASTER_TOKEN_DIR, `cert-${id}.der`)).toString('base64'),
  keyType: id === '01' ? 'RSA' : 'EC',
  token: { label: 'kyso-test' } as CertificateEntry['token'],
});

describe('kyso sign --cert', () => {
  const certificates = [entry('01'), entry('02')];
  const chosen = (wanted: string) => chooseCertificate(certificates, wanted).id;

  it('a name typed decomposed (Unikey "Unicode tổ hợp", macOS) or in another case picks the same certificate', () => {
    expect(chosen('Nguyễn Văn Ân')).toBe('softhsm/serial/01');
    expect(chosen('Nguyễn Văn Ân'.normalize('NFD'))).toBe('softhsm/serial/01');
    expect(chosen('nguyễn văn ân')).toBe('softhsm/serial/01');
    expect(chosen('mst:0312345678')).toBe('softhsm/serial/02');
    expect(() => chosen('Trần Văn Bình')).toThrow(expect.objectContaining({ code: 'NO_CERTIFICATE' }));
  });
});
