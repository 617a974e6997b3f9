/**
 * The verifier as an HTTP service, for backends in any language (Java, .NET, PHP): one POST with
 * the document (and the detached data) → the JSON report; POST /extend → the document with
 * long-term validation data (B-LT, B-LTA, CAdES-LT). Bodies are size-limited (413), bad input
 * is a JSON 400, and the number of verifications in flight is bounded (503 when full): the service
 * keeps serving whatever it is sent. Described in docs/verifier.md (OpenAPI).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { parseCertificate } from './certificates.js';
import { InputError } from './cms.js';
import type { VerifyOptions } from './judge.js';
import { reportToJson } from './report.js';
import type { RevocationPolicy } from './revocation.js';
import { KysoError } from '../../shared/protocol/errors.js';
import { detectFormat, verifyDocument } from './document.js';
import { extendCms, extendPdf, type ExtendOptions } from './extend.js';

export interface ServiceOptions {
  verify: VerifyOptions;
  /** Largest accepted body, bytes; default 50 MiB. */
  maxBodyBytes?: number;
  /** Verifications run at once; more wait. Default 16. */
  concurrency?: number;
  /** Verifications accepted (running + waiting) before answering 503; default 256. */
  maxQueued?: number;
  /** POST /extend: the TSA for B-LTA (and CAdES-LT of a CMS without a signature time-stamp), certificates to complete chains (the roots and intermediates are added). */
  extend?: ExtendOptions;
}

/** The `error` of a non-200 answer (the OpenAPI in docs/verifier.md lists the same). */
export const SERVICE_ERROR_CODES = [
  'BAD_REQUEST',
  'NOT_DER',
  'UNKNOWN_FORMAT',
  'TOO_LARGE',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'BUSY',
  'INTERNAL',
  'UPSTREAM_FAILED',
] as const;
export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number];

const DEFAULT_MAX_BODY = 50 << 20;

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

const fail = (res: ServerResponse, status: number, error: ServiceErrorCode, message: string) =>
  sendJson(res, status, { error, message });

/** The body, or undefined when it went over `limit` (it is read to the end and dropped, so the connection stays usable). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  const chunks: Buffer[] = [];
  let size = 0;
  let over = declared > limit;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) over = true;
    if (!over) chunks.push(chunk as Buffer);
  }
  return over ? undefined : Buffer.concat(chunks);
}

interface VerifyRequest {
  document: Uint8Array;
  detached?: Uint8Array;
}

/** application/json {document, detached?} in base64, or the raw document (PDF, XML, CMS) as the body. */
function parseRequest(req: IncomingMessage, body: Buffer): VerifyRequest {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    if (body.length === 0) throw new InputError('empty body');
    return { document: body };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new InputError('the body is not JSON');
  }
  const { document, detached } = (parsed ?? {}) as { document?: unknown; detached?: unknown };
  const base64 = (value: unknown, name: string) => {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(value) || value.length === 0)
      throw new InputError(`${name} must be base64`);
    return new Uint8Array(Buffer.from(value, 'base64'));
  };
  return {
    document: base64(document, 'document'),
    ...(detached !== undefined && { detached: base64(detached, 'detached') }),
  };
}

/** Per-request choices a caller may make: ?revocation=require|prefer|off&at=ISO-time. */
function requestOptions(url: URL, base: VerifyOptions): VerifyOptions {
  const options: VerifyOptions = { ...base };
  const revocation = url.searchParams.get('revocation');
  if (revocation !== null) {
    if (!['require', 'prefer', 'off'].includes(revocation))
      throw new InputError('revocation must be require, prefer or off');
    options.revocation = { ...base.revocation, policy: revocation as RevocationPolicy };
  }
  const at = url.searchParams.get('at');
  if (at !== null) {
    const time = new Date(at);
    if (Number.isNaN(time.getTime())) throw new InputError('at must be an ISO 8601 time');
    options.validationTime = time;
  }
  return options;
}

/**
 * The request's path and query, or undefined for a target that is no URL (`POST http://[::1`):
 * Node passes any absolute-form target through, and `new URL` throws on it outside every handler.
 */
function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/**
 * Every configured certificate is one, or the service does not start: found in the first
 * verification instead, a bad root would answer every request with a 500.
 */
function assertCertificates(verify: VerifyOptions): void {
  const lists = {
    trustedRoots: verify.trustedRoots,
    intermediates: verify.intermediates ?? [],
    timestampRoots: verify.timestampRoots ?? [],
  };
  for (const [name, list] of Object.entries(lists))
    list.forEach((der, i) => {
      try {
        parseCertificate(der);
      } catch {
        throw new TypeError(`${name}[${i}] is not a DER X.509 certificate`);
      }
    });
}

export function createVerifierService(options: ServiceOptions): Server {
  assertCertificates(options.verify);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const concurrency = options.concurrency ?? 16;
  const maxQueued = options.maxQueued ?? 256;
  let running = 0;
  let accepted = 0;
  const waiting: Array<() => void> = [];
  const slot = async () => {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
  };
  const release = () => {
    running--;
    waiting.shift()?.();
  };

  /** One POST: bounded in number and size, the body parsed, `work` run in a slot; input errors are 400s. */
  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    work: (request: VerifyRequest) => Promise<object>,
  ) {
    if (accepted >= maxQueued) {
      req.resume();
      res.setHeader('retry-after', '1');
      return fail(res, 503, 'BUSY', 'too many verifications in progress; retry');
    }
    accepted++;
    try {
      const body = await readBody(req, maxBody);
      if (!body) return fail(res, 413, 'TOO_LARGE', `the body is larger than ${maxBody} bytes`);
      const request = parseRequest(req, body);
      await slot();
      try {
        sendJson(res, 200, await work(request));
      } finally {
        release();
      }
    } catch (error) {
      if (error instanceof InputError)
        return fail(res, 400, error.code === 'TOO_LARGE' ? 'BAD_REQUEST' : error.code, error.message);
      // The time-stamping server (B-LTA, CAdES-LT) did not answer, or answered wrongly.
      if (error instanceof KysoError && (error.code === 'TIMESTAMP_FAILED' || error.code === 'TIMEOUT'))
        return fail(res, 502, 'UPSTREAM_FAILED', error.message);
      return fail(res, 500, 'INTERNAL', 'the document could not be processed');
    } finally {
      accepted--;
    }
  }

  const verify = (url: URL) => async (request: VerifyRequest) => {
    const verifyOptions = requestOptions(url, options.verify);
    const report = await verifyDocument(request.document, {
      ...verifyOptions,
      ...(request.detached && { detached: request.detached }),
    });
    return { format: detectFormat(request.document), ...(reportToJson(report) as object) };
  };

  /** ?level=B-LT|B-LTA: a signed PDF → B-LT/B-LTA; a CMS → CAdES-LT (level B-LT). */
  const extend = (url: URL) => async (request: VerifyRequest) => {
    const level = url.searchParams.get('level');
    if (level !== 'B-LT' && level !== 'B-LTA') throw new InputError('level must be B-LT or B-LTA');
    const format = detectFormat(request.document);
    if (format === 'xml')
      throw new InputError('XMLDSig has no long-term level here: a PDF or a CMS', 'UNKNOWN_FORMAT');
    if (format === 'cms' && level !== 'B-LT') throw new InputError('a CMS extends to CAdES-LT: level=B-LT');
    const extendOptions: ExtendOptions = {
      ...(options.extend?.tsaUrl && { tsaUrl: options.extend.tsaUrl }),
      certificates: [
        ...(options.extend?.certificates ?? []),
        ...options.verify.trustedRoots,
        ...(options.verify.intermediates ?? []),
      ],
      // An uploaded signature's own CA names its OCSP and CRL addresses: only trusted chains are checked online.
      onlineRoots: [...options.verify.trustedRoots, ...(options.verify.timestampRoots ?? [])],
    };
    const result =
      format === 'pdf'
        ? await extendPdf(request.document, level, extendOptions)
        : await extendCms(request.document, extendOptions);
    return {
      format,
      level,
      document: Buffer.from('pdf' in result ? result.pdf : result.cms).toString('base64'),
      missing: result.missing,
    };
  };

  const routes: Record<string, (url: URL) => (request: VerifyRequest) => Promise<object>> = {
    '/verify': verify,
    '/extend': extend,
  };

  return createServer((req, res) => {
    const url = requestUrl(req);
    if (!url) {
      req.resume();
      return fail(res, 400, 'BAD_REQUEST', 'the request target is not a valid path');
    }
    if (url.pathname === '/health')
      return sendJson(res, 200, { status: 'ok', running, waiting: waiting.length });
    const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    if (!route) {
      req.resume();
      return fail(res, 404, 'NOT_FOUND', 'POST /verify or /extend');
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      return fail(res, 405, 'METHOD_NOT_ALLOWED', `POST ${url.pathname}`);
    }
    handle(req, res, route(url)).catch(() => {
      if (!res.headersSent) fail(res, 500, 'INTERNAL', 'the document could not be processed');
    });
  });
}
