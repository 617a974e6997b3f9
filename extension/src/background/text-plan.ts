/**
 * A text the page sends whole ('text'): the preparer digests its bytes itself and the window shows
 * the text decoded from those same bytes (shared/text/signed-text.ts; here only whether they are readable); the host signs the digest in
 * a CAdES-BES (CAdES-T with `timestamp`), detached, as for a 'cms' digest.
 */
import { digest } from '../../../shared/cms/digest.js';
import { base64ToBytes, bytesToBase64 } from '../../../shared/encoding.js';
import type { RsaScheme } from '../../../shared/protocol/common.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import type { SignItem } from '../../../shared/protocol/host.js';
import type { PageDocument } from '../../../shared/protocol/page.js';
import { readableTextOf } from '../../../shared/text/readable-text.js';
import { cmsOf, type DigestPlan } from './digest-plan.js';

/** Bytes a person could not read as the text signed are refused before any window. */
export async function planText(
  document: Extract<PageDocument, { kind: 'text' }>,
  rsaScheme?: RsaScheme,
): Promise<DigestPlan> {
  const bytes = base64ToBytes(document.data);
  const shown = readableTextOf(bytes);
  if (!shown.ok)
    throw new KysoError(
      'BAD_REQUEST',
      shown.problem === 'not-utf8'
        ? 'the text is not UTF-8'
        : `the text holds the control character ${shown.control} (line ${shown.line})`,
      { problem: `text-${shown.problem}` },
    );
  const sha256 = bytesToBase64(await digest('SHA-256', bytes));
  const timestamp = document.timestamp === true;
  const item: SignItem = {
    kind: 'cms',
    digest: sha256,
    digestAlgorithm: 'SHA-256',
    signingTime: true,
    ...(timestamp && { timestamp }),
    ...(rsaScheme && { rsaScheme }),
  };
  return {
    consent: {
      name: document.name,
      kind: 'text',
      size: bytes.length,
      digest: sha256,
      digestAlgorithm: 'SHA-256',
      ...(timestamp && { timestamp }),
    },
    timestamp,
    // The bytes just digested, not the page's base64 text.
    content: () => Promise.resolve({ kind: 'text', data: bytesToBase64(bytes) }),
    prepare: () => Promise.resolve({ item, finish: (result) => ({ ok: true, cms: cmsOf(result) }) }),
  };
}
