/**
 * One language per page: the portal's choice, else the browser's UI language, else its
 * accept-languages — Vietnamese whenever the user lists it (Debian's Chromium ships only an
 * en-US UI pack, so `--lang=vi` still reports English as the UI language).
 */
import type { Language } from '../../../shared/protocol/errors.js';
import { MESSAGES, type MessageKey } from './messages.js';

const primary = (tag: string) => tag.toLowerCase().split(/[-_]/)[0];

export function chooseLanguage(
  portal: Language | undefined,
  uiLanguage: string,
  acceptLanguages: readonly string[],
): Language {
  if (portal) return portal;
  if (primary(uiLanguage) === 'vi' || acceptLanguages.some((tag) => primary(tag) === 'vi')) return 'vi';
  if (primary(uiLanguage) === 'en' || acceptLanguages.some((tag) => primary(tag) === 'en')) return 'en';
  return 'vi'; // kyso's default (the manifest's default_locale)
}

/** Keys with `_one`/`_other` forms, without the suffix. */
type PluralBase = { [K in MessageKey]: K extends `${infer B}_one` ? B : never }[MessageKey];
export type Vars = Record<string, string | number>;

export interface Translator {
  lang: Language;
  t(key: MessageKey, vars?: Vars): string;
  /** The plural form the language's rules pick for `n` ({n} is filled in, formatted). */
  plural(base: PluralBase, n: number, vars?: Vars): string;
  number(n: number): string;
}

export function translator(lang: Language): Translator {
  const numbers = new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB');
  const rules = new Intl.PluralRules(lang);
  const fill = (text: string, vars: Vars = {}) =>
    text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = vars[name];
      return value === undefined ? whole : typeof value === 'number' ? numbers.format(value) : value;
    });
  return {
    lang,
    t: (key, vars) => fill(MESSAGES[lang][key], vars),
    plural: (base, n, vars) =>
      fill(MESSAGES[lang][`${base}_${rules.select(n) === 'one' ? 'one' : 'other'}` as MessageKey], {
        ...vars,
        n,
      }),
    number: (n) => numbers.format(n),
  };
}

/** The page's language from the browser (extension pages only). */
export async function browserLanguage(
  i18n: { getUILanguage(): string; getAcceptLanguages(): Promise<string[]> },
  portal?: Language,
): Promise<Language> {
  const accept = await i18n.getAcceptLanguages().catch(() => [] as string[]);
  return chooseLanguage(portal, i18n.getUILanguage(), accept);
}
