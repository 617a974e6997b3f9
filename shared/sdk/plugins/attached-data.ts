/**
 * Data a page sent and its signature in one attached CMS: what the plugins' "sign CMS" calls answer.
 * Its own module because it carries the CMS writer (pkijs), which the extension's background — it
 * imports common.ts for the Viettel listener — must start without.
 */
import { attachContent } from '../../cms/attach.js';
import { base64ToBytes, bytesToBase64 } from '../../encoding.js';
import { KysoError } from '../../protocol/errors.js';
import { digestOf, signMany } from '../index.js';
import { signSiteData } from './common.js';

/** `certificateSerial`: the page named the certificate that must sign (see sign-many's certificateSerial). */
export async function signSiteDataAttached(
  data: Uint8Array,
  options: { lang?: 'vi' | 'en'; description?: string; certificateSerial?: string },
): Promise<{ cms: string; certificate: string }> {
  const { cms, certificate } = options.certificateSerial
    ? await signSiteDataBy(data, { ...options, certificateSerial: options.certificateSerial })
    : await signSiteData(data, options);
  return { cms: bytesToBase64(attachContent(base64ToBytes(cms), data)), certificate };
}

/** The same detached CMS as signSiteData, as a batch of one: only sign-many restricts the signer. */
async function signSiteDataBy(
  data: Uint8Array,
  options: { lang?: 'vi' | 'en'; description?: string; certificateSerial: string },
): Promise<{ cms: string; certificate: string }> {
  const description = options.description ?? 'Ký dữ liệu do trang gửi / Data sent by the site';
  const { results, certificate } = await signMany({
    documents: [
      {
        kind: 'cms',
        name: 'du-lieu',
        digest: await digestOf(data, 'SHA-256'),
        digestAlgorithm: 'SHA-256',
      },
    ],
    description,
    lang: options.lang ?? 'vi',
    certificateSerial: options.certificateSerial,
  });
  const result = results[0];
  if (!result?.ok) throw result?.error ?? new KysoError('INTERNAL');
  if (!('cms' in result)) throw new KysoError('INTERNAL');
  return { cms: result.cms, certificate };
}
