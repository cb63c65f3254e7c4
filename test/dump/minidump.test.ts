import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MinidumpFormatError } from '../../src/dump/errors.js';
import { isMinidump, Minidump } from '../../src/dump/minidump.js';
import { openMinidump } from '../../src/dump/open.js';
import type { ByteSource } from '../../src/dump/source.js';
import { MemoryError } from '../../src/errors.js';
import { concat, DumpBuilder, pattern } from './builder.js';

const work = mkdtempSync(join(tmpdir(), 'rnrkit-dump-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function dump(b: DumpBuilder): Minidump {
  return Minidump.fromBytes(b.build());
}

describe('header', () => {
  it('recognises the signature', () => {
    expect(isMinidump(new DumpBuilder().build())).toBe(true);
    expect(isMinidump(new TextEncoder().encode('MZ\x90\x00'))).toBe(false);
    expect(isMinidump(new Uint8Array(3))).toBe(false);
  });

  it('rejects a file shorter than the header, a wrong signature and a wrong format version', () => {
    const good = new DumpBuilder().build();
    expect(() => Minidump.fromBytes(good.subarray(0, 31))).toThrow(MinidumpFormatError);
    const badSig = good.slice();
    badSig[0] = 0x4e;
    expect(() => Minidump.fromBytes(badSig)).toThrow(/MINIDUMP_HEADER\.Signature: signature 0x504d444e is not 'MDMP'/);
    const badVersion = good.slice();
    badVersion[4] = 0x94;
    expect(() => Minidump.fromBytes(badVersion)).toThrow(/MINIDUMP_HEADER\.Version: format version 0xa794/);
  });

  it('accepts any implementation-specific high word of Version and reports it', () => {
    const md = dump(new DumpBuilder().vendorVersion(0x1234));
    expect(md.header.implementationVersion).toBe(0x1234);
    expect(md.header.version).toBe(0x1234a793);
    expect(md.warnings).toEqual([]);
  });
});

describe('SystemInfo', () => {
  it('maps PROCESSOR_ARCHITECTURE_INTEL to x86 and _AMD64 to x64', () => {
    expect(dump(new DumpBuilder().systemInfo(0)).arch).toBe('x86');
    expect(dump(new DumpBuilder().systemInfo(9)).arch).toBe('x64');
    expect(dump(new DumpBuilder().systemInfo(9)).systemInfo?.buildNumber).toBe(19045);
  });

  it('reports other architectures without guessing', () => {
    const arm = dump(new DumpBuilder().systemInfo(12));
    expect(arm.arch).toBeUndefined();
    expect(arm.systemInfo?.processorArchitectureName).toBe('PROCESSOR_ARCHITECTURE_ARM64');
    expect(arm.warnings.join('\n')).toMatch(
      /ProcessorArchitecture 12 \(PROCESSOR_ARCHITECTURE_ARM64\) is neither x86 nor x64/,
    );
    const odd = dump(new DumpBuilder().systemInfo(77));
    expect(odd.arch).toBeUndefined();
    expect(odd.systemInfo?.processorArchitectureName).toBeNull();
  });

  it('has no arch when there is no SystemInfoStream, or it is too short', () => {
    expect(dump(new DumpBuilder()).arch).toBeUndefined();
    const short = dump(new DumpBuilder().raw(7, new Uint8Array(20)));
    expect(short.arch).toBeUndefined();
    expect(short.warnings.join('\n')).toMatch(/SystemInfoStream has 20 bytes/);
  });
});

describe('ModuleList', () => {
  const modules = [
    { base: 0x140000000n, size: 0x5000, name: 'C:\\app\\target.exe' },
    { base: 0x7ffb_0000_0000n, size: 0x1000, name: 'C:\\windows\\system32\\ntdll.dll' },
  ];

  it('reads names (MINIDUMP_STRING, UTF-16) and bases', () => {
    const md = dump(new DumpBuilder().modules(modules));
    expect(md.modules.map((m) => [m.base, m.size, m.name])).toEqual(modules.map((m) => [m.base, m.size, m.name]));
  });

  it('handles the 4 bytes of padding some writers put after the count', () => {
    const md = dump(new DumpBuilder().modules(modules, { padded: true }));
    expect(md.modules.map((m) => m.name)).toEqual(modules.map((m) => m.name));
    expect(md.warnings).toEqual([]);
  });

  it('reads only the entries that fit when NumberOfModules is inflated', () => {
    const md = dump(new DumpBuilder().modules(modules, { count: 0x7fffffff }));
    expect(md.modules).toHaveLength(2);
    expect(md.warnings.join('\n')).toMatch(/NumberOfModules is 2147483647 but the stream holds only 2 entries/);
    expect(md.stats.largestAllocation).toBeLessThanOrEqual(md.fileSize);
  });
});

describe('memory', () => {
  it('unifies MemoryListStream and Memory64ListStream into one sorted index', () => {
    const md = dump(
      new DumpBuilder()
        .memory64List([
          { base: 0x3000, bytes: pattern(0x100, 3) },
          { base: 0x1000, bytes: pattern(0x80, 1) },
        ])
        .memoryList([{ base: 0x2000, bytes: pattern(0x40, 2) }]),
    );
    expect(md.memoryRanges().map((s) => [s.base, s.length, s.origin])).toEqual([
      [0x1000, 0x80, 'Memory64ListStream[1]'],
      [0x2000, 0x40, 'MemoryListStream[0]'],
      [0x3000, 0x100, 'Memory64ListStream[0]'],
    ]);
    expect(md.read(0x2010, 4)).toEqual(pattern(0x40, 2).subarray(0x10, 0x14));
    expect(md.read(0x3000, 0x100)).toEqual(pattern(0x100, 3));
    expect(md.read(0x1000, 0x80)).toEqual(pattern(0x80, 1));
  });

  it('reads across exactly adjacent ranges, from different streams too, and stops at gaps', () => {
    const a = pattern(0x1000, 5);
    const b = pattern(0x800, 9);
    const c = pattern(0x10, 11);
    const md = dump(
      new DumpBuilder().memoryList([{ base: 0x10000, bytes: a }]).memory64List([
        { base: 0x11000, bytes: b },
        { base: 0x11900, bytes: c },
      ]),
    );
    expect(md.read(0x10ff0, 0x20)).toEqual(concat([a.subarray(0xff0), b.subarray(0, 0x10)]));
    expect(md.mappedLength(0x10000, 0x10000)).toBe(0x1800);
    expect(md.ranges()).toEqual([
      { base: 0x10000, length: 0x1800 },
      { base: 0x11900, length: 0x10 },
    ]);
    expect(() => md.read(0x117f0, 0x20)).toThrow(MemoryError);
    expect(() => md.read(0x117f0, 0x20)).toThrow('0x117f0+32 is not in the captured memory');
    expect(() => md.read(0x9000, 1)).toThrow(MemoryError);
    const located = md.locate(0x10ffc, 8);
    expect(located.view.getUint32(located.offset, true)).toBe(new DataView(a.buffer).getUint32(0xffc, true));
  });

  it('resolves overlaps by the first listed descriptor, with a warning naming both', () => {
    const first = new Uint8Array(0x100).fill(0xaa);
    const second = new Uint8Array(0x100).fill(0xbb);
    // The second range starts lower but is listed later: it keeps only what the first does not cover.
    const md = dump(
      new DumpBuilder().memoryList([{ base: 0x5080, bytes: first }]).memory64List([{ base: 0x5000, bytes: second }]),
    );
    expect(md.read(0x5000, 0x80).every((x) => x === 0xbb)).toBe(true);
    expect(md.read(0x5080, 0x100).every((x) => x === 0xaa)).toBe(true);
    expect(md.ranges()).toEqual([{ base: 0x5000, length: 0x180 }]);
    expect(md.warnings).toHaveLength(1);
    expect(md.warnings[0]).toBe(
      'memory ranges overlap: MemoryListStream[0] 0x5080+256 and Memory64ListStream[0] 0x5000+256; the shared bytes are read from MemoryListStream[0] (the first listed wins)',
    );
  });

  it('resolves a range nested inside another and many overlaps without quadratic work', () => {
    const outer = new Uint8Array(0x1000).fill(1);
    const inner = new Uint8Array(0x10).fill(2);
    const md = dump(
      new DumpBuilder().memoryList([
        { base: 0x8000, bytes: inner },
        { base: 0x7800, bytes: outer },
      ]),
    );
    expect(md.read(0x7ff8, 0x20)).toEqual(
      concat([new Uint8Array(8).fill(1), new Uint8Array(16).fill(2), new Uint8Array(8).fill(1)]),
    );
    expect(md.memoryRanges().map((s) => s.origin)).toEqual([
      'MemoryListStream[1]',
      'MemoryListStream[0]',
      'MemoryListStream[1]',
    ]);

    const many = Array.from({ length: 20000 }, (_, i) => ({
      base: 0x100000 + i * 8,
      bytes: new Uint8Array(64).fill(i & 0xff),
    }));
    const started = performance.now();
    const big = dump(new DumpBuilder().memoryList(many));
    expect(performance.now() - started).toBeLessThan(5000);
    // Range 93 (0x1002e8+64) is listed before range 100 and covers its first byte.
    expect(big.read(0x100000 + 100 * 8, 1)[0]).toBe(93);
    expect(big.read(0x100000 + 19999 * 8 + 63, 1)[0]).toBe(19999 & 0xff);
    expect(big.warnings.at(-1)).toMatch(/only the first 20 overlapping pairs/);
  });

  it('ignores unknown streams (Wine 0xfff0), unused entries, and ThreadListStream stack RVAs of 0', () => {
    const thread = new Uint8Array(4 + 48);
    new DataView(thread.buffer).setUint32(0, 1, true);
    new DataView(thread.buffer).setBigUint64(4 + 16, 0x22000n, true); // Stack.StartOfMemoryRange, DataSize 0x350, Rva 0
    new DataView(thread.buffer).setUint32(4 + 24, 0x350, true);
    const md = dump(
      new DumpBuilder()
        .systemInfo(9)
        .raw(3, thread)
        .raw(0xfff0, pattern(868))
        .memory64List([{ base: 0x22000, bytes: pattern(0x1000) }])
        .raw(0, new Uint8Array(0)),
    );
    expect(md.streams.map((s) => s.typeName)).toEqual([
      'SystemInfoStream',
      'ThreadListStream',
      '0xfff0',
      'Memory64ListStream',
      'UnusedStream',
    ]);
    expect(md.warnings).toEqual([]);
    expect(md.read(0x22000, 4)).toEqual(pattern(4));
  });

  it('skips ranges at or beyond 2^53 and clips ranges reaching past it', () => {
    const md = dump(
      new DumpBuilder().memory64List([
        { base: 0xffff_f800_0000_0000n, bytes: pattern(16) },
        { base: 2 ** 53 - 8, bytes: pattern(16, 7) },
      ]),
    );
    expect(md.ranges()).toEqual([{ base: 2 ** 53 - 8, length: 8 }]);
    expect(md.read(2 ** 53 - 8, 8)).toEqual(pattern(8, 7));
    expect(md.warnings.join('\n')).toMatch(/range at 0xfffff80000000000 lies beyond 2\^53/);
    expect(md.warnings.join('\n')).toMatch(/reaches beyond 2\^53: clipped to 8 bytes/);
  });
});

describe('inflated counts', () => {
  it('checks every count against its stream before allocating', () => {
    const base = new DumpBuilder().memoryList([{ base: 0x1000, bytes: pattern(32) }], { count: 0xffffffff }).build();
    const md = Minidump.fromBytes(base);
    expect(md.ranges()).toEqual([{ base: 0x1000, length: 32 }]);
    expect(md.warnings.join('\n')).toMatch(/NumberOfMemoryRanges is 4294967295 but the stream holds only 1 entries/);
    expect(md.stats.largestAllocation).toBeLessThanOrEqual(base.length);

    const m64 = Minidump.fromBytes(
      new DumpBuilder().memory64List([{ base: 0x1000, bytes: pattern(32) }], { count: 2n ** 63n }).build(),
    );
    expect(m64.ranges()).toEqual([{ base: 0x1000, length: 32 }]);
    expect(m64.warnings.join('\n')).toMatch(
      /MINIDUMP_MEMORY64_LIST\.NumberOfMemoryRanges is 9223372036854776000 but the stream holds only 1/,
    );

    const streams = Minidump.fromBytes(new DumpBuilder().systemInfo(9).streamCount(0xffffffff).build());
    expect(streams.arch).toBe('x64');
    expect(streams.warnings[0]).toMatch(/NumberOfStreams is 4294967295 but only \d+ directory entries fit/);
  });

  it('treats a DataSize larger than the file as truncation, not as an allocation size', () => {
    const bytes = new DumpBuilder()
      .memory64List([{ base: 0x1000, bytes: pattern(64), declaredSize: 2n ** 40n }])
      .build();
    const md = Minidump.fromBytes(bytes);
    expect(md.mappedLength(0x1000, 2 ** 41)).toBe(64);
    expect(() => md.read(0x1000, 128)).toThrow(/the dump file ends before the bytes at 0x1040/);
    expect(md.stats.largestAllocation).toBeLessThanOrEqual(bytes.length);
  });
});

describe('truncated files', () => {
  const a = pattern(0x2000, 1);
  const b = pattern(0x2000, 2);
  const whole = new DumpBuilder()
    .systemInfo(9)
    .memory64List([
      { base: 0x40000, bytes: a },
      { base: 0x42000, bytes: b },
    ])
    .build();

  it('marks the ranges the end of the file cuts and keeps the rest readable', () => {
    const cut = whole.subarray(0, whole.length - 0x1800); // b keeps its first 0x800 bytes
    const md = Minidump.fromBytes(cut);
    expect(md.arch).toBe('x64');
    expect(md.read(0x40000, 0x2000)).toEqual(a);
    expect(md.read(0x42000, 0x800)).toEqual(b.subarray(0, 0x800));
    expect(md.mappedLength(0x40000, 0x4000)).toBe(0x2800);
    expect(md.memoryRanges().map((s) => [s.base, s.length, s.cut])).toEqual([
      [0x40000, 0x2000, false],
      [0x42000, 0x800, false],
      [0x42800, 0x1800, true],
    ]);
    const error = (() => {
      try {
        md.read(0x427f0, 0x20);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MemoryError);
    expect((error as MemoryError).address).toBe(0x427f0n);
    expect((error as MemoryError).message).toBe(
      '0x427f0+32 is not in the captured memory: the dump file ends before the bytes at 0x42800 (Memory64ListStream[1] is truncated)',
    );
    expect(() => md.read(0x43000, 4)).toThrow(/ends before the bytes at 0x43000/);
    expect(md.warnings.join('\n')).toMatch(/Memory64ListStream\[1\]: 0x42000\+8192 is cut at 0x42800/);
  });

  it('survives a cut anywhere: in the directory, in a stream, in the data', () => {
    for (let length = 32; length <= whole.length; length += 7) {
      const md = Minidump.fromBytes(whole.subarray(0, length));
      for (const r of md.ranges()) expect(md.read(r.base, r.length)).toHaveLength(r.length);
      expect(md.stats.largestAllocation).toBeLessThanOrEqual(Math.max(length, 0));
    }
  });
});

describe('64-bit file offsets', () => {
  const FOUR_GIB = 2 ** 32;

  it('reads a range whose data lies past 4 GiB in a (sparse) file', () => {
    const data = pattern(0x3000, 17);
    const { head, extents } = new DumpBuilder()
      .systemInfo(9)
      .memoryList([{ base: 0x10000, bytes: pattern(0x100, 3) }])
      .memory64List(
        [
          { base: 0x7ff6_1234_0000, bytes: data.subarray(0, 0x1000) },
          { base: 0x7ff6_1234_1000, bytes: data.subarray(0x1000) },
        ],
        { baseRva: FOUR_GIB + 0x123 },
      )
      .buildSparse();
    const file = join(work, 'past-4gib.dmp');
    const fd = openSync(file, 'w');
    try {
      ftruncateSync(fd, FOUR_GIB + 0x10000); // sparse: costs no disk
      writeSync(fd, head, 0, head.length, 0);
      for (const e of extents) writeSync(fd, e.bytes, 0, e.bytes.length, e.offset);
    } finally {
      closeSync(fd);
    }
    expect(statSync(file).size).toBeGreaterThan(FOUR_GIB);
    const md = openMinidump(file);
    try {
      expect(md.memoryRanges().find((s) => s.base === 0x7ff6_1234_0000)?.fileOffset).toBe(FOUR_GIB + 0x123);
      expect(md.read(0x7ff6_1234_0000, 0x3000)).toEqual(data);
      expect(md.read(0x7ff6_1234_0ffe, 4)).toEqual(data.subarray(0xffe, 0x1002));
      expect(md.read(0x7ff6_1234_2abc, 16)).toEqual(data.subarray(0x2abc, 0x2acc));
      expect(md.read(0x10000, 0x100)).toEqual(pattern(0x100, 3));
    } finally {
      md.close();
      rmSync(file);
    }
  });

  it('reads at 64-bit positions through any ByteSource (a positional-read stub of a 6 GiB file)', () => {
    const data = pattern(0x2000, 23);
    const at = 5 * FOUR_GIB + 0x777;
    const { head, extents } = new DumpBuilder()
      .systemInfo(0)
      .memory64List([{ base: 0x00400000, bytes: data }], { baseRva: at })
      .buildSparse();
    const positions: number[] = [];
    const stub: ByteSource = {
      size: 6 * FOUR_GIB,
      readInto(target, position) {
        positions.push(position);
        target.fill(0);
        for (const part of [{ offset: 0, bytes: head }, ...extents]) {
          const from = Math.max(position, part.offset);
          const to = Math.min(position + target.length, part.offset + part.bytes.length);
          if (from < to) target.set(part.bytes.subarray(from - part.offset, to - part.offset), from - position);
        }
        return Math.max(0, Math.min(target.length, this.size - position));
      },
      close() {},
    };
    const md = new Minidump(stub, 'stub');
    expect(md.arch).toBe('x86');
    expect(md.read(0x00400000, 0x2000)).toEqual(data);
    expect(md.read(0x00401230, 3)).toEqual(data.subarray(0x1230, 0x1233));
    expect(positions.some((p) => p >= 5 * FOUR_GIB)).toBe(true);
    // Nothing near the file's size was ever allocated.
    expect(md.stats.largestAllocation).toBeLessThanOrEqual(64 * 1024);
  });
});
