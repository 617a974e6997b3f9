import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll } from 'vitest';

/** A browser session (Chromium or Firefox) that can open the demo portal. */
interface PortalBrowserSession {
  openPortal(): Promise<Page>;
  close(): Promise<void>;
}

/** What the tests of one describe block share: the session and one portal tab. */
export interface PortalTab<S extends PortalBrowserSession> {
  session: S;
  page: Page;
}

/**
 * Starts a session before the block's tests, with a portal tab open, and closes it after them.
 * Read `session` and `page` inside tests and hooks (they are set once the block starts).
 */
export function usePortalTab<S extends PortalBrowserSession>(start: () => Promise<S>): PortalTab<S> {
  const shared = {} as PortalTab<S>;
  let started: S | undefined;
  beforeAll(async () => {
    started = shared.session = await start();
    shared.page = await started.openPortal();
  });
  afterAll(async () => {
    await started?.close();
  });
  return shared;
}
