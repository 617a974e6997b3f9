/**
 * The name of a file a plugin call has kyso download (VGCA's `FileName` / `URL`): the one the
 * server gives in `Content-Disposition`, as the plugin's own download keeps it, else the URL's last
 * path segment. Document-management systems serve their files from addresses such as
 * `/api/file/download?id=123`, whose path names no file. A name the page gives beside the address
 * (vgca_sign_files' `FileName` next to `URL`) comes first.
 */
import { LIMITS } from '../../protocol/limits.js';
import { hasVisibleCharacter } from '../../text/invisible.js';

export function downloadedFileName(contentDisposition: string | null, url: URL): string {
  return (
    (contentDisposition !== null && usable(dispositionFileName(contentDisposition))) ||
    usable(lastPathSegment(url)) ||
    'document'
  );
}

/**
 * RFC 6266's `filename*` (RFC 8187: `UTF-8''<percent-encoded>`) before `filename` (a quoted string
 * or a token); a `filename` in raw UTF-8 bytes, as some servers send it, is read as UTF-8.
 */
export function dispositionFileName(header: string): string | undefined {
  const extended = /(?:^|;)\s*filename\*\s*=\s*([\w!#$%&+^`{}~.-]+)'[^']*'([^\s;]+)/i.exec(header);
  if (extended) {
    const charset = extended[1]!.toLowerCase();
    try {
      if (charset === 'utf-8') return decodeURIComponent(extended[2]!);
      if (charset === 'iso-8859-1')
        return extended[2]!.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
          String.fromCharCode(parseInt(hex, 16)),
        );
    } catch {
      // malformed percent-encoding: try the plain filename
    }
  }
  const plain = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))/i.exec(header);
  if (!plain) return undefined;
  const name = plain[1] !== undefined ? plain[1].replace(/\\(.)/g, '$1') : plain[2]!;
  return utf8Bytes(name);
}

/** Header values reach scripts one character per byte: a name sent in raw UTF-8 is decoded as such. */
function utf8Bytes(text: string): string {
  if (!/[\u0080-\u00FF]/.test(text) || /[\u0100-\uFFFF]/.test(text)) return text;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(text, (c) => c.charCodeAt(0)));
  } catch {
    return text; // Latin-1 after all
  }
}

function lastPathSegment(url: URL): string {
  const last = url.pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/**
 * The name a page gives a file beside its address — VGCA vgca_sign_files' `Files[].FileName` next to
 * `URL` — or undefined when that FileName is only an address (most portals repeat the URL there).
 * Portals that set it send the document's title, prepared as a file name (one cuts it to 170
 * characters and replaces its quotes), so kyso shows and uploads the file under it. A title's "/"
 * ("12/QĐ-UBND") is no folder: it becomes "-", the name staying whole where a server keeps only the
 * last path part.
 */
export function pageGivenFileName(fileName: unknown, url: unknown): string | undefined {
  if (typeof fileName !== 'string' || typeof url !== 'string' || !url.trim()) return undefined;
  const name = fileName.trim();
  if (name === url.trim() || /^[a-z][a-z\d+.-]*:\/\//i.test(name) || name.startsWith('/')) return undefined;
  return usable(name.replace(/[/\\]/g, '-'));
}

/**
 * A page-given name ending as the content it names: the bytes' extension (".pdf", ".xml") is added
 * when the name does not already end with it, so no name claims another type than what is signed.
 */
export function nameEndingAs(name: string, extension: '.pdf' | '.xml' | undefined): string {
  if (!extension || name.toLowerCase().endsWith(extension)) return name;
  return `${name.slice(0, LIMITS.maxDocumentNameChars - extension.length)}${extension}`;
}

/** The name without any folder a server put before it and without control characters, if something visible is left. */
function usable(name: string | undefined): string | undefined {
  const base = (name ?? '')
    .split(/[/\\]/)
    .pop()!
    // eslint-disable-next-line no-control-regex -- control characters are what is removed
    .replace(/[\u0000-\u001F\u007F]/g, '')
    .trim();
  const short = base.slice(0, LIMITS.maxDocumentNameChars);
  return hasVisibleCharacter(short) ? short : undefined;
}
