import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSPECTOR_CSP, type InspectorServer, startInspectorServer } from '../../src/cli/inspector/server.js';

/** A raw HTTP request (fetch would not let the test send its own Host header). */
function get(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('rnrkit inspect: the local server', () => {
  let dir: string;
  let server: InspectorServer;
  const capture = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rnrkit-inspect-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>page</title>');
    writeFileSync(join(dir, 'secret.txt'), 'outside');
    const page = join(dir, 'page');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(page, 'assets'), { recursive: true });
    writeFileSync(join(page, 'index.html'), '<!doctype html><title>page</title>');
    writeFileSync(join(page, 'assets/app.js'), 'export {};');
    writeFileSync(join(dir, 'my dump.dmp'), capture);
    server = await startInspectorServer({ pageDir: page, file: join(dir, 'my dump.dmp') });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only and serves the page with the strict CSP', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(server.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(INSPECTOR_CSP);
    expect(INSPECTOR_CSP).not.toMatch(/unsafe-eval|unsafe-inline/);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await get(`${server.url}assets/app.js`)).headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('the printed address opens FILE, which is served in ranges (nothing is copied or uploaded)', async () => {
    const hash = new URLSearchParams(new URL(server.openUrl).hash.slice(1));
    expect(hash.get('name')).toBe('my dump.dmp');
    const url = new URL(hash.get('open')!, server.url).href;
    const head = await get(url, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('5000');
    expect(head.headers['accept-ranges']).toBe('bytes');
    const slice = await get(url, { Range: 'bytes=4090-4999' });
    expect(slice.status).toBe(206);
    expect(slice.headers['content-range']).toBe('bytes 4090-4999/5000');
    expect(new Uint8Array(slice.body)).toEqual(capture.subarray(4090));
    expect((await get(url, { Range: 'bytes=5000-5001' })).status).toBe(416);
    expect((await get(url, { Range: 'bytes=-5' })).status).toBe(416);
  });

  it('serves nothing outside the page, and only to its own host name', async () => {
    const port = new URL(server.url).port;
    expect((await get(`${server.url}../secret.txt`)).status).toBe(404);
    expect((await get(`${server.url}%2e%2e/secret.txt`)).status).toBe(404);
    expect((await get(`${server.url}nothing.js`)).status).toBe(404);
    expect((await get(server.url, { Host: `attacker.example:${port}` })).status).toBe(421);
    expect((await get(server.url, {}, 'POST')).status).toBe(405);
  });

  it('`rnrkit inspect FILE` prints the address, serves until SIGTERM and exits 0', async () => {
    const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const child: ChildProcess = spawn(process.execPath, [main, 'inspect', join(dir, 'my dump.dmp')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const printed = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d;
        if (stdout.includes('\n')) resolve(stdout.trim());
      });
      child.on('exit', (code) => reject(new Error(`exited ${code} before printing an address`)));
    });
    expect(printed).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#open=%2Fcapture%2Fmy%2520dump\.dmp&name=my%20dump\.dmp$/);
    const page = await get(printed.replace(/#.*/, ''));
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(INSPECTOR_CSP);
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });

  it('a FILE that does not exist is one line and exit 1', async () => {
    const { runCli } = await import('../helpers/cli.js');
    const r = await runCli(['inspect', join(dir, 'missing.dmp')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rnrkit: ENOENT: no such file or directory, stat '.*missing\.dmp'\n$/);
  });
});
