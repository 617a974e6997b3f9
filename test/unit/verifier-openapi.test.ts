/**
 * The OpenAPI description in docs/verifier.md parses as YAML meaning what it says (descriptions
 * are text, not stray keys) and lists exactly the codes the verifier has: sub-indications,
 * problems, the service's errors. What the service answers is checked against it in
 * test/integration/verifier-service.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { OUTCOMES } from '../../verifier/src/report.js';
import { SERVICE_ERROR_CODES } from '../../verifier/src/service.js';
import { responseSchema, schemaErrors, verifierOpenApi, type Schema } from '../support/openapi.js';

describe('the verifier OpenAPI description', () => {
  const api = verifierOpenApi();
  const schemas = api.components.schemas;
  const signature = schemas.Signature!.properties!;

  it('is OpenAPI 3.1 with POST /verify (JSON, PDF, XML, octet-stream bodies), POST /extend and GET /health', () => {
    expect(api.openapi).toBe('3.1.0');
    const verify = api.paths['/verify']!.post as unknown as {
      parameters: Array<{ name: string; schema: Schema }>;
      requestBody: { content: Record<string, { schema: Schema }> };
    };
    expect(Object.keys(verify.requestBody.content).sort()).toEqual([
      'application/json',
      'application/octet-stream',
      'application/pdf',
      'application/xml',
    ]);
    const revocation = verify.parameters.find((p) => p.name === 'revocation')!;
    expect(revocation.schema.enum).toEqual(['require', 'prefer', 'off']);
    for (const status of [200, 400, 413, 503])
      expect(responseSchema(api, '/verify', 'post', status)).toBeDefined();
    for (const status of [200, 400, 413, 502, 503])
      expect(responseSchema(api, '/extend', 'post', status)).toBeDefined();
    expect(responseSchema(api, '/health', 'get', 200)).toBeDefined();
  });

  it('every description is text: no key of a schema or response is a fragment of a sentence', () => {
    const fragments: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (typeof node !== 'object' || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        if (value === null && !Array.isArray(node)) fragments.push(`${where}.${key}`);
        walk(value, `${where}.${key}`);
      }
    };
    walk(api, '$');
    expect(fragments).toEqual([]);
  });

  it("lists the verifier's sub-indications, problems and error codes, no more and no fewer", () => {
    const sorted = (xs: Iterable<unknown>) => [...new Set(xs)].map(String).sort();
    expect(sorted(signature.subIndication!.enum!)).toEqual(sorted(OUTCOMES.map(([, , sub]) => sub)));
    expect(sorted(signature.problems!.items!.enum!)).toEqual(sorted(OUTCOMES.map(([problem]) => problem)));
    expect(sorted(schemas.Error!.properties!.error!.enum!)).toEqual(sorted(SERVICE_ERROR_CODES));
  });

  it('the strict check finds an undocumented field, a missing required one and a value outside an enum', () => {
    const report = responseSchema(api, '/verify', 'post', 200);
    const good = {
      format: 'cms',
      indication: 'TOTAL-PASSED',
      valid: true,
      validationTime: '2026-12-01T00:00:00.000Z',
      signatures: [
        {
          kind: 'signature',
          format: 'CMS',
          indication: 'TOTAL-PASSED',
          valid: true,
          problems: [],
          details: [],
        },
      ],
    };
    expect(schemaErrors(api, report, good)).toEqual([]);
    expect(schemaErrors(api, report, { ...good, extra: 1 })).toEqual(['$.extra: not described']);
    expect(
      schemaErrors(api, report, {
        ...good,
        signatures: [{ ...good.signatures[0], subIndication: 'SOMETIMES' }],
      }),
    ).toEqual([expect.stringMatching(/^\$\.signatures\[0\]\.subIndication: "SOMETIMES" is not one of/)]);
    const { valid: _valid, ...missing } = good;
    expect(schemaErrors(api, report, missing)).toEqual(['$.valid: required, missing']);
  });
});
