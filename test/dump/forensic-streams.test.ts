import { describe, expect, it } from 'vitest';
import { Minidump } from '../../src/dump/minidump.js';
import { AddressLocator } from '../../src/dump/where-is.js';
import { DumpBuilder, type MemoryInfoSpec, pattern, type ThreadSpec } from './builder.js';

/**
 * The streams no dump committed here has in every variant, built byte by
 * byte (builder.ts imports nothing from src/dump), plus the lies a hostile
 * file can tell in them.
 */
const dump = (b: DumpBuilder) => Minidump.fromBytes(b.build());

const MEM_COMMIT = 0x1000;
const MEM_RESERVE = 0x2000;
const MEM_PRIVATE = 0x20000;
const MEM_IMAGE = 0x1000000;
const PAGE_READWRITE = 0x04;
const PAGE_EXECUTE_READ = 0x20;
const PAGE_GUARD = 0x100;

const threads: ThreadSpec[] = [
  { id: 3060, teb: 0x7ffdf000, stack: { base: 0x12f000, bytes: pattern(0x1000) }, name: 'main' },
  { id: 4544, teb: 0x7ffde000, stack: { base: 0x97f000, bytes: pattern(0x800, 7) } },
];

describe('threads', () => {
  it('reads ThreadListStream with ThreadNamesStream names', () => {
    const md = dump(
      new DumpBuilder()
        .systemInfo(0)
        .threadList(threads)
        .threadNames(threads.slice(0, 1))
        .memoryList(threads.map((t) => t.stack)),
    );
    expect(md.warnings).toEqual([]);
    expect(md.threads.map((t) => [t.threadId, t.teb, t.stack.base, t.stack.length, t.name])).toEqual([
      [3060, 0x7ffdf000, 0x12f000, 0x1000, 'main'],
      [4544, 0x7ffde000, 0x97f000, 0x800, undefined],
    ]);
  });

  it('a count larger than the stream reads what is there, with a warning', () => {
    const md = dump(new DumpBuilder().threadList(threads, { count: 1_000_000 }));
    expect(md.threads).toHaveLength(2);
    expect(md.warnings.join('\n')).toMatch(
      /ThreadListStream: NumberOfThreads is 1000000 but the stream holds only 2 entries/,
    );
  });

  it('a thread name RVA past the end of the file is a warning, not a read', () => {
    const md = dump(new DumpBuilder().threadList(threads).threadNames(threads, { nameRva: 0xffff_ffff_0000n }));
    expect(md.threads.every((t) => t.name === undefined)).toBe(true);
    expect(md.warnings.join('\n')).toMatch(
      /MINIDUMP_THREAD_NAME\[0\]\.RvaOfThreadName: 0xffffffff0000 lies past the end of the file/,
    );
  });
});

describe('exception', () => {
  it('reads code, address, thread and parameters, and names the code', () => {
    const md = dump(new DumpBuilder().exception(3060, 0xc0000005, 0x40429en, [1n, 0x45n]));
    expect(md.exception).toMatchObject({
      threadId: 3060,
      code: 0xc0000005,
      codeName: 'EXCEPTION_ACCESS_VIOLATION',
      address: 0x40429en,
      parameters: [1n, 0x45n],
    });
  });

  it('an address above 2^53 stays exact', () => {
    const md = dump(new DumpBuilder().exception(1, 0x80000003, 0xffff_f800_1234_5678n));
    expect(md.exception?.address).toBe(0xffff_f800_1234_5678n);
  });

  it('a stream shorter than MINIDUMP_EXCEPTION_STREAM is ignored with a warning', () => {
    const md = dump(new DumpBuilder().raw(6, new Uint8Array(100)));
    expect(md.exception).toBeUndefined();
    expect(md.warnings.join('\n')).toMatch(/ExceptionStream has 100 bytes, fewer than MINIDUMP_EXCEPTION_STREAM's 168/);
  });
});

describe('memory info', () => {
  const regions: MemoryInfoSpec[] = [
    { base: 0x10000, size: 0x10000, state: MEM_COMMIT, protect: PAGE_READWRITE, type: MEM_PRIVATE },
    {
      base: 0x12e000,
      size: 0x1000,
      allocationBase: 0x30000,
      state: MEM_COMMIT,
      protect: PAGE_READWRITE | PAGE_GUARD,
      type: MEM_PRIVATE,
    },
    {
      base: 0x12f000,
      size: 0x1000,
      allocationBase: 0x30000,
      state: MEM_COMMIT,
      protect: PAGE_READWRITE,
      type: MEM_PRIVATE,
    },
    { base: 0x400000, size: 0x1000, state: MEM_COMMIT, protect: PAGE_EXECUTE_READ, type: MEM_IMAGE },
    { base: 0x500000, size: 0x100000, state: MEM_RESERVE, protect: 0, type: MEM_PRIVATE },
  ];

  it('reads the regions, sorted, and labels addresses with protection and type', () => {
    const md = dump(
      new DumpBuilder()
        .systemInfo(0)
        .memoryInfoList([...regions].reverse())
        .threadList(threads.slice(0, 1))
        .threadNames(threads.slice(0, 1))
        .memoryList([threads[0]!.stack])
        .modules([{ base: 0x400000n, size: 0x1000, name: 'C:\\app\\app.exe' }]),
    );
    expect(md.warnings).toEqual([]);
    expect(md.memoryInfo.map((r) => r.base)).toEqual(regions.map((r) => Number(r.base)));
    const where = new AddressLocator(md);
    expect(where.label(0x10010)).toBe('private memory (RW)');
    expect(where.where(0x10010).region).toMatchObject({
      state: 'MEM_COMMIT',
      protect: 'PAGE_READWRITE',
      type: 'MEM_PRIVATE',
    });
    // The guard page below the captured stack belongs to the same allocation: still that thread's stack.
    expect(where.label(0x12e010)).toBe('stack of thread 3060 "main"');
    expect(where.where(0x12e010).region?.protect).toBe('PAGE_READWRITE|PAGE_GUARD');
    expect(where.label(0x400010)).toBe('app.exe+0x10');
    expect(where.label(0x500010)).toBe('reserved memory (private)');
    expect(where.label(0x7fff0000)).toBe('not in the dump');
  });

  it('honours a longer SizeOfEntry, and rejects one shorter than an entry', () => {
    expect(dump(new DumpBuilder().memoryInfoList(regions, { sizeOfEntry: 64 })).memoryInfo).toHaveLength(
      regions.length,
    );
    const short = dump(new DumpBuilder().memoryInfoList(regions, { sizeOfEntry: 40 }));
    expect(short.memoryInfo).toEqual([]);
    expect(short.warnings.join('\n')).toMatch(
      /MemoryInfoListStream: SizeOfEntry 40 is smaller than the 48 bytes of an entry/,
    );
  });

  it('a 64-bit count of 2^40 entries reads what the stream holds', () => {
    const md = dump(new DumpBuilder().memoryInfoList(regions, { count: 1n << 40n }));
    expect(md.memoryInfo).toHaveLength(regions.length);
    expect(md.warnings.join('\n')).toMatch(/the count is 1099511627776 but the stream holds only 5 entries/);
  });
});

describe('modules: CodeView identity and version', () => {
  const guidBytes = Uint8Array.from([
    0xe5, 0x32, 0x98, 0x5a, 0x72, 0x28, 0xc1, 0x41, 0x83, 0x8e, 0xd9, 0x89, 0x14, 0xe9, 0xb7, 0xff,
  ]);

  it('reads RSDS (GUID, age, PDB) and VS_FIXEDFILEINFO', () => {
    const md = dump(
      new DumpBuilder().modules([
        {
          base: 0x400000n,
          size: 0x2d000,
          name: 'c:\\test_app.exe',
          pdb70: { guidBytes, age: 1, pdb: 'c:\\test_app.pdb' },
          fileVersion: [5, 1, 2600, 2180],
        },
      ]),
    );
    expect(md.warnings).toEqual([]);
    expect(md.modules[0]!.codeView).toEqual({
      format: 'RSDS',
      guid: '{5A9832E5-2872-41C1-838E-D98914E9B7FF}',
      age: 1,
      pdbFileName: 'c:\\test_app.pdb',
      debugId: '5A9832E5287241C1838ED98914E9B7FF1',
    });
    expect(md.modules[0]!.version).toMatchObject({ fileVersion: '5.1.2600.2180' });
  });

  it('a CodeView record past the end of the file, or of absurd size, is a warning', () => {
    const md = dump(
      new DumpBuilder().modules([
        { base: 0x400000n, size: 0x1000, name: 'a.dll', cvRecord: { size: 40, rva: 0x7fff_fff0 } },
        { base: 0x500000n, size: 0x1000, name: 'b.dll', cvRecord: { size: 0x7fff_ffff, rva: 64 } },
      ]),
    );
    expect(md.modules.map((m) => m.codeView)).toEqual([null, null]);
    expect(md.warnings.join('\n')).toMatch(
      /MINIDUMP_MODULE\[0\]\.CvRecord: the CodeView record at 0x7ffffff0\+40 lies past the end of the file/,
    );
    expect(md.warnings.join('\n')).toMatch(/MINIDUMP_MODULE\[1\]\.CvRecord: a CodeView record of 2147483647 bytes/);
  });
});

describe('handles', () => {
  it('reads type and object names (a socket is a File on \\Device\\Afd)', () => {
    const md = dump(
      new DumpBuilder().handleData([
        { handle: 0x4c, type: 'File', name: '\\Device\\Afd' },
        { handle: 0x50, type: 'Event', name: '' },
      ]),
    );
    expect(md.handles.map((h) => [h.handle, h.typeName, h.objectName])).toEqual([
      [0x4c, 'File', '\\Device\\Afd'],
      [0x50, 'Event', ''],
    ]);
  });

  it('a name RVA outside the file and an inflated count are warnings', () => {
    const md = dump(
      new DumpBuilder().handleData([{ handle: 4, type: 'File', name: 'x' }], { count: 99, nameRva: 0x7fff_0000 }),
    );
    expect(md.handles).toHaveLength(1);
    expect(md.handles[0]!.objectName).toBeNull();
    expect(md.warnings.join('\n')).toMatch(/HandleDataStream: the count is 99 but the stream holds only 1 entries/);
    expect(md.warnings.join('\n')).toMatch(
      /MINIDUMP_HANDLE_DESCRIPTOR\[0\]\.ObjectNameRva: MINIDUMP_STRING at 0x7fff0000 lies past the end of the file/,
    );
  });
});

describe('stream names', () => {
  it('names Breakpad, Crashpad and Mozilla stream ids, and still prints unknown ones as numbers', () => {
    const md = dump(
      new DumpBuilder()
        .raw(0x47670009, pattern(8))
        .raw(0x43500001, pattern(8))
        .raw(0x4d7a0003, pattern(8))
        .raw(0xfff0, pattern(8)),
    );
    expect(md.streams.map((s) => s.typeName)).toEqual(['LinuxMaps', 'CrashpadInfoStream', 'MozLinuxLimits', '0xfff0']);
  });
});
