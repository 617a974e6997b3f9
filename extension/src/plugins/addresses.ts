/** Which loopback addresses belong to which signing plugin, and the pattern of an origin's pages (pure). */
import type { PluginName } from './emulated-socket.js';

/** The plugins' loopback ports (VGCA 8987; VNPT 4433–4435, 9201–9202; Viettel 14007/14407; BKAV 8443). */
const PLUGIN_PORTS: Record<string, PluginName> = {
  '8987': 'vgca',
  '4433': 'vnpt',
  '4434': 'vnpt',
  '4435': 'vnpt',
  '9201': 'vnpt',
  '9202': 'vnpt',
  '14007': 'viettel',
  '14407': 'viettel',
  '8443': 'bkav',
};

export const LOOPBACK_PATTERNS = [
  'wss://127.0.0.1/*',
  'wss://localhost/*',
  'ws://127.0.0.1/*',
  'ws://localhost/*',
  'http://127.0.0.1/*',
  'https://127.0.0.1/*',
  'https://localhost/*',
];

/** Which plugin a request to a loopback address is for, if any. */
export function pluginOfRequest(url: string): PluginName | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.hostname !== '127.0.0.1' && parsed.hostname !== 'localhost') return undefined;
    return PLUGIN_PORTS[parsed.port];
  } catch {
    return undefined;
  }
}

/** The match pattern for an origin's pages (ports are not part of match patterns in Firefox). */
export function originPattern(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return `${url.protocol}//${url.hostname}/*`;
  } catch {
    return undefined;
  }
}
