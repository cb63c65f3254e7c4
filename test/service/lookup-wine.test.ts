/**
 * The result buffer as a Windows program sees it. WSALookupServiceNext
 * results are written by rnrkit into Buffers at the addresses a Windows
 * process would have them at; a C program (test/service/lookup-walker.c)
 * built with mingw-w64 for x64 and x86 maps those addresses under Wine,
 * loads the bytes there, checks that every pointer and everything it
 * points to lies inside the buffer, and prints what it finds by following
 * the real pointers. That must equal — member by member, in member order —
 * both what the lookup returned and what rnrkit's own decoder reads back.
 * The program also prints the header values of the LUP_ flags and the
 * lookup error codes, which must be rnrkit's.
 *
 * Needs mingw-w64 and Wine, switched on by RNRKIT_TEST_WINE=1
 * (.ci/services/lookup-wine.sh) or the Windows suite's RNRKIT_WINDOWS_SUITE=1; each run has its own WINEPREFIX in a
 * temporary folder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LUP, WSA_ERRORS } from '../../src/abi/constants.js';
import { layoutOf } from '../../src/abi/layout.js';
import type { Arch } from '../../src/abi/types.js';
import type { Charset, QuerySetJson } from '../../src/codec/canonical.js';
import { decodeQuerySet } from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/region-list.js';
import { openStore, ServiceLookup, type ServiceStore, WinsockRegistry } from '../../src/service/index.js';
import { querySet, sockaddrIn, tcp } from './helpers.js';
import { restrictions } from './lookup-helpers.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const has = (command: string) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
const compilers: Record<Arch, string> = { x64: 'x86_64-w64-mingw32-gcc', x86: 'i686-w64-mingw32-gcc' };
const enabled = process.env.RNRKIT_TEST_WINE === '1' || process.env.RNRKIT_WINDOWS_SUITE === '1';
const skipReason = !enabled
  ? 'neither RNRKIT_TEST_WINE nor RNRKIT_WINDOWS_SUITE is 1 (.ci/services/lookup-wine.sh sets the first when mingw-w64 and Wine are installed)'
  : !has('wine')
    ? 'wine is not installed'
    : !has(compilers.x64) || !has(compilers.x86)
      ? 'mingw-w64 (x86 and x64) is not installed'
      : '';
if (skipReason) console.log(`lookup Wine walker skipped: ${skipReason}`);

/** Where each arch's buffers go: the x64 ones above 4 GiB, so 64-bit pointers are exercised; each case in its own 64 KiB granule. */
const BASES: Record<Arch, number> = { x64: 0x2_3456_0000, x86: 0x3456_0000 };
/** Buffers start here inside their granule: 8-aligned, not page-aligned. */
const SKEW = 0x28;
/** The caller's buffer is this much longer than the result needs: the walker checks against the length given, not the size used. */
const SLACK = 37;

interface Case {
  readonly name: string;
  readonly arch: Arch;
  readonly charset: Charset;
  readonly at: number;
  readonly length: number;
  readonly file: string;
  readonly returned: QuerySetJson;
  readonly decoded: QuerySetJson;
}

describe.skipIf(skipReason !== '')('WSALookupServiceNext buffers walked by a Windows program under Wine', () => {
  let work = '';
  let store: ServiceStore;
  const cases: Case[] = [];
  const walked: Record<Arch, { lines: Record<string, unknown>[]; constants: Record<string, number> }> = {} as never;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'rnrkit-lookup-wine-'));
    store = openStore(join(work, 'store.db'));
    const registry = new WinsockRegistry({ store, principal: 'alice' });
    registry.startup();
    const ipv6 = {
      LocalAddr: {
        lpSockaddr: `17002710${'00'.repeat(4)}20010db8${'00'.repeat(10)}0001${'00'.repeat(4)}`,
        iSockaddrLength: 28,
      },
      RemoteAddr: { lpSockaddr: null, iSockaddrLength: 0 },
      iSocketType: 1,
      iProtocol: 6,
    };
    const both = {
      LocalAddr: { lpSockaddr: sockaddrIn(10, 0, 0, 9, 515), iSockaddrLength: 16 },
      RemoteAddr: { lpSockaddr: sockaddrIn(192, 0, 2, 1, 515), iSockaddrLength: 16 },
      iSocketType: 2,
      iProtocol: 17,
    };
    const objects = [
      querySet([tcp(1), ipv6, both], {
        lpszServiceInstanceName: 'Printer "Lobby" \\ 1',
        lpszComment: 'Café — 2nd floor',
        lpVersion: { dwVersion: 7, ecHow: 0 },
        lpszContext: 'Building 1',
      }),
      querySet([tcp(2, 8080)], { lpszServiceInstanceName: 'Scanner', lpszContext: 'Building 1/Floor 2' }),
      querySet([], { lpszServiceInstanceName: 'Idle' }),
    ];
    for (const qs of objects) expect(registry.setService(qs, 0, 0)).toBe(0);
    const lookup = new ServiceLookup(registry);
    const flagSets: [string, number][] = [
      ['all', LUP.LUP_RETURN_ALL],
      ['name+addr', LUP.LUP_RETURN_NAME | LUP.LUP_RETURN_ADDR],
      ['service', LUP.LUP_RETURN_ALL | LUP.LUP_RES_SERVICE],
    ];
    for (const arch of ['x64', 'x86'] as const) {
      let granule = 0;
      for (const charset of ['W', 'A'] as const) {
        for (const [label, flags] of flagSets) {
          const dwSize = layoutOf(charset === 'A' ? 'WSAQUERYSETA' : 'WSAQUERYSETW', arch).size;
          const handle = lookup.begin(
            { querySet: restrictions({ dwSize, lpszContext: null }), arch, charset },
            flags | LUP.LUP_DEEP,
          );
          for (let k = 0; ; k++) {
            const size = { value: 0 };
            // The documented two-call pattern: ask with 0 bytes, get the length, call again with a buffer that long (and a little more).
            if (lookup[charset === 'A' ? 'lookupServiceNextA' : 'lookupServiceNextW'](handle, flags, size, null) === 0)
              throw new Error('a 0-byte buffer succeeded');
            if (registry.getLastError() !== WSA_ERRORS.WSAEFAULT) break;
            const at = BASES[arch] + granule++ * 0x10000 + SKEW;
            const length = size.value + SLACK;
            const buffer = Buffer.alloc(length, 0xcc);
            const { querySet: returned } = lookup.next(handle, flags, {
              charset,
              length,
              target: { bytes: buffer, address: at },
            });
            const file = `case-${arch}-${cases.length}.bin`;
            writeFileSync(join(work, file), buffer);
            const decoded = decodeQuerySet(new RegionList([{ base: at, bytes: buffer }]), at, { arch, charset });
            cases.push({
              name: `${arch} ${charset} ${label} #${k}`,
              arch,
              charset,
              at,
              length,
              file,
              returned,
              decoded,
            });
          }
          lookup.end(handle);
        }
      }
    }
    registry.cleanup();
    const env = {
      ...process.env,
      WINEPREFIX: join(work, 'prefix'),
      WINEDEBUG: '-all',
      WINEDLLOVERRIDES: 'mscoree,mshtml=d',
    };
    for (const arch of ['x64', 'x86'] as const) {
      execFileSync(
        compilers[arch],
        [
          '-O1',
          '-std=c11',
          '-Wall',
          '-Wextra',
          '-Werror',
          '-I',
          join(repo, 'fixtures', 'codec', 'src'),
          '-o',
          join(work, `walker-${arch}.exe`),
          join(repo, 'test', 'service', 'lookup-walker.c'),
        ],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
      const mine = cases.filter((c) => c.arch === arch);
      writeFileSync(
        join(work, `cases-${arch}.txt`),
        mine.map((c) => `${c.charset} ${c.at.toString(16)} ${c.length} ${c.file}\n`).join(''),
      );
      // Under Wine a Windows process cannot write to a pipe: the walker writes its findings to a file.
      execFileSync('wine', [`walker-${arch}.exe`, `cases-${arch}.txt`, `walked-${arch}.txt`], {
        cwd: work,
        env,
        stdio: 'ignore',
        timeout: 240_000,
      });
      const lines = readFileSync(join(work, `walked-${arch}.txt`), 'latin1')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      walked[arch] = { lines: lines.slice(0, -1), constants: lines[lines.length - 1] as Record<string, number> };
    }
    spawnSync('wineserver', ['-w'], { env, stdio: 'ignore', timeout: 60_000 });
  }, 300_000);

  afterAll(() => {
    store?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('covers both archs and charsets, several results and flag sets', () => {
    expect(cases.length).toBe(2 * 2 * 3 * 3);
    for (const arch of ['x64', 'x86'] as const)
      expect(walked[arch].lines).toHaveLength(cases.filter((c) => c.arch === arch).length);
  });

  it("every pointer of every result lies inside the caller's buffer, and what C reads is what the lookup returned and rnrkit decodes", () => {
    for (const arch of ['x64', 'x86'] as const) {
      cases
        .filter((c) => c.arch === arch)
        .forEach((c, i) => {
          const line = walked[arch].lines[i]!;
          expect(line.inside, c.name).toBe('ok');
          // Member by member and in member order: the JSON text itself.
          expect(JSON.stringify(line.json), c.name).toBe(JSON.stringify(c.returned));
          expect(JSON.stringify(line.json), c.name).toBe(JSON.stringify(c.decoded));
        });
    }
  });

  it("the headers' LUP_ flags, lookup error codes and struct sizes are rnrkit's", () => {
    for (const arch of ['x64', 'x86'] as const) {
      const constants = walked[arch].constants;
      for (const [name, value] of Object.entries(LUP)) expect(constants[name], `${arch} ${name}`).toBe(value);
      for (const name of ['WSA_INVALID_HANDLE', 'WSAEFAULT', 'WSAENOMORE', 'WSA_E_NO_MORE', 'WSA_E_CANCELLED'] as const)
        expect(constants[name], name).toBe(WSA_ERRORS[name]);
      expect(constants['sizeof(WSAQUERYSETW)']).toBe(layoutOf('WSAQUERYSETW', arch).size);
      expect(constants['sizeof(WSAQUERYSETA)']).toBe(layoutOf('WSAQUERYSETA', arch).size);
    }
  });
});
