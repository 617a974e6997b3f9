import { afterAll, beforeAll } from 'vitest';

/**
 * A session (browser, host, servers…) that one describe block's tests share: started before them,
 * closed after them. The returned object gets the session's fields once the block starts, so read
 * them inside tests and hooks. `timeout`: the start's, where it is longer than the project's hook timeout.
 */
export function useSharedSession<S extends { close(): Promise<unknown> }>(
  start: () => Promise<S>,
  timeout?: number,
): S {
  const shared = {} as S;
  let started: S | undefined;
  beforeAll(async () => {
    started = await start();
    Object.assign(shared, started);
  }, timeout);
  afterAll(async () => {
    await started?.close();
  });
  return shared;
}
