/** Pure: how a site's permission is decided (no browser APIs, so it is unit-tested in Node). */
export type SiteDecision = 'allowed' | 'blocked';
export type SitePermission = SiteDecision | 'ask';

export interface ManagedPolicy {
  allowedOrigins?: string[];
  blockedOrigins?: string[];
}

/**
 * A policy entry as the browser would serialise its origin (lower case, punycode, no default port,
 * no trailing slash): administrators write "https://Site.gov.vn/" or a Unicode host, and an entry
 * compared as written would silently block (or allow) nothing. Not an http(s) URL: matches nothing.
 */
export function policyOrigin(entry: string): string | undefined {
  try {
    const url = new URL(entry.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

const listed = (entries: string[] | undefined, origin: string) =>
  entries?.some((entry) => policyOrigin(entry) === origin) === true;

/** Pure: managed policy first, then the user's own decision, else ask. */
export function decide(
  origin: string,
  managed: ManagedPolicy,
  user: Record<string, SiteDecision>,
): { permission: SitePermission; managed: boolean } {
  if (listed(managed.blockedOrigins, origin)) return { permission: 'blocked', managed: true };
  if (listed(managed.allowedOrigins, origin)) return { permission: 'allowed', managed: true };
  return { permission: user[origin] ?? 'ask', managed: false };
}

/**
 * Pure: the user's decisions as a private window sees them. Like the browser's own permissions in a
 * private window, only the less permissive normal decisions carry over: a site blocked stays
 * blocked; one allowed is asked about again, and that answer lasts for the private session.
 */
export function privateView(
  normal: Record<string, SiteDecision>,
  privateSession: Record<string, SiteDecision>,
): Record<string, SiteDecision> {
  const blocked = Object.entries(normal).filter(([, decision]) => decision === 'blocked');
  return { ...privateSession, ...Object.fromEntries(blocked) };
}
