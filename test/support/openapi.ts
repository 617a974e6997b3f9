/**
 * The verifier service's OpenAPI description, read from docs/verifier.md (the one a Java, .NET or
 * PHP team reads), and a strict check of an answer against one of its schemas: every key the
 * service sends must be described (no undocumented field), every required one present, enums and
 * types as written. Only the JSON Schema keywords that description uses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './paths.js';

export interface Schema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'boolean';
  format?: string;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
}

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}

export interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

export function verifierOpenApi(): OpenApi {
  const text = readFileSync(path.join(REPO_ROOT, 'docs/verifier.md'), 'utf8');
  const block = /^```yaml\n(openapi:[\s\S]*?)^```$/m.exec(text);
  if (!block) throw new Error('docs/verifier.md has no OpenAPI block');
  return parse(block[1]!) as OpenApi;
}

/** The JSON schema of the answer to `method path` with `status`. */
export function responseSchema(api: OpenApi, route: string, method: string, status: number): Schema {
  const response = api.paths[route]?.[method]?.responses[String(status)];
  const schema = response?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`the OpenAPI describes no JSON answer ${status} to ${method} ${route}`);
  return schema;
}

/** What in `value` the schema does not describe, as "where: what" lines (empty: it conforms). */
export function schemaErrors(api: OpenApi, schema: Schema, value: unknown, where = '$'): string[] {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = api.components.schemas[name];
    return target ? schemaErrors(api, target, value, where) : [`${where}: unknown $ref ${schema.$ref}`];
  }
  if (schema.enum && !schema.enum.includes(value))
    return [`${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${where}: not a string`];
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value)))
        return [`${where}: not a date-time`];
      return [];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${where}: not an integer`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${where}: not a boolean`];
    case 'array':
      if (!Array.isArray(value)) return [`${where}: not an array`];
      return schema.items
        ? value.flatMap((item, i) => schemaErrors(api, schema.items!, item, `${where}[${i}]`))
        : [];
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${where}: not an object`];
      const record = value as Record<string, unknown>;
      const properties = schema.properties ?? {};
      return [
        ...(schema.required ?? [])
          .filter((key) => !(key in record))
          .map((key) => `${where}.${key}: required, missing`),
        ...Object.entries(record).flatMap(([key, item]) =>
          properties[key]
            ? schemaErrors(api, properties[key], item, `${where}.${key}`)
            : [`${where}.${key}: not described`],
        ),
      ];
    }
    default:
      return [];
  }
}
