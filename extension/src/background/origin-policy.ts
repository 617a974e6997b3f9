/**
 * Which pages may ask for signatures. The origin is the browser's (sender), never the page's.
 * https only; http://localhost and 127.0.0.1 only in developer mode (portal developers testing).
 */
export interface OriginPolicy {
  developerMode: boolean;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isOriginAllowed(origin: string, policy: OriginPolicy): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin) return false; // only scheme://host[:port], nothing else
  if (url.protocol === 'https:') return true;
  return policy.developerMode && url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname);
}
