/**
 * Keeps the plugin emulation registered for exactly the origins set to "use kyso": one dynamic
 * content script per origin, in the page's world, at document_start (before the portal's plugin
 * script runs). Never on every site.
 */
import browser from 'webextension-polyfill';
import { originPattern, pluginSites } from './sites.js';

/**
 * The emulation script's path in the built extension (see vite.config.ts). Absolute: Firefox resolves
 * a relative path against the registering page (the options page registers too).
 */
export const MAIN_WORLD_SCRIPT = '/plugins/main-world.js';
const ID_PREFIX = 'kyso-plugin-';

interface RegisteredScript {
  id: string;
  matches?: string[];
}

interface ScriptingApi {
  getRegisteredContentScripts(filter?: { ids?: string[] }): Promise<RegisteredScript[]>;
  registerContentScripts(scripts: Array<Record<string, unknown>>): Promise<void>;
  unregisterContentScripts(filter?: { ids: string[] }): Promise<void>;
}

const scripting = () => (browser as unknown as { scripting: ScriptingApi }).scripting;

/** A stable id per match pattern (and script, so a changed script path is registered again). */
function scriptId(pattern: string): string {
  let hash = 0;
  for (const char of `${pattern} ${MAIN_WORLD_SCRIPT}`)
    hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
  return `${ID_PREFIX}${hash.toString(36)}`;
}

export async function wantedPatterns(): Promise<string[]> {
  const sites = await pluginSites();
  const patterns = Object.entries(sites)
    .filter(([, mode]) => mode === 'kyso')
    .map(([origin]) => originPattern(origin))
    .filter((p): p is string => !!p);
  return [...new Set(patterns)];
}

/** Registers what is wanted and unregisters the rest. */
export async function syncPluginRegistrations(): Promise<void> {
  const wanted = new Map((await wantedPatterns()).map((p) => [scriptId(p), p]));
  const registered = (await scripting().getRegisteredContentScripts()).filter((s) =>
    s.id.startsWith(ID_PREFIX),
  );
  const stale = registered.filter((s) => !wanted.has(s.id)).map((s) => s.id);
  if (stale.length) await scripting().unregisterContentScripts({ ids: stale });
  const present = new Set(registered.map((s) => s.id));
  const missing = [...wanted].filter(([id]) => !present.has(id));
  if (missing.length) {
    await scripting().registerContentScripts(
      missing.map(([id, pattern]) => ({
        id,
        matches: [pattern],
        js: [MAIN_WORLD_SCRIPT],
        runAt: 'document_start',
        world: 'MAIN',
        allFrames: false,
        persistAcrossSessions: true,
      })),
    );
  }
}
