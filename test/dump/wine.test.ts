import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeQuerySet } from '../../src/codec/index.js';
import { Minidump } from '../../src/dump/minidump.js';
import { scanQuerySets } from '../../src/dump/scan.js';
import { AddressLocator } from '../../src/dump/where-is.js';
import { parseAddress } from '../../src/memory/address-space.js';

/**
 * The committed Wine minidumps were written by dbghelp's MiniDumpWriteDump
 * under Wine (scripts/fixtures-dumps.ts): an x64 and a 32-bit x86 process
 * with full memory (Memory64ListStream), and the x86 one with MiniDumpNormal
 * (MemoryListStream, stacks only). Each sidecar holds what target.c built,
 * printed by target.c itself, and the exception it raised. Nothing expected
 * here comes from rnrkit.
 */
interface Sidecar {
  arch: 'x86' | 'x64';
  sets: { name: string; at: string; charset: 'W' | 'A'; blocks: [string, number][]; expected: unknown }[];
  decoys: { at: string }[];
  exception: { threadId: number; code: string; address: string };
}

const DUMPS = [
  { name: 'wine-x64-sets', arch: 'x64', memoryStream: 'Memory64ListStream', full: true },
  { name: 'wine-x86-sets', arch: 'x86', memoryStream: 'Memory64ListStream', full: true },
  { name: 'wine-x86-stack', arch: 'x86', memoryStream: 'MemoryListStream', full: false },
] as const;

const opened: Minidump[] = [];
afterAll(() => {
  for (const md of opened) md.close();
});

describe.each(DUMPS)('the committed Wine minidump $name', ({ name, arch, memoryStream, full }) => {
  const md = Minidump.fromBytes(
    gunzipSync(readFileSync(new URL(`../../fixtures/dumps/${name}.dmp.gz`, import.meta.url))),
    name,
  );
  opened.push(md);
  const sidecar = JSON.parse(
    readFileSync(new URL(`../../fixtures/dumps/${name}.json`, import.meta.url), 'utf8'),
  ) as Sidecar;
  const inDump = sidecar.sets.filter((s) =>
    s.blocks.every(([at, size]) => md.mappedLength(parseAddress(at), size) === size),
  );

  it(`reads the way Wine writes: ${arch}, stream 0xfff0, ${memoryStream}, no MemoryInfoList, stack RVAs 0 in full dumps`, () => {
    expect(md.arch).toBe(arch);
    expect(sidecar.arch).toBe(arch);
    expect(md.warnings).toEqual([]);
    const types = md.streams.map((s) => s.typeName);
    expect(types).toEqual(
      expect.arrayContaining([
        '0xfff0',
        memoryStream,
        'ThreadListStream',
        'ModuleListStream',
        'SystemInfoStream',
        'MiscInfoStream',
        'ExceptionStream',
      ]),
    );
    expect(types).not.toContain('MemoryInfoListStream');
    expect(md.modules.map((m) => m.name)).toContain(`C:\\rnrkit\\target-${arch}.exe`);
    expect(md.systemInfo?.platform).toBe('Windows');
    if (full) {
      expect(md.threads.every((t) => t.stack.rva === 0)).toBe(true);
      const segments = md.memoryRanges();
      const adjacent = segments.filter(
        (s, i) => i > 0 && segments[i - 1]!.base + segments[i - 1]!.length === s.base,
      ).length;
      expect(adjacent).toBeGreaterThan(segments.length / 2);
    } else {
      // Stacks only: the heap sets are not in it, the one on the stack is.
      expect(inDump.map((s) => s.name)).toEqual(['w-stack']);
      expect(md.threads.every((t) => t.stack.rva !== 0)).toBe(true);
    }
  });

  it('holds the exception the target raised, on the thread that raised it, at an address in a module', () => {
    expect(md.exception).toMatchObject({
      threadId: sidecar.exception.threadId,
      code: Number(sidecar.exception.code),
      address: BigInt(sidecar.exception.address),
    });
    expect(md.threads.map((t) => t.threadId)).toContain(sidecar.exception.threadId);
    // RaiseException's arguments: the first two sets' addresses.
    expect(md.exception!.parameters.map(Number)).toEqual(sidecar.sets.slice(0, 2).map((s) => parseAddress(s.at)));
    expect(new AddressLocator(md).label(Number(md.exception!.address))).toMatch(/^\w+\.dll\+0x[0-9a-f]+/);
  });

  it('decodes every captured set by address to what the target built', () => {
    for (const set of inDump)
      expect(decodeQuerySet(md, parseAddress(set.at), { arch, charset: set.charset }), set.name).toEqual(set.expected);
  });

  it('scans: every captured set is found with its charset, and planted sets outrank everything else', () => {
    const candidates = scanQuerySets(md);
    const planted = new Set(inDump.map((s) => parseAddress(s.at)));
    for (const set of inDump) {
      const found = candidates.find((c) => c.at === parseAddress(set.at));
      expect(found, set.name).toBeDefined();
      expect([found!.arch, found!.charset], set.name).toEqual([arch, set.charset]);
    }
    expect(planted.has(candidates[0]!.at)).toBe(true);
    const lowestPlanted = Math.min(...candidates.filter((c) => planted.has(c.at)).map((c) => c.score));
    for (const other of candidates.filter((c) => !planted.has(c.at))) expect(other.score).toBeLessThan(lowestPlanted);
    for (const decoy of sidecar.decoys) expect(candidates.some((c) => c.at === Number(decoy.at))).toBe(false);
  });

  it('says where each set lives: the process heap (from the PEB), or the stack of the thread that built it', () => {
    const where = new AddressLocator(md);
    for (const set of inDump) {
      const w = where.where(parseAddress(set.at));
      if (set.name === 'w-stack')
        expect(w.thread, set.name).toEqual({ threadId: sidecar.exception.threadId, part: 'stack' });
      else expect(w.label, set.name).toMatch(/^heap 0x[0-9a-f]+$/);
    }
    if (full) {
      const exe = md.modules.find((m) => m.name === `C:\\rnrkit\\target-${arch}.exe`)!;
      expect(where.label(Number(exe.base) + 0x1000)).toBe(`target-${arch}.exe+0x1000 (.text)`);
      expect(where.label(Number(exe.base) + 0x10)).toBe(`target-${arch}.exe+0x10 (headers)`);
    }
  });
});
