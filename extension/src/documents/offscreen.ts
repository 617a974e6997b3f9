/**
 * Chromium's offscreen document: the document preparer (service.ts) behind a port to the
 * background, which creates this page when a sign-many request holds a PDF or an XML document and
 * closes it when no request holds one any more. It has no window and shows nothing.
 */
import browser from 'webextension-polyfill';
import { DOCUMENTS_PORT } from '../../../shared/protocol/documents.js';
import { servePreparer } from './serve-preparer.js';

const port = browser.runtime.connect({ name: DOCUMENTS_PORT });
servePreparer(port);
// The background went away (its service worker stopped): nothing here is wanted any more.
port.onDisconnect.addListener(() => window.close());
