/**
 * The manifest's `storage.managed_schema`, written at build time from ManagedPolicySchema (as
 * _locales is from the message catalogue). Chrome reads a subset of JSON Schema (type, title,
 * description, properties, items, minimum, maximum…); an unknown keyword there makes it reject the
 * whole policy, so only those are kept. Value limits beyond them are the extension's to enforce.
 */
import { z } from 'zod';
import { ManagedPolicySchema } from './src/background/policy-schema.js';

const KEPT = ['type', 'title', 'description', 'properties', 'items', 'minimum', 'maximum'] as const;

type JsonSchema = { [key: string]: unknown };

function chromeSubset(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const key of KEPT) {
    const value = schema[key];
    if (value === undefined) continue;
    if (key === 'properties') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, s]) => [name, chromeSubset(s)]),
      );
    } else if (key === 'items') {
      out[key] = chromeSubset(value as JsonSchema);
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function managedStorageSchema(): JsonSchema {
  return chromeSubset(z.toJSONSchema(ManagedPolicySchema, { io: 'input' }));
}
