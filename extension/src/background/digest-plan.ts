/**
 * A digest the page computed ('cms', 'raw'): nothing to read or prepare, so it is planned here in
 * the background itself (no document code loaded); the host signs the digest as it is.
 */
import { bytesToBase64 } from '../../../shared/encoding.js';
import type { RsaScheme } from '../../../shared/protocol/common.js';
import { KysoError } from '../../../shared/protocol/errors.js';
import type { SignItem, SignItemResult } from '../../../shared/protocol/host.js';
import type { PageDocument } from '../../../shared/protocol/page.js';
import type { ConsentDocument, DocumentContent } from './messages.js';
import { signatureOf } from './plan-parts.js';

type SignedItem = Extract<SignItemResult, { ok: true }>;

/** A digest's plan: its prepare needs neither the signer nor the time. */
export interface DigestPlan {
  consent: ConsentDocument;
  timestamp: boolean;
  content(): Promise<DocumentContent>;
  prepare(): Promise<{
    item: SignItem;
    finish(result: SignedItem): { ok: true; cms: string } | { ok: true; signature: string };
  }>;
}

export const cmsOf = (result: SignedItem): string => {
  if (!('cms' in result)) throw new KysoError('INTERNAL', 'the host answered without a CMS');
  return result.cms;
};

export function planDigest(
  document: Extract<PageDocument, { kind: 'cms' | 'raw' }>,
  rsaScheme?: RsaScheme,
): DigestPlan {
  const consent: ConsentDocument = {
    name: document.name,
    kind: document.kind,
    digest: document.digest,
    digestAlgorithm: document.digestAlgorithm,
  };
  const item: SignItem =
    document.kind === 'cms'
      ? {
          kind: 'cms',
          digest: document.digest,
          digestAlgorithm: document.digestAlgorithm,
          signingTime: true,
          ...(document.timestamp && { timestamp: true }),
          ...(rsaScheme && { rsaScheme }),
        }
      : {
          kind: 'raw',
          digest: document.digest,
          digestAlgorithm: document.digestAlgorithm,
          ...(rsaScheme && { rsaScheme }),
        };
  const finish =
    document.kind === 'cms'
      ? (r: SignedItem) => ({ ok: true as const, cms: cmsOf(r) })
      : (r: SignedItem) => ({
          ok: true as const,
          signature: bytesToBase64(signatureOf(r)),
        });
  return {
    consent: { ...consent, ...(document.kind === 'cms' && document.timestamp && { timestamp: true }) },
    timestamp: document.kind === 'cms' && document.timestamp === true,
    content: () => Promise.resolve({ kind: 'digest' }),
    prepare: () => Promise.resolve({ item, finish }),
  };
}
