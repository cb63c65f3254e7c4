import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeQuerySet } from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/region-list.js';
import { runCli } from '../helpers/cli.js';
import { DC, NO_DC_REASON, testContainer } from './directory-backends.js';
import { CLASS_ID, querySet, tcp, tempDir } from './helpers.js';

let temp: ReturnType<typeof tempDir>;
let store: string;
beforeEach(async () => {
  temp = tempDir();
  store = temp.file('registry.db');
  for (const [name, addresses, extra] of [
    ['Printer', [tcp(1), tcp(2)], { lpszComment: 'second floor' }],
    ['Scanner', [tcp(3)], {}],
  ] as const) {
    const file = temp.file(`${name}.json`);
    writeFileSync(file, JSON.stringify(querySet([...addresses], { lpszServiceInstanceName: name, ...extra })));
    expect((await runCli(['service', 'register', file, '--store', store, '--as', 'alice'])).code).toBe(0);
  }
});
afterEach(() => temp.remove());

const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const lookup = (...args: string[]) => runCli(['service', 'lookup', '--class', CLASS_ID, '--store', store, ...args]);

describe('rnrkit service lookup', () => {
  it('prints one canonical query set per result, exit 0', async () => {
    const all = await lookup();
    expect(all.code).toBe(0);
    const results = lines(all.stdout);
    expect(results.map((r) => r.lpszServiceInstanceName)).toEqual(['Printer', 'Scanner']);
    expect(results[0]).toMatchObject({
      dwSize: 120,
      lpszComment: 'second floor',
      dwNumberOfCsAddrs: 2,
      dwNameSpace: 32,
    });
    const named = await lookup('--name', 'scanner', '--flags', 'LUP_RETURN_NAME|LUP_RETURN_ADDR', '--arch', 'x86');
    expect(lines(named.stdout)).toEqual([
      expect.objectContaining({
        dwSize: 60,
        lpszServiceInstanceName: 'Scanner',
        lpszComment: null,
        lpServiceClassId: null,
        dwNumberOfCsAddrs: 1,
      }),
    ]);
    const ansi = await lookup('--name', 'Printer', '--charset', 'A', '--flags', '0x10');
    expect(lines(ansi.stdout)).toEqual([expect.objectContaining({ lpszServiceInstanceName: 'Printer', dwSize: 120 })]);
  });

  it('nothing found is WSASERVICE_NOT_FOUND as JSON, exit 1; a missing store is not created', async () => {
    const none = await lookup('--name', 'Plotter');
    expect(none.code).toBe(1);
    expect(lines(none.stdout)).toEqual([
      expect.objectContaining({ result: -1, error: 'WSASERVICE_NOT_FOUND', code: 10108 }),
    ]);
    const missing = temp.file('nowhere.db');
    const absent = await runCli(['service', 'lookup', '--class', CLASS_ID, '--store', missing]);
    expect([absent.code, lines(absent.stdout)[0]!.error, existsSync(missing)]).toEqual([
      1,
      'WSASERVICE_NOT_FOUND',
      false,
    ]);
  });

  it('--buffer/--at/--out: result K written into the N-byte buffer; too small writes nothing and prints the exact length', async () => {
    const out = temp.file('result.bin');
    const small = await lookup('--buffer', '64', '--at', '0x10000', '--out', out);
    expect(small.code).toBe(1);
    const fault = lines(small.stdout)[0]!;
    expect(fault).toMatchObject({ result: -1, error: 'WSAEFAULT', code: 10014 });
    expect(existsSync(out)).toBe(false);
    const required = fault.lpdwBufferLength as number;
    const exact = await lookup('--buffer', String(required), '--at', '0x10000', '--out', out);
    expect([exact.code, lines(exact.stdout)[0]]).toEqual([
      0,
      { result: 0, at: '0x10000', size: required, used: required },
    ]);
    const bytes = new Uint8Array(readFileSync(out));
    expect(bytes.length).toBe(required);
    const decoded = decodeQuerySet(new RegionList([{ base: 0x10000, bytes }]), 0x10000, { arch: 'x64', charset: 'W' });
    expect(decoded.lpszServiceInstanceName).toBe('Printer');
    const second = await lookup(
      '--buffer',
      '4096',
      '--at',
      '0x20000',
      '--out',
      out,
      '--index',
      '1',
      '--arch',
      'x86',
      '--charset',
      'A',
    );
    expect(second.code).toBe(0);
    const x86 = decodeQuerySet(new RegionList([{ base: 0x20000, bytes: new Uint8Array(readFileSync(out)) }]), 0x20000, {
      arch: 'x86',
      charset: 'A',
    });
    expect([x86.dwSize, x86.lpszServiceInstanceName]).toEqual([60, 'Scanner']);
    const past = await lookup('--buffer', '4096', '--at', '0x20000', '--out', out, '--index', '2');
    expect([past.code, lines(past.stdout)[0]!.error]).toEqual([1, 'WSA_E_NO_MORE']);
  });

  it('usage errors are exit 2 with one line; bad restrictions are WSAEINVAL as JSON', async () => {
    for (const args of [
      ['--flags', 'LUP_BOGUS'],
      ['--buffer', '10'],
      ['--version', 'x'],
      ['--at', 'zz', '--buffer', '1', '--out', 'f'],
      ['--protocol', 'tcp'],
    ]) {
      const r = await lookup(...args);
      expect([r.code, r.stderr.split('\n').length], args.join(' ')).toEqual([2, 2]);
    }
    expect((await runCli(['service', 'lookup', '--store', store])).code).toBe(2);
    const contradictory = await lookup('--flags', 'LUP_CONTAINERS|LUP_NOCONTAINERS');
    expect([contradictory.code, lines(contradictory.stdout)[0]!.error]).toEqual([1, 'WSAEINVAL']);
  });

  it('--store and --directory are two backends; directory options need --directory', async () => {
    const both = await lookup('--directory', 'ldaps://127.0.0.1/DC=x', '--bind', 'alice');
    expect([both.code, both.stderr]).toEqual([2, expect.stringContaining('--store and --directory')]);
    const stray = await lookup('--bind', 'alice');
    expect([stray.code, stray.stderr]).toEqual([2, expect.stringContaining('--bind needs --directory')]);
  });

  it.skipIf(!DC)(
    `--directory: the same lines from Active Directory as from the store${DC ? '' : ` (skipped: ${NO_DC_REASON})`}`,
    async () => {
      const container = await testContainer(DC!);
      try {
        const passwordFile = temp.file('password');
        writeFileSync(passwordFile, DC!.users[0]!.password);
        const ldap = [
          '--directory',
          container.url,
          '--bind',
          DC!.users[0]!.bind,
          '--ca',
          DC!.ca,
          '--password-file',
          passwordFile,
        ];
        for (const name of ['Printer', 'Scanner'])
          expect((await runCli(['service', 'register', temp.file(`${name}.json`), ...ldap])).code).toBe(0);
        const fromStore = await lookup('--flags', 'LUP_RETURN_NAME|LUP_RETURN_ADDR|LUP_RETURN_COMMENT');
        const fromDirectory = await runCli([
          'service',
          'lookup',
          '--class',
          CLASS_ID,
          '--flags',
          'LUP_RETURN_NAME|LUP_RETURN_ADDR|LUP_RETURN_COMMENT',
          ...ldap,
        ]);
        expect(fromDirectory.code).toBe(0);
        const sorted = (text: string) => text.trim().split('\n').sort();
        expect(sorted(fromDirectory.stdout)).toEqual(sorted(fromStore.stdout));
      } finally {
        await container.remove();
      }
    },
    120_000,
  );
});
