/**
 * Data a page sent and its signature in one attached CMS: what the plugins' "sign CMS" calls answer.
 * Its own module because it carries the CMS writer (pkijs), which the extension's background — it
 * imports common.ts for the Viettel listener — must start without.
 */
import { attachContent } from '../../cms/attach.js';
import { base64ToBytes, bytesToBase64 } from '../../encoding.js';
import { KysoError } from '../../protocol/errors.js';
import { signMany } from '../index.js';
import { siteDataDocument } from './common.js';

/**
 * `certificateSerial`: the page named the certificate that must sign (see sign-many's certificateSerial).
 * Signed as a batch of one (siteDataDocument): a text is shown whole in the window.
 */
export async function signSiteDataAttached(
  data: Uint8Array,
  options: { lang?: 'vi' | 'en'; description?: string; certificateSerial?: string },
): Promise<{ cms: string; certificate: string }> {
  const { results, certificate } = await signMany({
    documents: [await siteDataDocument(data, 'du-lieu')],
    description: options.description ?? 'Ký dữ liệu do trang gửi / Data sent by the site',
    lang: options.lang ?? 'vi',
    ...(options.certificateSerial && { certificateSerial: options.certificateSerial }),
  });
  const result = results[0];
  if (!result?.ok) throw result?.error ?? new KysoError('INTERNAL');
  if (!('cms' in result)) throw new KysoError('INTERNAL');
  return { cms: bytesToBase64(attachContent(base64ToBytes(result.cms), data)), certificate };
}
