/** `plugin`: what the emulated signing plugins (extension/src/plugins) ask besides signing; see PluginSupport. */
import type { PageResult } from '../../../../shared/protocol/page.js';
import { asker, checkSite, type RequestHandler } from './context.js';

export const plugin: RequestHandler<'plugin'> = (params, { plugins, host, requester }) =>
  plugins.request(params, requester.origin, () => checkSite(host, asker(requester))) as Promise<
    PageResult<'plugin'>
  >;
