/**
 * _locales/{vi,en}/messages.json, generated at build from the one catalogue in TypeScript: the
 * extension's name, every consent-window text and every error message. The browser's i18n then
 * speaks the user's language (Vietnamese by default); a portal may still ask for one explicitly.
 */
import { ERROR_CODES, errorMessage, type Language } from '../shared/protocol/errors.js';
import { MESSAGES } from './src/i18n/messages.js';

const NAME: Record<Language, { extensionName: string; extensionDescription: string }> = {
  vi: {
    extensionName: 'kyso — Ký số',
    extensionDescription: 'Ký số trên cổng dịch vụ công bằng USB token của bạn.',
  },
  en: {
    extensionName: 'kyso — Digital signing',
    extensionDescription: 'Sign on Vietnamese public-service portals with your USB token.',
  },
};

export function localeMessages(language: Language): Record<string, { message: string }> {
  const entries: Array<[string, string]> = [
    ...Object.entries(NAME[language]),
    ...Object.entries(MESSAGES[language]),
    ...ERROR_CODES.map((code): [string, string] => [`error_${code}`, errorMessage(code, language)]),
  ];
  return Object.fromEntries(entries.map(([key, message]) => [key, { message }]));
}
