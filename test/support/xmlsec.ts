import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { HTKK_NS } from '../../shared/xml/profiles.js';
import type { OpensslVerifyResult } from './openssl.js';

/**
 * `xmlsec1 --verify`, the independent verifier for XMLDSig: trusting only `caPem`, told which
 * attributes are IDs in the Vietnamese formats (e-invoice DLHDon/@Id, HTKK HSoKhaiThue/@id).
 * The document is written to `dir/name` first.
 */
export function xmlsecVerify(
  dir: string,
  xml: string | Uint8Array,
  caPem: string,
  name: string,
): OpensslVerifyResult {
  const file = path.join(dir, name);
  writeFileSync(file, xml);
  const run = spawnSync(
    'xmlsec1',
    [
      '--verify',
      '--trusted-pem',
      caPem,
      '--id-attr:Id',
      'DLHDon',
      '--id-attr:id',
      `${HTKK_NS}:HSoKhaiThue`,
      file,
    ],
    { encoding: 'utf8' },
  );
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}
