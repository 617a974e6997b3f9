import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { HTKK_NS } from '../../shared/xml/profiles.js';
import type { OpensslVerifyResult } from './openssl.js';

/** The ID attributes of the Vietnamese formats: e-invoice DLHDon/@Id, HTKK HSoKhaiThue/@id. */
const VIETNAMESE_ID_ATTRIBUTES = ['--id-attr:Id', 'DLHDon', '--id-attr:id', `${HTKK_NS}:HSoKhaiThue`];

/** The school-records portal's DU_LIEU_HOC_BA/@Id, for an element the plugins sign by its Id. */
export const HOC_BA_ID_ATTRIBUTE = ['--id-attr:Id', 'DU_LIEU_HOC_BA'];

/**
 * `xmlsec1 --verify`, the independent verifier for XMLDSig: trusting only `caPem`, told which
 * attributes are IDs (by default those of the Vietnamese formats; [] for a `URI=""` signature).
 * The document is written to `dir/name` first. xmlsec1 verifies the document's first Signature,
 * or the one `signatureXPath` selects.
 */
export function xmlsecVerify(
  dir: string,
  xml: string | Uint8Array,
  caPem: string,
  name: string,
  idAttributes: readonly string[] = VIETNAMESE_ID_ATTRIBUTES,
  signatureXPath?: string,
): OpensslVerifyResult {
  const file = path.join(dir, name);
  writeFileSync(file, xml);
  const node = signatureXPath ? ['--node-xpath', signatureXPath] : [];
  const run = spawnSync('xmlsec1', ['--verify', '--trusted-pem', caPem, ...idAttributes, ...node, file], {
    encoding: 'utf8',
  });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

/** The ID attributes real e-invoices' references name: DLHDon, the tax office's MCCQT, the ds:Object holding SigningTime. */
const EINVOICE_ID_ATTRIBUTES = ['DLHDon', 'MCCQT', 'Object'].flatMap((element) => ['--id-attr:Id', element]);

/**
 * `xmlsec1 --verify --insecure` on the document's Signature at `index` (from 1): whether its references
 * and value verify with its KeyInfo certificate, its chain not judged (documents signed under others'
 * CAs). The document is written to `dir/name` first.
 */
export function xmlsecSignatureIntact(
  dir: string,
  xml: string,
  name: string,
  index: number,
): OpensslVerifyResult {
  const file = path.join(dir, name);
  writeFileSync(file, xml);
  const node = ['--node-xpath', `(//*[local-name()='Signature'])[${index}]`];
  const run = spawnSync('xmlsec1', ['--verify', '--insecure', ...EINVOICE_ID_ATTRIBUTES, ...node, file], {
    encoding: 'utf8',
  });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}
