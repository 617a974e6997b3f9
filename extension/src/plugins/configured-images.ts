/**
 * The signer's handwritten-signature image and the agency's seal, configured once in kyso's options
 * (as the VGCA tool keeps them per signer). A page asks for them by name only (`configuredImage`):
 * the images are put into the document here, in the background, and never given to the page.
 */
import browser from 'webextension-polyfill';
import type { PageDocument } from '../../../shared/protocol/page.js';

export interface ConfiguredImages {
  signatureImage?: string;
  sealImage?: string;
}

export async function configuredImages(): Promise<ConfiguredImages> {
  const { pluginImages } = (await browser.storage.local.get('pluginImages')) as {
    pluginImages?: ConfiguredImages;
  };
  return pluginImages ?? {};
}

export async function saveConfiguredImage(which: 'signature' | 'seal', base64: string | null): Promise<void> {
  const images = await configuredImages();
  const key = which === 'signature' ? 'signatureImage' : 'sealImage';
  if (base64) images[key] = base64;
  else delete images[key];
  await browser.storage.local.set({ pluginImages: images });
}

/**
 * A PDF asking for a configured image gets it; without one configured, the signature is invisible
 * (as the plugins sign then). `configuredImage` stays on the request only when the user's own
 * image took its place: the consent window names that image as the user's, any other as the site's.
 */
export async function withConfiguredImages(document: PageDocument): Promise<PageDocument> {
  if (
    document.kind !== 'pdf' ||
    document.appearance?.kind !== 'image' ||
    !document.appearance.configuredImage
  )
    return document;
  const { configuredImage, ...appearance } = document.appearance;
  const images = await configuredImages();
  const image = configuredImage === 'seal' ? images.sealImage : images.signatureImage;
  const own = appearance.signatureImage ?? appearance.sealImage;
  if (!image && !own) {
    const { appearance: _dropped, ...invisible } = document;
    return invisible;
  }
  return {
    ...document,
    appearance: {
      ...appearance,
      ...(image && { [configuredImage === 'seal' ? 'sealImage' : 'signatureImage']: image, configuredImage }),
    },
  };
}
