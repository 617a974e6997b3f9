/**
 * Whether bytes are a text a person can read as signed: strict UTF-8 holding no control character
 * but line feed and tab (a carriage return only before a line feed). The first check of
 * signed-text.ts, on its own so that a caller who only needs the yes/no (the plugin shims, injected
 * into portal pages) does not carry the look-alike tables the window's view needs.
 */
import { codePointName } from './invisible.js';

/** Controls a text may not hold: C0 but tab and LF, a CR not before an LF, DEL and C1. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000B-\u000C\u000E-\u001F\u007F-\u009F]|\r(?!\n)/u;

export type UnreadableText = {
  ok: false;
  problem: 'not-utf8' | 'control-character';
  /** control-character: the character's code point (U+001B) and its line (1-based). */
  control?: string;
  line?: number;
};

export function readableTextOf(bytes: Uint8Array): { ok: true; text: string } | UnreadableText {
  let text: string;
  try {
    // ignoreBOM: a BOM is a signed character like any other, kept to be shown as a mark.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { ok: false, problem: 'not-utf8' };
  }
  const forbidden = FORBIDDEN_CONTROL.exec(text);
  if (forbidden) {
    return {
      ok: false,
      problem: 'control-character',
      control: codePointName(forbidden[0]),
      line: text.slice(0, forbidden.index).split('\n').length,
    };
  }
  return { ok: true, text };
}
