/**
 * Chromium's offscreen document: the document preparer (service.ts) serving the background, which
 * creates this page when a sign-many request holds a PDF or an XML document and closes it when no
 * request holds one any more. It has no window and shows nothing.
 *
 * The background's calls come over a MessagePort handed to its service worker (structured clone: a
 * large PDF crosses in a third of the time a runtime port's JSON takes); the runtime port beside it
 * tells each side when the other is gone (channel.ts: messagePortLink).
 */
import browser from 'webextension-polyfill';
import { DOCUMENTS_PORT, type DocumentsHandover } from '../../../shared/protocol/documents.js';
import { messagePortLink } from './channel.js';
import { servePreparer } from './serve-preparer.js';

const lifeline = browser.runtime.connect({ name: DOCUMENTS_PORT });
const { port1, port2 } = new MessageChannel();
servePreparer(messagePortLink(port1, lifeline));
const handover: DocumentsHandover = { handover: DOCUMENTS_PORT };
void navigator.serviceWorker.ready.then((registration) =>
  registration.active?.postMessage(handover, [port2]),
);
// The background went away (its service worker stopped): nothing here is wanted any more.
lifeline.onDisconnect.addListener(() => window.close());
