/**
 * Which sites may ask for signatures. The user decides the first time a site asks (remembered in
 * storage.local, revocable in the options page); agencies can pre-approve or forbid origins with
 * managed storage (Chrome policy / Firefox enterprise policy), which the user cannot override.
 *
 * A page in a private (incognito) window leaves no trace after its private windows close, as the
 * browser's own permission prompts do: a decision made there is kept for the private session only
 * (private-session.ts); a site blocked in normal windows stays
 * blocked in private ones, one allowed there is asked about again (see privateView).
 */
import { readLocal, writeLocal } from './local-store.js';
import { PRIVATE_KEYS, readPrivate, writePrivate } from './private-session.js';
import { managedPolicy } from './managed-policy.js';
import {
  decide,
  privateView,
  type ManagedPolicy,
  type SiteDecision,
  type SitePermission,
} from './site-decision.js';

export type { ManagedPolicy, SiteDecision, SitePermission };

/** Who asks: a site, and whether from a private window. */
export interface Asker {
  origin: string;
  incognito: boolean;
}

async function sitePolicy(): Promise<ManagedPolicy> {
  const { allowedOrigins, blockedOrigins } = (await managedPolicy()) as ManagedPolicy;
  return { ...(allowedOrigins && { allowedOrigins }), ...(blockedOrigins && { blockedOrigins }) };
}

async function userDecisions(): Promise<Record<string, SiteDecision>> {
  return { ...((await readLocal('sitePermissions')) as Record<string, SiteDecision> | undefined) };
}

const privateDecisions = () => readPrivate<SiteDecision>(PRIVATE_KEYS.sitePermissions);

export async function sitePermission({
  origin,
  incognito,
}: Asker): Promise<{ permission: SitePermission; managed: boolean }> {
  const user = await userDecisions();
  return decide(origin, await sitePolicy(), incognito ? privateView(user, await privateDecisions()) : user);
}

export async function rememberDecision({ origin, incognito }: Asker, decision: SiteDecision): Promise<void> {
  if (incognito)
    await writePrivate(PRIVATE_KEYS.sitePermissions, { ...(await privateDecisions()), [origin]: decision });
  else await writeLocal({ sitePermissions: { ...(await userDecisions()), [origin]: decision } });
}

/** Forgets the user's saved decision for `origin`, or the one made in the private windows now open. */
export async function forgetDecision(origin: string, madePrivately = false): Promise<void> {
  const decisions = madePrivately ? await privateDecisions() : await userDecisions();
  delete decisions[origin];
  if (madePrivately) await writePrivate(PRIVATE_KEYS.sitePermissions, decisions);
  else await writeLocal({ sitePermissions: decisions });
}

export async function listDecisions(): Promise<{
  user: Record<string, SiteDecision>;
  /** Made in the private windows now open; gone when the last one closes. */
  privateSession: Record<string, SiteDecision>;
  managed: ManagedPolicy;
}> {
  return {
    user: await userDecisions(),
    privateSession: await privateDecisions(),
    managed: await sitePolicy(),
  };
}
