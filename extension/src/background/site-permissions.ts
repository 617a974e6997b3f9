/**
 * Which sites may ask for signatures. The user decides the first time a site asks (remembered in
 * storage.local, revocable in the options page); agencies can pre-approve or forbid origins with
 * managed storage (Chrome policy / Firefox enterprise policy), which the user cannot override.
 */
import browser from 'webextension-polyfill';

export type SiteDecision = 'allowed' | 'blocked';
export type SitePermission = SiteDecision | 'ask';

export interface ManagedPolicy {
  allowedOrigins?: string[];
  blockedOrigins?: string[];
}

/** Pure: managed policy first, then the user's own decision, else ask. */
export function decide(origin: string, managed: ManagedPolicy, user: Record<string, SiteDecision>): { permission: SitePermission; managed: boolean } {
  if (managed.blockedOrigins?.includes(origin)) return { permission: 'blocked', managed: true };
  if (managed.allowedOrigins?.includes(origin)) return { permission: 'allowed', managed: true };
  return { permission: user[origin] ?? 'ask', managed: false };
}

async function managedPolicy(): Promise<ManagedPolicy> {
  try {
    return (await browser.storage.managed.get(['allowedOrigins', 'blockedOrigins'])) as ManagedPolicy;
  } catch {
    return {}; // no policy installed (Firefox throws when there is none)
  }
}

async function userDecisions(): Promise<Record<string, SiteDecision>> {
  const { sitePermissions } = (await browser.storage.local.get('sitePermissions')) as { sitePermissions?: Record<string, SiteDecision> };
  return sitePermissions ?? {};
}

export async function sitePermission(origin: string): Promise<{ permission: SitePermission; managed: boolean }> {
  return decide(origin, await managedPolicy(), await userDecisions());
}

export async function rememberDecision(origin: string, decision: SiteDecision): Promise<void> {
  await browser.storage.local.set({ sitePermissions: { ...(await userDecisions()), [origin]: decision } });
}

export async function forgetDecision(origin: string): Promise<void> {
  const decisions = await userDecisions();
  delete decisions[origin];
  await browser.storage.local.set({ sitePermissions: decisions });
}

export async function listDecisions(): Promise<{ user: Record<string, SiteDecision>; managed: ManagedPolicy }> {
  return { user: await userDecisions(), managed: await managedPolicy() };
}
