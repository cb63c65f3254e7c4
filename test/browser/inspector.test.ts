import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip, gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareSets, csAddrView, type SetRef } from '../../inspector/src/compare.js';
import { layoutOf } from '../../src/abi/layout.js';
import { INSPECTOR_CSP, type InspectorServer, startInspectorServer } from '../../src/cli/inspector/server.js';
import { encodeQuerySet } from '../../src/codec/encode.js';
import { BUNDLED_DUMP, bundledSets, openBundledDump } from '../../src/dump/fixtures.js';
import { scanQuerySets } from '../../src/dump/scan.js';
import { formatAddress } from '../../src/errors.js';
import { AddressSet } from '../../src/match/address-set.js';
import { runCli } from '../helpers/cli.js';
import {
  ARTIFACTS,
  type Browser,
  buildPageIfStale,
  CHROMIUM,
  launch,
  PAGE_DIR,
  peakMemory,
  resetPeakMemory,
} from './chromium.js';

if (!CHROMIUM)
  console.log('inspector browser suite skipped: RNRKIT_CHROMIUM is not set (.ci/services/chromium.sh sets it)');

const MiB = 2 ** 20;

describe.skipIf(!CHROMIUM)('the inspector page in headless Chromium (RNRKIT_CHROMIUM)', () => {
  let browser: Browser;
  let server: InspectorServer;
  let page: Page;
  let work: string;
  const sets = bundledSets();
  const dump = openBundledDump();
  const expectedCandidates = scanQuerySets(dump, { arches: ['x64'] });

  beforeAll(async () => {
    await buildPageIfStale();
    mkdirSync(ARTIFACTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'rnrkit-inspector-'));
    server = await startInspectorServer({ pageDir: PAGE_DIR, file: BUNDLED_DUMP.path });
    browser = await launch(CHROMIUM!);
    page = await browser.newPage();
  }, 120_000);

  afterAll(async () => {
    dump.close();
    await browser?.close();
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const state = (p: Page, ...wanted: string[]) =>
    p.waitForFunction((w) => w.includes(document.body.dataset.state ?? ''), wanted, { timeout: 60_000 });
  const shot = (p: Page, name: string) => p.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

  it('is served with a Content-Security-Policy that forbids eval and inline code', async () => {
    const response = await page.goto(server.openUrl);
    expect(response?.headers()['content-security-policy']).toBe(INSPECTOR_CSP);
    expect(INSPECTOR_CSP).toContain("script-src 'self'");
    expect(INSPECTOR_CSP).not.toMatch(/unsafe/);
  });

  it('opens the dump `rnrkit inspect FILE` serves, scans it in the worker and ranks what the CLI scan finds', async () => {
    await state(page, 'scanned', 'failed');
    expect(await page.textContent('#message')).toBe('');
    expect(await page.textContent('[data-fact=arch]')).toBe('x64');
    expect(await page.textContent('[data-fact=kind]')).toBe('minidump');
    const rows = await page.$$eval('tr.candidate', (trs) =>
      trs.map((tr) => [tr.children[1]!.textContent, tr.children[3]!.textContent]),
    );
    expect(rows).toEqual(expectedCandidates.map((c) => [formatAddress(c.at), String(c.score)]));
    await shot(page, 'candidates');
  });

  it("opens the best candidate: the decoded members are the fixture's, and the export is its canonical JSON", async () => {
    await page.click('tr.candidate >> nth=0');
    await page.waitForSelector('#detail:not([hidden])');
    const best = expectedCandidates[0]!;
    const set = sets.find((s) => s.at === best.at)!;
    expect(await page.textContent('#detail-title')).toBe(`WSAQUERYSETW at ${formatAddress(set.at)} (x64)`);
    expect(await page.textContent('#tree [data-path=lpszServiceInstanceName] .string')).toBe(
      JSON.stringify(set.expected.lpszServiceInstanceName),
    );
    expect(await page.isHidden('#unresolved')).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(exported).toEqual(set.expected);
    await shot(page, 'decoded');
  });

  it('hovering a member names it; clicking a pointer jumps to its pointee', async () => {
    const pointer = page.locator('#hex .block').first().locator('.b.ptr').first();
    await pointer.hover();
    expect(await page.textContent('#tooltip')).toMatch(/^lpszServiceInstanceName {2}\+0x8 {2}LPWSTR {2}= 0x[0-9a-f]+/);
    const target = Number(await pointer.getAttribute('data-target'));
    await pointer.click();
    expect(await page.getAttribute('#hex', 'data-current')).toBe(String(target));
    const current = page.locator('#hex .block.current');
    expect(await current.getAttribute('data-address')).toBe(String(target));
    expect(await current.locator('.block-head .label').textContent()).toBe('lpszServiceInstanceName');
    await expect
      .poll(() =>
        current.evaluate((e) => {
          const r = e.getBoundingClientRect();
          return r.top >= 0 && r.top < innerHeight;
        }),
      )
      .toBe(true);
    await shot(page, 'jumped');
  });

  it('works from the keyboard: Esc back, arrows through candidates, Enter opens', async () => {
    await page.keyboard.press('Escape');
    await page.waitForSelector('#list:not([hidden])');
    await page.keyboard.press('ArrowDown');
    expect(await page.getAttribute('tr.candidate >> nth=1', 'aria-selected')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-index'))).toBe('1');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#detail:not([hidden])');
    expect(await page.textContent('#detail-title')).toContain(formatAddress(expectedCandidates[1]!.at));
    await page.keyboard.press('Escape');
    await page.waitForSelector('#list:not([hidden])');
  });

  it("compares two sets: the marks are the exact-match rule's, differing bytes are marked", async () => {
    const pick = async (row: number, side: 'a' | 'b') =>
      page.click(`tr.candidate >> nth=${row} >> button[data-pick=${side}]`);
    // A set against itself: every entry matches.
    await pick(0, 'a');
    await pick(0, 'b');
    await page.click('#compare');
    await page.waitForSelector('#comparison:not([hidden])');
    const own = await page.$$eval('#compare-table tr.entry', (trs) => trs.map((tr) => tr.className));
    expect(own).toEqual(Array(sets[0]!.expected.lpcsaBuffer!.length).fill('entry matched'));
    await page.keyboard.press('Escape');
    // The best set against the second: verdicts as AddressSet gives them, in node, on the same dump.
    await pick(1, 'b');
    await page.click('#compare');
    await page.waitForSelector('#comparison:not([hidden])');
    const [a, b] = [expectedCandidates[0]!, expectedCandidates[1]!];
    const truth = compareSets(dump, a, b);
    const fromRule = AddressSet.fromView(csAddrs(a), {}).matchAll(csAddrs(b));
    expect(truth.b).toEqual(fromRule);
    const marks = await page.$$eval('#compare-table tr.entry[data-b]', (trs) =>
      trs.map((tr) => [Number(tr.getAttribute('data-b')), tr.classList.contains('matched')]),
    );
    expect(marks.sort()).toEqual(
      [...fromRule.matched.map((i) => [i, true]), ...fromRule.unmatched.map((i) => [i, false])].sort(),
    );
    expect(fromRule.unmatched.length).toBeGreaterThan(0);
    expect(await page.locator('#compare-table .sockaddr .b.diff').count()).toBeGreaterThan(0);
    await shot(page, 'compared');
    await page.keyboard.press('Escape');
  });

  const csAddrs = (c: SetRef) => csAddrView(dump, c, 'set');

  it("a truncated or corrupt file shows one clear message, the CLI's own line", async () => {
    const inflated = gunzipSync(readFileSync(BUNDLED_DUMP.path));
    const cases: [string, Uint8Array][] = [
      ['truncated.dmp', inflated.subarray(0, 20)],
      [
        'bad-version.dmp',
        (() => {
          const b = new Uint8Array(inflated.subarray(0, 4096));
          b[4] = 0x34;
          b[5] = 0x12;
          return b;
        })(),
      ],
    ];
    const p = await browser.newPage();
    await p.goto(server.url);
    for (const [name, bytes] of cases) {
      const file = join(work, name);
      writeFileSync(file, bytes);
      const cli = await runCli(['regions', file]);
      expect(cli.code).toBe(1);
      await p.setInputFiles('#file', file);
      await state(p, 'failed');
      expect(`${await p.textContent('#message')}\n`).toBe(cli.stderr.replace(file, name));
      expect(await p.isVisible('#intro')).toBe(true);
      expect(await p.isVisible('#scan')).toBe(false);
    }
    const cut = join(work, 'cut.dmp.gz');
    const gz = readFileSync(BUNDLED_DUMP.path);
    writeFileSync(cut, gz.subarray(0, gz.length >> 1));
    await p.setInputFiles('#file', cut);
    await state(p, 'failed');
    expect(await p.textContent('#message')).toMatch(
      /^rnrkit: cut\.dmp\.gz: the gzip data ends early after \d+ bytes inflated: not opened$/,
    );
    await shot(p, 'bad-input');
    await p.close();
  });

  it('a file dropped on the page is opened like a picked one', async () => {
    const p = await browser.newPage();
    await p.goto(server.url);
    const bytes = readFileSync(BUNDLED_DUMP.path).toString('base64');
    const transfer = await p.evaluateHandle((b64) => {
      const data = new DataTransfer();
      data.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'dropped.dmp.gz'));
      return data;
    }, bytes);
    await p.dispatchEvent('main', 'dragover', { dataTransfer: transfer });
    await p.dispatchEvent('main', 'drop', { dataTransfer: transfer });
    await state(p, 'scanned', 'failed');
    expect(await p.textContent('[data-fact=file]')).toMatch(/^dropped\.dmp\.gz \(/);
    expect(await p.locator('tr.candidate').count()).toBe(expectedCandidates.length);
    await p.close();
  });

  it("a hostile set in raw memory: lenient decoding shows what could not be read and why (the CLI's reason), and strings that are not text by their code units", async () => {
    const base = 0x20000;
    const qs = { ...sets[0]!.expected, lpszServiceInstanceName: 'hostile', lpszContext: 'ctx\u0001\ud800' };
    const image = encodeQuerySet(qs, { arch: 'x64', charset: 'W', base });
    const comment = layoutOf('WSAQUERYSETW', 'x64').field('lpszComment').offset;
    new DataView(image.buffer, image.byteOffset).setBigUint64(comment, 0x7fff0000n, true);
    const file = join(work, 'hostile.bin');
    writeFileSync(file, image);
    const cli = await runCli(['decode', file, '--base', formatAddress(base), '--arch', 'x64']);
    expect(cli.code).toBe(1);
    const p = await browser.newPage();
    await p.goto(server.url);
    await p.click('#raw-form summary');
    await p.setInputFiles('#raw-file', file);
    await p.fill('#raw-base', formatAddress(base));
    await p.click('#raw-open');
    await state(p, 'scanned', 'failed');
    expect(await p.textContent('tr.candidate >> nth=0 >> td.mono')).toBe(formatAddress(base));
    await p.click('tr.candidate >> nth=0');
    await p.waitForSelector('#detail:not([hidden])');
    const unresolved = await p.$$eval('#unresolved li', (lis) => lis.map((li) => li.textContent));
    expect(unresolved).toEqual(['lpszComment at 0x7fff0000: 0x7fff0000+2 is not in the captured memory']);
    expect(cli.stderr).toBe('rnrkit: lpszComment: 0x7fff0000+2 is not in the captured memory\n');
    expect(await p.textContent('#tree [data-path=lpszComment] .null')).toBe('NULL');
    expect(await p.textContent('#hex .block.unreadable')).toContain(
      'not readable: 0x7fff0000+2 is not in the captured memory',
    );
    expect(await p.textContent('#detail-title')).toBe(`WSAQUERYSETW at ${formatAddress(base)} (x64)`);
    expect(await p.textContent('#tree [data-path=lpszContext] .unclean')).toBe(
      '"ctx\\u0001\\ud800" — code units U+0063 U+0074 U+0078 U+0001 U+D800',
    );
    await shot(p, 'hostile-set');
    await p.close();
  });

  const sparse = () => {
    const file = join(work, 'sparse.bin');
    const fd = openSync(file, 'w');
    writeSync(fd, new Uint8Array(1), 0, 1, 2 ** 31 - 1);
    closeSync(fd);
    return file;
  };
  const openRaw = async (p: Page, file: string, base: string) => {
    await p.click('#raw-form summary');
    await p.setInputFiles('#raw-file', file);
    await p.fill('#raw-base', base);
    await p.click('#raw-open');
  };

  it('a scan can be cancelled mid-way: the page stays usable and the scan runs again', async () => {
    const p = await browser.newPage();
    await p.goto(server.url);
    await openRaw(p, sparse(), '0x10000');
    await state(p, 'scanning');
    await p.waitForFunction(() => (document.getElementById('scan-progress') as HTMLProgressElement).value > 0);
    await p.click('#scan-cancel');
    await state(p, 'cancelled');
    expect(await p.textContent('#scan-status')).toBe('scan cancelled');
    expect(await p.isVisible('#scan-again')).toBe(true);
    await p.click('#scan-again');
    await state(p, 'scanned', 'failed');
    expect(await p.textContent('#scan-status')).toMatch(/^0 candidates/);
    await p.close();
  });

  it("a 2 GiB sparse raw file is scanned in slices: the renderer's memory stays bounded", async () => {
    const file = sparse();
    const p = await browser.newPage();
    await p.goto(server.url);
    await resetPeakMemory(browser.context);
    const started = Date.now();
    await openRaw(p, file, '0x10000');
    await state(p, 'scanned', 'failed');
    const seconds = (Date.now() - started) / 1000;
    expect(await p.textContent('#message')).toBe('');
    expect(await p.textContent('[data-fact=memory]')).toBe('2.00 GiB in 1 ranges');
    expect(await p.textContent('#scan-status')).toMatch(/^0 candidates/);
    const peak = await peakMemory(browser.context);
    console.log(
      `2 GiB sparse raw file: opened and scanned in ${seconds.toFixed(1)} s; peak RSS renderer ${(peak.renderer / MiB).toFixed(0)} MiB, browser ${(peak.browser / MiB).toFixed(0)} MiB`,
    );
    // Well under the file's 2 GiB: it is never in memory whole. What the peak does hold (540-1010 MiB
    // measured) is the 4 MiB reads' garbage before the collector runs, which varies with the machine's speed.
    expect(peak.renderer).toBeLessThan(1536 * MiB);
    await p.close();
  });

  it('a gzip bomb stops at the inflate limit with a message: memory stays bounded', async () => {
    const file = join(work, 'bomb.dmp.gz');
    const zeros = new Uint8Array(64 * MiB);
    // One gzip member of 1 GiB of zeros (about 1 MiB), deflated as a stream.
    const gz = createGzip({ level: 9 });
    const chunks: Buffer[] = [];
    gz.on('data', (c: Buffer) => chunks.push(c));
    for (let i = 0; i < 16; i++) gz.write(zeros);
    await new Promise((done) => gz.end(done));
    const bomb = Buffer.concat(chunks);
    writeFileSync(file, bomb);
    expect(bomb.length).toBeLessThan(2 * MiB);
    const p = await browser.newPage();
    await p.goto(`${server.url}?inflate=${256 * MiB}`);
    await resetPeakMemory(browser.context);
    await p.setInputFiles('#file', file);
    await state(p, 'failed');
    expect(await p.textContent('#message')).toBe(
      'rnrkit: bomb.dmp.gz: the gzip data inflates to more than 256 MiB, the limit for gzip input: not opened (inflate it yourself and open the result)',
    );
    const peak = await peakMemory(browser.context);
    console.log(
      `gzip bomb (1 GiB of zeros in ${(bomb.length / MiB).toFixed(1)} MiB, limit 256 MiB): peak RSS renderer ${(peak.renderer / MiB).toFixed(0)} MiB, browser ${(peak.browser / MiB).toFixed(0)} MiB`,
    );
    // Inflated bytes go to a file, not memory: the renderer's peak stays well under the 256 MiB that were inflated before the stop, plus its own baseline.
    expect(peak.renderer).toBeLessThan(512 * MiB);
    await p.close();
  });

  it('no page reported a CSP violation or a console error', () => {
    expect(browser.problems).toEqual([]);
  });
});
