import type { z } from 'zod';
import { KysoError } from './errors.js';

/** Parse with a schema or throw BAD_REQUEST naming the first offending field (never the value). */
export function parseOrBadRequest<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.join('.') || '(root)';
  throw new KysoError('BAD_REQUEST', `${what}: ${path}: ${issue?.message ?? 'invalid'}`, { field: path });
}
