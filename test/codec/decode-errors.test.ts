import { describe, expect, it } from 'vitest';
import type { Arch } from '../../src/abi/types.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits, decodeQuerySet } from '../../src/codec/index.js';
import { InvalidDataError, MemoryError, UsageError } from '../../src/errors.js';
import { RegionList } from '../../src/memory/region-list.js';
import { offsetOf, sizeOf } from '../helpers/ground-truth.js';
import { ImageBuilder } from '../helpers/image-builder.js';
import { entry, fullSet, nullSet } from '../helpers/samples.js';

/**
 * Strict decoding: the first problem is an error of the right class whose
 * message starts with the field path. Lenient: the same problem is recorded
 * and the rest decodes. Images come from the test builder, then are
 * corrupted at ground-truth offsets.
 */
const BASE = 0x30000;

function build(arch: Arch, qs = fullSet(), charset: 'W' | 'A' = 'W') {
  const b = new ImageBuilder(arch, BASE);
  const at = b.querySet(qs, charset);
  const member = (m: string) => at + offsetOf(arch, `WSAQUERYSET${charset}`, m);
  const decode = (options: { lenient?: boolean; limits?: Partial<DecodeLimits> } = {}, image = b.image()) =>
    decodeQuerySet(RegionList.flat(image, BASE), at, { arch, charset, ...options });
  return { b, at, member, decode };
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

describe.each(['x86', 'x64'] as Arch[])('strict and lenient decoding (%s)', (arch) => {
  it('a dangling pointer is a MemoryError naming path and address; lenient nulls that member only', () => {
    const { b, member, decode } = build(arch);
    b.pointer(member('lpszComment'), 0xdead0000);
    const e = thrown(() => decode());
    expect(e).toBeInstanceOf(MemoryError);
    expect(e.message).toBe('lpszComment: 0xdead0000+2 is not in the captured memory');
    const partial = decode({ lenient: true });
    expect(partial.lpszComment).toBeNull();
    expect(partial.lpszContext).toBe(fullSet().lpszContext);
    expect(partial.lpcsaBuffer).toStrictEqual(fullSet().lpcsaBuffer);
    expect(partial.$unresolved).toEqual([
      { path: 'lpszComment', address: '0xdead0000', reason: '0xdead0000+2 is not in the captured memory' },
    ]);
  });

  it('a huge count is refused before anything is allocated for it', () => {
    const { b, member, decode } = build(arch);
    b.u32(member('dwNumberOfCsAddrs'), 0xffffffff);
    const e = thrown(() => decode());
    expect(e).toBeInstanceOf(InvalidDataError);
    expect(e.message).toMatch(
      new RegExp(
        `^lpcsaBuffer: dwNumberOfCsAddrs = 4294967295 exceeds maxCount \\(${DEFAULT_DECODE_LIMITS.maxCount}\\) for the array at 0x[0-9a-f]+$`,
      ),
    );
    expect(e.message.endsWith(`at 0x${(e as InvalidDataError).address!.toString(16)}`)).toBe(true);
    expect(decode({ lenient: true }).$unresolved).toMatchObject([{ path: 'lpcsaBuffer' }]);
  });

  it('a count within the limit but beyond the captured memory is a MemoryError saying so', () => {
    const { b, member, decode } = build(arch);
    b.u32(member('dwNumberOfCsAddrs'), 60000);
    const e = thrown(() => decode());
    expect(e).toBeInstanceOf(MemoryError);
    const size = sizeOf(arch, 'CSADDR_INFO');
    expect(e.message).toMatch(
      new RegExp(
        `^lpcsaBuffer: 0x[0-9a-f]+\\+${60000 * size} is not in the captured memory \\(dwNumberOfCsAddrs = 60000 × ${size} bytes\\)$`,
      ),
    );
  });

  it('an unterminated string is an error naming where the memory ends', () => {
    const qs = { ...nullSet(), lpszContext: 'abc' };
    const { b, decode } = build(arch, qs);
    const image = b.image();
    // The builder put the string last: drop its terminator.
    const cut = image.subarray(0, image.length - 2);
    const e = thrown(() => decode({}, cut));
    expect(e).toBeInstanceOf(MemoryError);
    expect(e.message).toMatch(
      /^lpszContext: string at 0x[0-9a-f]+ is not terminated: no NUL before the captured memory ends at 0x[0-9a-f]+$/,
    );
  });

  it('a string over maxStringUnits is an InvalidDataError', () => {
    const { decode } = build(arch, { ...nullSet(), lpszQueryString: 'x'.repeat(40) });
    expect(decode({ limits: { maxStringUnits: 40 } }).lpszQueryString).toBe('x'.repeat(40));
    const e = thrown(() => decode({ limits: { maxStringUnits: 39 } }));
    expect(e).toBeInstanceOf(InvalidDataError);
    expect(e.message).toMatch(/^lpszQueryString: string at 0x[0-9a-f]+ is longer than maxStringUnits \(39\)$/);
  });

  it('a negative sockaddr length behind a non-NULL pointer is an InvalidDataError; behind NULL it is kept', () => {
    const qs = {
      ...nullSet(),
      dwNumberOfCsAddrs: 3,
      lpcsaBuffer: [entry('0200', null), entry('0200', null), entry('02000001', null)],
    };
    const { b, decode, at } = build(arch, qs);
    const annotated = decodeQuerySet(RegionList.flat(b.image(), BASE), at, { arch, charset: 'W', annotate: true });
    const third = Number(annotated.$lpcsaBuffer) + 2 * sizeOf(arch, 'CSADDR_INFO');
    b.u32(
      third + offsetOf(arch, 'CSADDR_INFO', 'LocalAddr') + offsetOf(arch, 'SOCKET_ADDRESS', 'iSockaddrLength'),
      -5 >>> 0,
    );
    b.u32(
      third + offsetOf(arch, 'CSADDR_INFO', 'RemoteAddr') + offsetOf(arch, 'SOCKET_ADDRESS', 'iSockaddrLength'),
      -7 >>> 0,
    );
    const e = thrown(() => decode());
    expect(e).toBeInstanceOf(InvalidDataError);
    const sockaddr = (annotated.lpcsaBuffer![2]!.LocalAddr as { $lpSockaddr?: string }).$lpSockaddr;
    expect(e.message).toBe(
      `lpcsaBuffer[2].LocalAddr.lpSockaddr: iSockaddrLength = -5 is negative for the bytes at ${sockaddr}`,
    );
    const partial = decode({ lenient: true });
    expect(partial.lpcsaBuffer![2]).toStrictEqual({
      LocalAddr: { lpSockaddr: null, iSockaddrLength: -5 },
      RemoteAddr: { lpSockaddr: null, iSockaddrLength: -7 },
      iSocketType: 1,
      iProtocol: 6,
    });
    expect(partial.$unresolved).toMatchObject([
      {
        path: 'lpcsaBuffer[2].LocalAddr.lpSockaddr',
        reason: `iSockaddrLength = -5 is negative for the bytes at ${sockaddr}`,
      },
    ]);
  });

  it('sockaddr, blob and total-byte limits', () => {
    const { decode } = build(arch);
    expect(thrown(() => decode({ limits: { maxSockaddrLength: 16 } })).message).toMatch(
      /^lpcsaBuffer\[1\]\.LocalAddr\.lpSockaddr: iSockaddrLength = 28 exceeds maxSockaddrLength \(16\) for the bytes at 0x[0-9a-f]+$/,
    );
    expect(thrown(() => decode({ limits: { maxBlobSize: 4 } })).message).toMatch(
      /^lpBlob\.pBlobData: cbSize = 5 exceeds maxBlobSize \(4\) for the bytes at 0x[0-9a-f]+$/,
    );
    const total = thrown(() => decode({ limits: { maxTotalBytes: 200 } }));
    expect(total).toBeInstanceOf(InvalidDataError);
    expect(total.message).toMatch(/would exceed maxTotalBytes \(200\)$/);
    expect(thrown(() => decode({ limits: { maxCount: -1 } }))).toBeInstanceOf(UsageError);
    expect(thrown(() => decode({ limits: { maxCuont: 1 } as Partial<DecodeLimits> }))).toBeInstanceOf(UsageError);
  });

  it('the struct itself missing is an error in lenient mode too; cut off after its first bytes, lenient decodes what is there', () => {
    const space = RegionList.flat(new Uint8Array(16), BASE);
    const e = thrown(() => decodeQuerySet(space, BASE, { arch, charset: 'A' }));
    expect(e).toBeInstanceOf(MemoryError);
    expect(e.message).toBe(`WSAQUERYSETA: 0x30000+${sizeOf(arch, 'WSAQUERYSETA')} is not in the captured memory`);
    const none = thrown(() => decodeQuerySet(space, BASE - 0x100, { arch, charset: 'A', lenient: true }));
    expect(none).toBeInstanceOf(MemoryError);
    expect(none.message).toBe(`WSAQUERYSETA: 0x2ff00+${sizeOf(arch, 'WSAQUERYSETA')} is not in the captured memory`);
    // 16 bytes of zeros: the captured members decode (dwSize 0, NULL pointers), the rest are null and unresolved (docs/forensics.md).
    const partial = decodeQuerySet(space, BASE, { arch, charset: 'A', lenient: true }) as unknown as {
      dwSize: number;
      dwNameSpace: unknown;
      $unresolved: { path: string }[];
    };
    expect(partial.dwSize).toBe(0);
    expect(partial.dwNameSpace).toBeNull();
    expect(partial.$unresolved.map((u) => u.path)).toContain('lpBlob');
  });

  it('strings that run on across exactly adjacent regions decode; a gap is unmapped', () => {
    const { b, at, decode } = build(arch, { ...nullSet(), lpszComment: 'split across two regions' });
    const image = b.image();
    const whole = decode();
    const split = image.length - 20;
    const adjacent = new RegionList([
      { base: BASE, bytes: image.subarray(0, split) },
      { base: BASE + split, bytes: image.subarray(split) },
    ]);
    expect(decodeQuerySet(adjacent, at, { arch, charset: 'W' })).toStrictEqual(whole);
    const gap = new RegionList([
      { base: BASE, bytes: image.subarray(0, split) },
      { base: BASE + split + 1, bytes: image.subarray(split + 1) },
    ]);
    expect(thrown(() => decodeQuerySet(gap, at, { arch, charset: 'W' })).message).toMatch(
      /^lpszComment: string at 0x[0-9a-f]+ is not terminated/,
    );
  });
});

it('an x64 pointer at or beyond 2^53 is refused, not rounded', () => {
  const { b, member, decode } = build('x64');
  b.u32(member('lpServiceClassId'), 0);
  b.u32(member('lpServiceClassId') + 4, 0x00200000);
  const e = thrown(() => decode());
  expect(e).toBeInstanceOf(InvalidDataError);
  expect(e.message).toBe(
    'lpServiceClassId: pointer 0x20000000000000 is beyond 2^53, which rnrkit cannot address exactly',
  );
  expect(decode({ lenient: true }).$unresolved).toEqual([
    {
      path: 'lpServiceClassId',
      address: '0x20000000000000',
      reason: 'pointer 0x20000000000000 is beyond 2^53, which rnrkit cannot address exactly',
    },
  ]);
});

it('bad options are UsageErrors', () => {
  const space = RegionList.flat(new Uint8Array(256), BASE);
  expect(thrown(() => decodeQuerySet(space, BASE, { arch: 'arm64' as Arch, charset: 'W' }))).toBeInstanceOf(UsageError);
  expect(thrown(() => decodeQuerySet(space, BASE, { arch: 'x64', charset: 'U' as 'W' }))).toBeInstanceOf(UsageError);
  expect(thrown(() => decodeQuerySet(space, -1, { arch: 'x64', charset: 'W' }))).toBeInstanceOf(UsageError);
});

it('lenient decoding of many strings that never end stops at maxTotalBytes instead of scanning on', async () => {
  const { decodeServiceClassInfo } = await import('../../src/codec/index.js');
  const arch: Arch = 'x64';
  const b = new ImageBuilder(arch, 0x100000);
  const count = 20_000;
  const S = 'WSASERVICECLASSINFOW';
  const N = 'WSANSCLASSINFOW';
  const at = b.reserve(sizeOf(arch, S));
  const size = sizeOf(arch, N);
  const entries = b.reserve(count * size);
  // One 64 Ki-unit run of 'A' with no terminator, at the very end of the image.
  const run = b.reserve(2 * 65_536);
  for (let i = 0; i < 65_536; i++) b.u16(run + i * 2, 0x41);
  for (let i = 0; i < count; i++) b.pointer(entries + i * size + offsetOf(arch, N, 'lpszName'), run);
  b.u32(at + offsetOf(arch, S, 'dwCount'), count);
  b.pointer(at + offsetOf(arch, S, 'lpClassInfos'), entries);
  const started = performance.now();
  const r = decodeServiceClassInfo(RegionList.flat(b.image(), 0x100000), at, { arch, charset: 'W', lenient: true });
  expect(performance.now() - started).toBeLessThan(5_000);
  const unresolved = r.$unresolved as { path: string; reason: string }[];
  expect(unresolved).toHaveLength(count);
  expect(unresolved[0]!.reason).toMatch(/is not terminated/);
  expect(unresolved[count - 1]!.reason).toMatch(/would exceed maxTotalBytes/);
});
