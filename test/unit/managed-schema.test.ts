/** The manifest's managed_schema is written from the policy schema the extension reads the policy with. */
import { describe, expect, it } from 'vitest';
import { managedStorageSchema } from '../../extension/managed-schema.js';
import { ManagedPolicySchema } from '../../extension/src/background/policy-schema.js';

/** Every keyword used anywhere in a JSON schema. */
function keywords(schema: unknown): Set<string> {
  const found = new Set<string>();
  const walk = (node: Record<string, unknown>) => {
    for (const [key, value] of Object.entries(node)) {
      found.add(key);
      if (key === 'items') walk(value as Record<string, unknown>);
      if (key === 'properties') Object.values(value as Record<string, Record<string, unknown>>).forEach(walk);
    }
  };
  walk(schema as Record<string, unknown>);
  return found;
}

describe('managed storage schema', () => {
  const schema = managedStorageSchema() as {
    type: string;
    properties: Record<string, { type: string; minimum?: number; maximum?: number }>;
  };

  it('describes every policy key the extension reads, with its type and limits', () => {
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(ManagedPolicySchema.shape).sort());
    expect(schema.properties.consentTimeoutSeconds).toMatchObject({
      type: 'integer',
      minimum: 5,
      maximum: 900,
    });
    expect(schema.properties.websocket?.type).toBe('object');
    expect(schema.properties.tsaUrl?.type).toBe('string');
  });

  it('uses only the JSON Schema keywords Chrome accepts in a managed_schema', () => {
    const allowed = new Set(['type', 'title', 'description', 'properties', 'items', 'minimum', 'maximum']);
    expect([...keywords(schema)].filter((k) => !allowed.has(k))).toEqual([]);
  });
});
