import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { makeSoftwareIdentity, type SoftwareIdentity } from './software-signer.js';

/** An RSA and an EC software identity issued by one test CA, and the folder they are kept in. */
export type SoftwareIdentities = Record<'RSA' | 'EC', SoftwareIdentity> & { dir: string };

/**
 * The identities with these subjects, made in a new temporary folder (`kyso-<name>-…`) before the
 * tests of the enclosing describe block (or file) and removed after them. The returned object gets
 * its fields once the tests start, so read them inside tests and hooks.
 */
export function useSoftwareIdentities(
  name: string,
  subjects: Record<'RSA' | 'EC', string>,
): SoftwareIdentities {
  const ids = {} as SoftwareIdentities;
  beforeAll(() => {
    ids.dir = mkdtempSync(path.join(tmpdir(), `kyso-${name}-`));
    ids.RSA = makeSoftwareIdentity(ids.dir, 'RSA', subjects.RSA);
    ids.EC = makeSoftwareIdentity(ids.dir, 'EC', subjects.EC);
  });
  afterAll(() => {
    if (ids.dir) rmSync(ids.dir, { recursive: true, force: true });
  });
  return ids;
}
