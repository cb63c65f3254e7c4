import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Content-Security-Policy the inspector is served with: scripts,
 * workers and styles only from the page's own origin, no 'unsafe-eval'
 * (so no `new Function`), no 'unsafe-inline', nothing from anywhere else.
 */
export const INSPECTOR_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Where the built page is: dist/inspector/ next to the compiled CLI, or (running from src/) the built one in dist/. */
export function inspectorPageDir(): string | undefined {
  for (const relative of ['../../inspector/', '../../../dist/inspector/']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

export interface InspectorServer {
  /** The page's address, `http://127.0.0.1:PORT/`. */
  readonly url: string;
  /** The address that opens the page with FILE loaded, or the page's address without FILE. */
  readonly openUrl: string;
  close(): Promise<void>;
}

export interface InspectorServerOptions {
  readonly pageDir: string;
  /** A capture to open in the page: served at /capture/NAME with range requests, never copied. */
  readonly file?: string;
  /** Default 0: a free port. */
  readonly port?: number;
}

/**
 * Serve the built page on 127.0.0.1 with INSPECTOR_CSP, and FILE (if given)
 * at /capture/NAME with Range support, so the page's worker reads the
 * slices it needs. Requests whose Host is not this server are refused (a
 * page elsewhere cannot reach the file by DNS rebinding).
 */
export async function startInspectorServer(options: InspectorServerOptions): Promise<InspectorServer> {
  const root = resolve(options.pageDir);
  const file = options.file === undefined ? undefined : resolve(options.file);
  if (file !== undefined && !statSync(file).isFile())
    throw Object.assign(new Error(`${options.file} is not a file`), { code: 'EISDIR', syscall: 'open' });
  const capturePath = file === undefined ? undefined : `/capture/${encodeURIComponent(basename(file))}`;
  let port = 0;

  const server: Server = createServer((req, res) => {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(res, 421, 'wrong host\n');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    const path = decodeURIComponentSafe(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === undefined) return send(res, 400, 'bad path\n');
    if (file !== undefined && capturePath !== undefined && path === decodeURIComponent(capturePath))
      return serveFile(req, res, file, 'application/octet-stream');
    const target = resolve(root, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    if (!target.startsWith(root + sep) || !existsSync(target) || !statSync(target).isFile())
      return send(res, 404, 'not found\n');
    return serveFile(req, res, target, TYPES[extname(target)] ?? 'application/octet-stream');
  });

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => done());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  const openUrl =
    capturePath === undefined || file === undefined
      ? url
      : `${url}#open=${encodeURIComponent(capturePath)}&name=${encodeURIComponent(basename(file))}`;
  return {
    url,
    openUrl,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

function headers(type: string, extra: Record<string, string | number> = {}): Record<string, string | number> {
  return {
    'Content-Type': type,
    'Content-Security-Policy': INSPECTOR_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    ...extra,
  };
}

function send(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, headers('text/plain; charset=utf-8', { 'Content-Length': Buffer.byteLength(body), ...extra }));
  res.end(body);
}

/** A file, whole or one `Range: bytes=A-B` slice (the only form the page sends). */
function serveFile(req: IncomingMessage, res: ServerResponse, path: string, type: string): void {
  const size = statSync(path).size;
  const range = req.headers.range;
  let start = 0;
  let end = size - 1;
  let status = 200;
  if (range !== undefined) {
    const m = /^bytes=(\d+)-(\d*)$/.exec(range);
    const from = m ? Number(m[1]) : NaN;
    const to = m && m[2] !== '' ? Math.min(Number(m[2]), size - 1) : size - 1;
    if (!m || from >= size || to < from) {
      res.writeHead(
        416,
        headers('text/plain; charset=utf-8', { 'Content-Range': `bytes */${size}`, 'Content-Length': 0 }),
      );
      res.end();
      return;
    }
    start = from;
    end = to;
    status = 206;
  }
  const length = size === 0 ? 0 : end - start + 1;
  res.writeHead(
    status,
    headers(type, {
      'Content-Length': length,
      'Accept-Ranges': 'bytes',
      ...(status === 206 ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    }),
  );
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  const stream = createReadStream(path, { start, end });
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function decodeURIComponentSafe(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
