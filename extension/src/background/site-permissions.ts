/**
 * Which sites may ask for signatures. The user decides the first time a site asks (remembered in
 * storage.local, revocable in the options page); agencies can pre-approve or forbid origins with
 * managed storage (Chrome policy / Firefox enterprise policy), which the user cannot override.
 */
import { readLocal, writeLocal } from './local-store.js';
import { managedPolicy } from './managed-policy.js';
import { decide, type ManagedPolicy, type SiteDecision, type SitePermission } from './site-decision.js';

export type { ManagedPolicy, SiteDecision, SitePermission };

async function sitePolicy(): Promise<ManagedPolicy> {
  const { allowedOrigins, blockedOrigins } = (await managedPolicy()) as ManagedPolicy;
  return { ...(allowedOrigins && { allowedOrigins }), ...(blockedOrigins && { blockedOrigins }) };
}

async function userDecisions(): Promise<Record<string, SiteDecision>> {
  return { ...((await readLocal('sitePermissions')) as Record<string, SiteDecision> | undefined) };
}

export async function sitePermission(
  origin: string,
): Promise<{ permission: SitePermission; managed: boolean }> {
  return decide(origin, await sitePolicy(), await userDecisions());
}

export async function rememberDecision(origin: string, decision: SiteDecision): Promise<void> {
  await writeLocal({ sitePermissions: { ...(await userDecisions()), [origin]: decision } });
}

export async function forgetDecision(origin: string): Promise<void> {
  const decisions = await userDecisions();
  delete decisions[origin];
  await writeLocal({ sitePermissions: decisions });
}

export async function listDecisions(): Promise<{
  user: Record<string, SiteDecision>;
  managed: ManagedPolicy;
}> {
  return { user: await userDecisions(), managed: await sitePolicy() };
}
