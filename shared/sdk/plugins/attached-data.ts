/**
 * Data a page sent and its signature in one attached CMS: what the plugins' "sign CMS" calls answer.
 * Its own module because it carries the CMS writer (pkijs), which the extension's background — it
 * imports common.ts for the Viettel listener — must start without.
 */
import { attachContent } from '../../cms/attach.js';
import { base64ToBytes, bytesToBase64 } from '../../encoding.js';
import { signSiteData } from './common.js';

/** signSiteData (a text is shown whole in the window), the data then put inside the CMS. */
export async function signSiteDataAttached(
  data: Uint8Array,
  options: { lang?: 'vi' | 'en'; description?: string; certificateSerial?: string },
): Promise<{ cms: string; certificate: string }> {
  const { cms, certificate } = await signSiteData(data, options);
  return { cms: bytesToBase64(attachContent(base64ToBytes(cms), data)), certificate };
}
