/** Pure: how a site's permission is decided (no browser APIs, so it is unit-tested in Node). */
export type SiteDecision = 'allowed' | 'blocked';
export type SitePermission = SiteDecision | 'ask';

export interface ManagedPolicy {
  allowedOrigins?: string[];
  blockedOrigins?: string[];
}

/** Pure: managed policy first, then the user's own decision, else ask. */
export function decide(
  origin: string,
  managed: ManagedPolicy,
  user: Record<string, SiteDecision>,
): { permission: SitePermission; managed: boolean } {
  if (managed.blockedOrigins?.includes(origin)) return { permission: 'blocked', managed: true };
  if (managed.allowedOrigins?.includes(origin)) return { permission: 'allowed', managed: true };
  return { permission: user[origin] ?? 'ask', managed: false };
}
