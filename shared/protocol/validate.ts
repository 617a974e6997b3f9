import type { z } from 'zod';
import { KysoError } from './errors.js';

/** Names from the request (a field path, an unknown key) are cut here: the message must stay short. */
const MAX_NAME_CHARS = 64;
const MAX_KEYS_NAMED = 3;
/** Origins whose size is a length (strings, arrays, sets), not a magnitude. */
const LENGTHS = new Set(['string', 'array', 'set', 'file']);

/** Parse with a schema or throw BAD_REQUEST naming the first offending field (never the value). */
export function parseOrBadRequest<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.join('.') || '(root)';
  const problem = issue ? problemOf(issue, value) : 'not accepted';
  throw new KysoError('BAD_REQUEST', `${what}: ${cut(path)}: ${problem}`, { field: path });
}

/**
 * What is wrong, in kyso's words from the issue's code: zod's own messages are a library's
 * English ("Too small: expected string to have >=1 characters") and the wire message reaches
 * pages (the SDK's error.message) and WebSocket clients. A refinement's message is kept: every
 * refine in shared/protocol words its own problem ("has no visible character").
 */
function problemOf(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return valueAt(value, issue.path) === undefined ? 'missing' : 'wrong type';
    case 'too_small':
      return LENGTHS.has(issue.origin) ? 'too short' : 'too small';
    case 'too_big':
      return LENGTHS.has(issue.origin) ? 'too long' : 'too large';
    case 'invalid_format':
      return issue.format === 'regex' ? 'wrong format' : `wrong format (${issue.format})`;
    case 'not_multiple_of':
      return 'not a multiple of the step';
    case 'unrecognized_keys':
      return unknownFields(issue.keys);
    case 'invalid_union':
      return 'none of the accepted shapes';
    case 'invalid_value':
      return 'not an accepted value';
    case 'invalid_key':
      return 'a key is not accepted';
    case 'invalid_element':
      return 'an element is not accepted';
    case 'custom':
      return issue.message;
  }
}

function unknownFields(keys: string[]): string {
  const named = keys.slice(0, MAX_KEYS_NAMED).map((key) => JSON.stringify(cut(key)));
  const more = keys.length > MAX_KEYS_NAMED ? ` and ${keys.length - MAX_KEYS_NAMED} more` : '';
  return `unknown field${keys.length > 1 ? 's' : ''} ${named.join(', ')}${more}`;
}

/** The value at `path` in the request, only to tell a missing field from one of the wrong type. */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function cut(name: string): string {
  return name.length > MAX_NAME_CHARS ? `${name.slice(0, MAX_NAME_CHARS)}…` : name;
}
