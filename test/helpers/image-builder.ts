import type { Arch } from '../../src/abi/types.js';
import type { CsAddrInfoJson, QuerySetJson, SocketAddressJson } from '../../src/codec/canonical.js';
import { offsetOf, sizeOf } from './ground-truth.js';

/**
 * The test suite's one byte builder for memory images, written apart from
 * the code under test: offsets and sizes come from what the mingw-w64
 * compilers reported (ground-truth.ts, fixtures/abi), never from src/abi,
 * so a layout mistake in the schema cannot hide behind the same mistake in
 * a test (as rust-minidump's test dump builder does).
 *
 * Two ways to place things, for two kinds of test:
 * - `reserve` (and `querySet`, `string`, `guid`, `hexBytes`, which use it):
 *   the way a C program with its own allocator might — each item zeroed, at
 *   a 16-byte boundary behind a gap of filler; `querySet` lays a whole query
 *   set out with its pointees in REVERSE member order, unlike encode.
 *   Decoding what it builds must give back the JSON it was given.
 * - `alloc` (and `csaddrArray`, `querySetFixedPart`, `rawEntry`): packed at
 *   the alignment asked for, padding left as filler (which must never
 *   matter), an optional gap before each sockaddr so equal entries sit
 *   behind different pointers.
 */
export interface BuildOptions {
  /** Bytes written into gaps and unwritten padding (default 0xcc). */
  readonly filler?: number;
  /** Extra bytes skipped before each sockaddr `csaddrArray` places (default 0). */
  readonly gap?: number;
}

export class ImageBuilder {
  private bytes: Uint8Array;
  private used = 0;
  readonly pointerSize: 4 | 8;
  /** The lpcsaBuffer of the last `querySetFixedPart`. */
  lastArray = 0;
  private readonly filler: number;
  private readonly gap: number;

  constructor(
    readonly arch: Arch,
    readonly base: number,
    options: BuildOptions = {},
  ) {
    this.pointerSize = arch === 'x86' ? 4 : 8;
    this.filler = options.filler ?? 0xcc;
    this.gap = options.gap ?? 0;
    this.bytes = new Uint8Array(4096).fill(this.filler);
  }

  private room(end: number): void {
    if (end <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(end, this.bytes.length * 2)).fill(this.filler);
    grown.set(this.bytes);
    this.bytes = grown;
  }

  /** `length` bytes at the next multiple of `align` (padding stays filler); their address. */
  alloc(length: number, align = 8): number {
    const at = Math.ceil(this.used / align) * align;
    this.room(at + length);
    this.used = at + length;
    return this.base + at;
  }

  /** `size` zeroed bytes at a 16-byte boundary, after at least 4 bytes of filler; their address. */
  reserve(size: number): number {
    const start = Math.ceil((this.used + 4) / 16) * 16;
    this.room(start + size);
    this.used = start + size;
    this.bytes.fill(0, start, start + size);
    return this.base + start;
  }

  write(address: number, data: Uint8Array): void {
    this.bytes.set(data, address - this.base);
  }

  u8(address: number, value: number): void {
    this.bytes[address - this.base] = value & 0xff;
  }
  u16(address: number, value: number): void {
    this.u8(address, value);
    this.u8(address + 1, value >>> 8);
  }
  u32(address: number, value: number): void {
    this.u16(address, value & 0xffff);
    this.u16(address + 2, (value >>> 16) & 0xffff);
  }

  pointer(address: number, value: number | bigint): void {
    const v = BigInt(value);
    this.u32(address, Number(v & 0xffff_ffffn));
    if (this.pointerSize === 8) this.u32(address + 4, Number(v >> 32n));
  }

  /** The bytes so far. */
  image(): Uint8Array {
    return this.bytes.slice(0, this.used);
  }

  // --- reserve-placed items: a whole query set as a C program might lay it out ---

  /** A NUL-terminated string of code units (W) or bytes (A); its address. */
  string(text: string, charset: 'W' | 'A'): number {
    const width = charset === 'W' ? 2 : 1;
    const at = this.reserve((text.length + 1) * width);
    for (let i = 0; i < text.length; i++) {
      if (width === 2) this.u16(at + i * 2, text.charCodeAt(i));
      else this.u8(at + i, text.charCodeAt(i));
    }
    return at;
  }

  hexBytes(hex: string): number {
    const at = this.reserve(hex.length / 2);
    for (let i = 0; i < hex.length; i += 2) this.u8(at + i / 2, parseInt(hex.slice(i, i + 2), 16));
    return at;
  }

  guid(text: string): number {
    const h = text.replace(/[{}-]/g, '');
    const at = this.reserve(16);
    this.u32(at, parseInt(h.slice(0, 8), 16));
    this.u16(at + 4, parseInt(h.slice(8, 12), 16));
    this.u16(at + 6, parseInt(h.slice(12, 16), 16));
    for (let i = 0; i < 8; i++) this.u8(at + 8 + i, parseInt(h.slice(16 + i * 2, 18 + i * 2), 16));
    return at;
  }

  /** Lay out a whole query set, pointees in reverse member order; returns the struct's address. */
  querySet(qs: QuerySetJson, charset: 'W' | 'A'): number {
    const S = `WSAQUERYSET${charset}`;
    const at = this.reserve(sizeOf(this.arch, S));
    const off = (m: string) => at + offsetOf(this.arch, S, m);
    this.u32(off('dwSize'), qs.dwSize);
    this.u32(off('dwNameSpace'), qs.dwNameSpace);
    this.u32(off('dwNumberOfProtocols'), qs.dwNumberOfProtocols);
    this.u32(off('dwNumberOfCsAddrs'), qs.dwNumberOfCsAddrs);
    this.u32(off('dwOutputFlags'), qs.dwOutputFlags);
    // Reverse member order: the blob first, the instance name last.
    if (qs.lpBlob) {
      const blob = this.reserve(sizeOf(this.arch, 'BLOB'));
      this.u32(blob + offsetOf(this.arch, 'BLOB', 'cbSize'), qs.lpBlob.cbSize);
      if (qs.lpBlob.pBlobData !== null)
        this.pointer(blob + offsetOf(this.arch, 'BLOB', 'pBlobData'), this.hexBytes(qs.lpBlob.pBlobData));
      this.pointer(off('lpBlob'), blob);
    }
    if (qs.lpcsaBuffer) this.pointer(off('lpcsaBuffer'), this.reservedCsAddrs(qs.lpcsaBuffer));
    if (qs.lpszQueryString !== null) this.pointer(off('lpszQueryString'), this.string(qs.lpszQueryString, charset));
    if (qs.lpafpProtocols) {
      const size = sizeOf(this.arch, 'AFPROTOCOLS');
      const arr = this.reserve(size * qs.lpafpProtocols.length);
      qs.lpafpProtocols.forEach((p, i) => {
        this.u32(arr + i * size + offsetOf(this.arch, 'AFPROTOCOLS', 'iAddressFamily'), p.iAddressFamily);
        this.u32(arr + i * size + offsetOf(this.arch, 'AFPROTOCOLS', 'iProtocol'), p.iProtocol);
      });
      this.pointer(off('lpafpProtocols'), arr);
    }
    if (qs.lpszContext !== null) this.pointer(off('lpszContext'), this.string(qs.lpszContext, charset));
    if (qs.lpNSProviderId !== null) this.pointer(off('lpNSProviderId'), this.guid(qs.lpNSProviderId));
    if (qs.lpszComment !== null) this.pointer(off('lpszComment'), this.string(qs.lpszComment, charset));
    if (qs.lpVersion) {
      const v = this.reserve(sizeOf(this.arch, 'WSAVERSION'));
      this.u32(v + offsetOf(this.arch, 'WSAVERSION', 'dwVersion'), qs.lpVersion.dwVersion);
      this.u32(v + offsetOf(this.arch, 'WSAVERSION', 'ecHow'), qs.lpVersion.ecHow);
      this.pointer(off('lpVersion'), v);
    }
    if (qs.lpServiceClassId !== null) this.pointer(off('lpServiceClassId'), this.guid(qs.lpServiceClassId));
    if (qs.lpszServiceInstanceName !== null)
      this.pointer(off('lpszServiceInstanceName'), this.string(qs.lpszServiceInstanceName, charset));
    return at;
  }

  private reservedCsAddrs(list: readonly CsAddrInfoJson[]): number {
    const size = sizeOf(this.arch, 'CSADDR_INFO');
    const arr = this.reserve(size * list.length);
    list.forEach((e, i) => {
      const at = arr + i * size;
      for (const member of ['LocalAddr', 'RemoteAddr'] as const) {
        const sa = e[member];
        const field = at + offsetOf(this.arch, 'CSADDR_INFO', member);
        this.u32(field + offsetOf(this.arch, 'SOCKET_ADDRESS', 'iSockaddrLength'), sa.iSockaddrLength);
        if (sa.lpSockaddr !== null)
          this.pointer(field + offsetOf(this.arch, 'SOCKET_ADDRESS', 'lpSockaddr'), this.hexBytes(sa.lpSockaddr));
      }
      this.u32(at + offsetOf(this.arch, 'CSADDR_INFO', 'iSocketType'), e.iSocketType);
      this.u32(at + offsetOf(this.arch, 'CSADDR_INFO', 'iProtocol'), e.iProtocol);
    });
    return arr;
  }

  // --- alloc-placed items: CSADDR_INFO arrays for the matcher ---

  /** Place the bytes of a canonical SOCKET_ADDRESS; returns the pointer to store (0 for null). */
  private sockaddr(sa: SocketAddressJson): number {
    if (sa.lpSockaddr === null) return 0;
    this.alloc(this.gap, 1);
    const bytes = Uint8Array.from(sa.lpSockaddr.match(/../g) ?? [], (h) => parseInt(h, 16));
    const at = this.alloc(Math.max(bytes.length, 1), 4);
    this.write(at, bytes);
    return at;
  }

  /** A CSADDR_INFO array of canonical entries; returns its address. */
  csaddrArray(entries: readonly CsAddrInfoJson[]): number {
    const array = this.allocArray(entries.length);
    entries.forEach((e, i) => {
      this.rawEntry(
        array,
        i,
        [this.sockaddr(e.LocalAddr), e.LocalAddr.iSockaddrLength],
        [this.sockaddr(e.RemoteAddr), e.RemoteAddr.iSockaddrLength],
        e.iSocketType,
        e.iProtocol,
      );
    });
    return array;
  }

  /** Room for a CSADDR_INFO array of `count` entries, to fill with `rawEntry`. */
  allocArray(count: number): number {
    return this.alloc(sizeOf(this.arch, 'CSADDR_INFO') * count, this.pointerSize);
  }

  /** Write entry i of an array with the pointers given (they may point into other images). */
  rawEntry(
    array: number,
    i: number,
    local: [number, number],
    remote: [number, number],
    iSocketType: number,
    iProtocol: number,
  ): void {
    const at = array + i * sizeOf(this.arch, 'CSADDR_INFO');
    this.pointer(this.pointerField(array, i, 'LocalAddr'), local[0]);
    this.u32(this.lengthField(array, i, 'LocalAddr'), local[1]);
    this.pointer(this.pointerField(array, i, 'RemoteAddr'), remote[0]);
    this.u32(this.lengthField(array, i, 'RemoteAddr'), remote[1]);
    this.u32(at + offsetOf(this.arch, 'CSADDR_INFO', 'iSocketType'), iSocketType);
    this.u32(at + offsetOf(this.arch, 'CSADDR_INFO', 'iProtocol'), iProtocol);
  }

  /** Address of entry i's member pointer field, to corrupt it in tests. */
  pointerField(array: number, i: number, member: 'LocalAddr' | 'RemoteAddr'): number {
    return (
      array +
      i * sizeOf(this.arch, 'CSADDR_INFO') +
      offsetOf(this.arch, 'CSADDR_INFO', member) +
      offsetOf(this.arch, 'SOCKET_ADDRESS', 'lpSockaddr')
    );
  }

  lengthField(array: number, i: number, member: 'LocalAddr' | 'RemoteAddr'): number {
    return (
      array +
      i * sizeOf(this.arch, 'CSADDR_INFO') +
      offsetOf(this.arch, 'CSADDR_INFO', member) +
      offsetOf(this.arch, 'SOCKET_ADDRESS', 'iSockaddrLength')
    );
  }

  /** A WSAQUERYSETW fixed part (zeroed) whose lpcsaBuffer points at a fresh array of `entries`; returns its address. */
  querySetFixedPart(entries: readonly CsAddrInfoJson[] | null): number {
    const size = sizeOf(this.arch, 'WSAQUERYSETW');
    const qs = this.alloc(size, this.pointerSize);
    this.bytes.fill(0, qs - this.base, qs - this.base + size);
    this.u32(qs + offsetOf(this.arch, 'WSAQUERYSETW', 'dwSize'), size);
    const array = entries === null ? 0 : this.csaddrArray(entries);
    this.lastArray = array;
    this.u32(qs + offsetOf(this.arch, 'WSAQUERYSETW', 'dwNumberOfCsAddrs'), entries?.length ?? 0);
    this.pointer(qs + offsetOf(this.arch, 'WSAQUERYSETW', 'lpcsaBuffer'), array);
    return qs;
  }
}
