/**
 * The demo portal: a citizen submits an application file signed with their token. The page hashes
 * the file and asks kyso for a signature; the server receives file and signature, hashes the file
 * itself, verifies the CMS against its trusted roots and says who signed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarizeCertificate } from '../shared/certificate/profile.js';
import { InputError, verifyCmsSignature } from '../verifier/src/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Source tree root, whether running from demo/ (tests) or dist/node/demo (compiled). */
const ROOT = HERE.includes(`${path.sep}dist${path.sep}`)
  ? path.resolve(HERE, '../../..')
  : path.resolve(HERE, '..');
const MAX_BODY_BYTES = 12 * 1024 * 1024;

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: path.join(ROOT, 'demo/public/index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: path.join(ROOT, 'demo/public/app.js'), type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: path.join(ROOT, 'demo/public/style.css'), type: 'text/css; charset=utf-8' },
  '/sdk/kyso.js': { file: path.join(ROOT, 'dist/sdk/kyso.js'), type: 'text/javascript; charset=utf-8' },
  '/sdk/vgca-shim.js': {
    file: path.join(ROOT, 'dist/sdk/vgca-shim.js'),
    type: 'text/javascript; charset=utf-8',
  },
  // A portal page written for the VGCA plugin, with the plugin's own unmodified script (see demo/public/vgca-portal.html).
  '/vgca-portal.html': {
    file: path.join(ROOT, 'demo/public/vgca-portal.html'),
    type: 'text/html; charset=utf-8',
  },
  '/js/vgcaplugin.js': {
    file: path.join(ROOT, 'test/fixtures/third_party/plugins/vgca/vgcaplugin-2023.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/vnpt-portal.html': {
    file: path.join(ROOT, 'demo/public/vnpt-portal.html'),
    type: 'text/html; charset=utf-8',
  },
  '/js/vnpt-plugin.js': {
    file: path.join(ROOT, 'test/fixtures/third_party/plugins/vnpt/vnpt-plugin-1.0.1.9.js'),
    type: 'text/javascript; charset=utf-8',
  },
  // The newer VNPT library (UMD, global vnptPlugin, with signHash): tests load it into the VNPT page by a script tag.
  '/js/vnpt-plugin-1.0.3.4.js': {
    file: path.join(ROOT, 'test/fixtures/third_party/plugins/vnpt/vnpt-plugin-1.0.3.4.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/js/vgcaplugin-2019.js': {
    file: path.join(ROOT, 'test/fixtures/third_party/plugins/vgca/vgcaplugin-2019.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/viettel-portal.html': {
    file: path.join(ROOT, 'demo/public/viettel-portal.html'),
    type: 'text/html; charset=utf-8',
  },
  '/js/viettel-signplugin.js': {
    file: path.join(ROOT, 'test/fixtures/third_party/plugins/viettel/viettel-signplugin-sample.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/js/vt-plugin-socket.js': {
    file: path.join(ROOT, 'test/fixtures/third_party/plugins/viettel/vt-plugin-socket.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/bkav-portal.html': {
    file: path.join(ROOT, 'demo/public/bkav-portal.html'),
    type: 'text/html; charset=utf-8',
  },
  '/js/bkavca-plugin.js': {
    file: path.join(ROOT, 'test/fixtures/third_party/plugins/bkav/bkavca-signer-plugin.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

/** The same portal page with kyso's replacement script in place of the plugin's (portals that include kyso directly). */
const SHIM_PAGES: Record<string, string> = {
  '/vgca-shim-portal.html': '/sdk/vgca-shim.js',
  '/vgca-portal-2019.html': '/js/vgcaplugin-2019.js',
};

export interface DemoServerOptions {
  port?: number;
  host?: string;
  /** Serve https with this key and certificate (PEM): a portal as it runs in production. */
  tls?: { key: string; cert: string };
  /** DER certificates the portal trusts as roots (the test CA in the demo). */
  trustedRoots: Uint8Array[];
  /**
   * Files a VGCA-style page has the signer fetch (GET /files/<name>, or GET /download?file=<name>
   * naming it only in Content-Disposition); signed files come back to
   * POST /upload (multipart, as the Ban Cơ yếu plugin uploads them).
   */
  files?: Record<string, Uint8Array>;
}

/**
 * A file uploaded to POST /upload, as the VGCA tool uploads it: multipart, the file in field
 * `uploadfile`. The handler answers `{Status, Message, FileName, FileServer, DocumentNumber}` (HTTP
 * 200 with Status 1 when it refuses: POST /upload-refuse does).
 */
export interface Upload {
  /** The multipart field that carried the file. */
  field: string;
  name: string;
  bytes: Uint8Array;
  fields: Record<string, string>;
  authorization?: string;
}

export interface Submission {
  fileName: string;
  signer: string;
  identities: Record<string, string[]>;
  signingTime?: string;
  /** The signature as received, base64 DER (kept so tests can verify it independently). */
  cms: string;
}

export interface DemoServer {
  server: Server;
  url: string;
  /** Accepted submissions, newest last (tests read it to check what the portal saw). */
  submissions: Submission[];
  uploads: Upload[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

export function pemCertificates(pem: string): Uint8Array[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g)].map(
    (m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s/g, ''), 'base64')),
  );
}

/** The parts of a multipart/form-data body (enough for one upload form). */
function multipart(
  body: Buffer,
  contentType: string,
): Array<{ name: string; filename?: string; data: Buffer }> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return [];
  const marker = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: Array<{ name: string; filename?: string; data: Buffer }> = [];
  let at = body.indexOf(marker);
  while (at !== -1) {
    const next = body.indexOf(marker, at + marker.length);
    if (next === -1) break;
    const part = body.subarray(at + marker.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('utf8');
    const name = /name="([^"]*)"/.exec(head)?.[1];
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    if (name)
      parts.push({ name, ...(filename !== undefined && { filename }), data: part.subarray(split + 4) });
    at = next;
  }
  return parts;
}

export function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const submissions: Submission[] = [];
  const uploads: Upload[] = [];

  async function upload(req: IncomingMessage, res: ServerResponse) {
    const parts = multipart(await readBody(req), String(req.headers['content-type'] ?? ''));
    const file = parts.find((p) => p.filename !== undefined);
    if (!file) return json(res, 200, { Status: 1, Message: 'Không có tệp / no file' });
    const fields = Object.fromEntries(
      parts.filter((p) => p.filename === undefined).map((p) => [p.name, p.data.toString('utf8')]),
    );
    uploads.push({
      field: file.name,
      name: file.filename!,
      bytes: new Uint8Array(file.data),
      fields,
      ...(req.headers.authorization && { authorization: req.headers.authorization }),
    });
    json(res, 200, {
      Status: 0,
      Message: 'Tải lên thành công',
      FileName: file.filename,
      FileServer: `/uploads/${uploads.length}/${encodeURIComponent(file.filename!)}`,
      DocumentNumber: `${uploads.length}/VP`,
    });
  }

  async function submit(req: IncomingMessage, res: ServerResponse) {
    let body: { fileName?: unknown; file?: unknown; cms?: unknown };
    try {
      body = JSON.parse((await readBody(req)).toString('utf8')) as typeof body;
    } catch {
      return json(res, 400, { accepted: false, problems: ['malformed request'] });
    }
    if (typeof body.fileName !== 'string' || typeof body.file !== 'string' || typeof body.cms !== 'string') {
      return json(res, 400, { accepted: false, problems: ['fileName, file and cms are required'] });
    }
    // The portal backend's check: kyso's server-side verifier (signature, chain, revocation when the
    // certificate names an OCSP responder or CRL, signer identity).
    let report;
    try {
      report = await verifyCmsSignature(
        { cms: Buffer.from(body.cms, 'base64'), content: Buffer.from(body.file, 'base64') },
        { trustedRoots: options.trustedRoots, revocation: { policy: 'prefer', timeoutMs: 5_000 } },
      );
    } catch (error) {
      if (error instanceof InputError) return json(res, 422, { accepted: false, problems: [error.message] });
      throw error;
    }
    const [signature] = report.signatures;
    if (!report.valid || !signature?.signer) {
      return json(res, 422, {
        accepted: false,
        problems: signature ? [...signature.problems, ...signature.details] : ['no signature'],
      });
    }
    const summary = summarizeCertificate(signature.signer.certificate);
    const submission: Submission = {
      fileName: body.fileName.slice(0, 200),
      signer: signature.signer.name,
      identities: summary.identities,
      signingTime: signature.signingTime?.toISOString(),
      cms: body.cms,
    };
    submissions.push(submission);
    const { cms: _cms, ...answer } = submission;
    json(res, 200, { accepted: true, ...answer });
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/api/submit') {
      submit(req, res).catch(() => json(res, 500, { accepted: false, problems: ['internal error'] }));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/upload-refuse') {
      // A handler that refuses the way real ones do: HTTP 200, Status 1.
      void readBody(req).then(
        () => json(res, 200, { Status: 1, Message: 'Phiên làm việc đã hết hạn' }),
        () => json(res, 200, { Status: 1, Message: 'error' }),
      );
      return;
    }
    if (req.method === 'POST' && url.pathname === '/upload') {
      upload(req, res).catch(() => json(res, 500, { Status: 1, Message: 'internal error' }));
      return;
    }
    const served = url.pathname.startsWith('/files/')
      ? options.files?.[decodeURIComponent(url.pathname.slice(7))]
      : undefined;
    if (req.method === 'GET' && served) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(served);
      return;
    }
    // The same files as a document-management system serves them: an address naming no file
    // (GET /download?file=<name>), the name in Content-Disposition.
    const named = url.pathname === '/download' ? url.searchParams.get('file') : null;
    const download = named !== null ? options.files?.[named] : undefined;
    if (req.method === 'GET' && named !== null && download) {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="download"; filename*=UTF-8''${encodeURIComponent(named)}`,
        'cache-control': 'no-store',
      });
      res.end(download);
      return;
    }
    const shimScript = SHIM_PAGES[url.pathname];
    if (req.method === 'GET' && shimScript) {
      const page = readFileSync(path.join(ROOT, 'demo/public/vgca-portal.html'), 'utf8').replace(
        '<script src="/js/vgcaplugin.js"></script>',
        `<script src="${shimScript}"></script>`,
      );
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page);
      return;
    }
    const entry = STATIC[url.pathname];
    if (req.method !== 'GET' || !entry) {
      res.writeHead(404).end('not found');
      return;
    }
    try {
      res.writeHead(200, { 'content-type': entry.type, 'cache-control': 'no-store' });
      res.end(readFileSync(entry.file));
    } catch {
      res.writeHead(500).end('missing build output: run npm run build');
    }
  };
  const server = options.tls ? createHttpsServer(options.tls, handler) : createServer(handler);

  return new Promise((resolve) => {
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      resolve({
        server,
        url: `${options.tls ? 'https' : 'http'}://localhost:${port}/`,
        submissions,
        uploads,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
