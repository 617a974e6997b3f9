/** The certificates on every token, as the protocol describes them (the worker only reads bytes). */
import { summarizeCertificate } from '../../../shared/certificate/profile.js';
import { base64ToBytes } from '../../../shared/encoding.js';
import type { CertificateEntry } from '../../../shared/protocol/common.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import type { TokenWorker } from '../worker/client.js';

export interface CertificateListing {
  certificates: CertificateEntry[];
  moduleErrors: Array<{ module: string; error: string }>;
}

export async function listTokenCertificates(worker: TokenWorker, timeoutMs: number): Promise<CertificateListing> {
  const { certificates, moduleErrors } = await worker.call({ op: 'list' }, timeoutMs);
  const entries: CertificateEntry[] = [];
  for (const c of certificates) {
    try {
      const { keyType } = summarizeCertificate(base64ToBytes(c.certificate));
      if (keyType === 'other') continue; // a key kyso cannot sign with
      entries.push({ ...c, keyType });
    } catch {
      // an unparsable certificate object is skipped, never fatal
    }
    if (entries.length === LIMITS.maxCertificates) break;
  }
  return { certificates: entries, moduleErrors };
}
