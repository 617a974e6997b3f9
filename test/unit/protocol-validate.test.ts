/**
 * A refused request names its field in kyso's words: the wire message reaches pages (the SDK's
 * error.message) and WebSocket clients, so zod's own English must not.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KysoError } from '../../shared/protocol/errors.js';
import { pageRequests } from '../../shared/protocol/page.js';
import { parseOrBadRequest } from '../../shared/protocol/validate.js';

const SHA256 = btoa('x'.repeat(32));
const signCms = { digest: SHA256, digestAlgorithm: 'SHA-256', description: 'Tờ khai 01/GTGT' };

/** The refusal, and zod's issue (its message must not be in ours unless it is a refinement's, ours). */
function refusal(schema: z.ZodType, value: unknown, what = 'sign-cms') {
  let error: unknown;
  try {
    parseOrBadRequest(schema, value, what);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(KysoError);
  const { code, message, details } = error as KysoError;
  expect(code).toBe('BAD_REQUEST');
  const issue = schema.safeParse(value).error!.issues[0]!;
  return { message, details, issue };
}

describe('parseOrBadRequest', () => {
  it.each<[string, z.ZodType, unknown, string]>([
    [
      'a field missing',
      pageRequests['sign-cms'].params,
      { ...signCms, digest: undefined },
      'digest: missing',
    ],
    ['a wrong type', pageRequests['sign-cms'].params, { ...signCms, digest: 7 }, 'digest: wrong type'],
    ['an empty string', z.strictObject({ id: z.string().min(1) }), { id: '' }, 'id: too short'],
    ['a string too long', z.strictObject({ id: z.string().max(2) }), { id: 'abc' }, 'id: too long'],
    ['a number too large', z.strictObject({ n: z.number().max(2) }), { n: 3 }, 'n: too large'],
    [
      'not base64',
      pageRequests['sign-cms'].params,
      { ...signCms, digest: '!!' },
      'digest: wrong format (base64)',
    ],
    [
      'an unknown field',
      pageRequests['sign-cms'].params,
      { ...signCms, extra: 1 },
      '(root): unknown field "extra"',
    ],
    [
      'an algorithm not offered',
      pageRequests['sign-cms'].params,
      { ...signCms, digestAlgorithm: 'MD5' },
      'digestAlgorithm: not an accepted value',
    ],
    [
      'a refinement keeps its own words',
      pageRequests['sign-cms'].params,
      { ...signCms, digestAlgorithm: 'SHA-512' },
      'digest: digest length does not match digestAlgorithm',
    ],
    [
      'nested fields are named by path',
      z.strictObject({ documents: z.array(z.strictObject({ name: z.string() })) }),
      { documents: [{ name: 'a' }, { name: null }] },
      'documents.1.name: wrong type',
    ],
  ])('%s', (_what, schema, value, expected) => {
    const { message, details, issue } = refusal(schema, value);
    expect(message).toBe(`sign-cms: ${expected}`);
    if (issue.code !== 'custom') expect(message).not.toContain(issue.message);
    expect(details?.field).toBe(expected.slice(0, expected.indexOf(':')));
  });

  it('names few unknown fields, cut short (they come from the request)', () => {
    const long = 'k'.repeat(5000);
    const { message } = refusal(pageRequests.status.params, { [long]: 1, b: 2, c: 3, d: 4, e: 5 }, 'status');
    expect(message).toBe(`status: (root): unknown fields "${'k'.repeat(64)}…", "b", "c" and 2 more`);
  });
});
