/**
 * What every part of the consent window shares: its elements by id, and the one language it
 * speaks (Vietnamese until the request says otherwise, see consent.ts).
 */
import type { MessageKey } from '../i18n/messages.js';
import { translator, type Translator } from '../i18n/translate.js';

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let current: Translator = translator('vi');

/** The window's translator: its language, numbers and plurals. */
export const tr = (): Translator => current;

export const t = (key: MessageKey, vars?: Record<string, string | number>) => current.t(key, vars);

export function speak(language: Translator): void {
  current = language;
}
