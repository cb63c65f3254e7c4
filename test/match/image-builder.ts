import { readFileSync } from 'node:fs';
import type { CsAddrInfoJson, SocketAddressJson } from '../../src/codec/canonical.js';

/**
 * A tiny byte builder for memory images holding CSADDR_INFO arrays and
 * WSAQUERYSETW fixed parts, for the match tests. Like rust-minidump's test
 * dump builder it does not use the layouts under test: offsets come from
 * what the mingw-w64 compilers reported (fixtures/abi/*.json).
 */
type Arch = 'x86' | 'x64';

interface Probed {
  structs: Record<string, { size: number; members: Record<string, { offset: number }> }>;
}

const probed: Record<Arch, Probed> = {
  x86: JSON.parse(readFileSync(new URL('../../fixtures/abi/x86.json', import.meta.url), 'utf8')) as Probed,
  x64: JSON.parse(readFileSync(new URL('../../fixtures/abi/x64.json', import.meta.url), 'utf8')) as Probed,
};

function offset(arch: Arch, struct: string, member: string): number {
  const m = probed[arch].structs[struct]?.members[member];
  if (!m) throw new Error(`no ${struct}.${member} in fixtures/abi/${arch}.json`);
  return m.offset;
}

function sizeOf(arch: Arch, struct: string): number {
  return probed[arch].structs[struct]!.size;
}

export interface BuildOptions {
  /** Bytes written into gaps and struct padding (default 0xcc: padding must never matter). */
  readonly filler?: number;
  /** Extra bytes skipped before each sockaddr, so equal entries sit behind different pointers. */
  readonly gap?: number;
}

export class ImageBuilder {
  private bytes = new Uint8Array(4096);
  private used = 0;
  readonly pointerSize: number;
  /** The lpcsaBuffer of the last `querySet`. */
  lastArray = 0;
  private readonly filler: number;
  private readonly gap: number;

  constructor(readonly arch: Arch, readonly base: number, options: BuildOptions = {}) {
    this.pointerSize = arch === 'x86' ? 4 : 8;
    this.filler = options.filler ?? 0xcc;
    this.gap = options.gap ?? 0;
    this.bytes.fill(this.filler);
  }

  /** Reserve `length` bytes aligned to `align`; returns the address. */
  alloc(length: number, align = 8): number {
    const at = Math.ceil(this.used / align) * align;
    while (at + length > this.bytes.length) {
      const next = new Uint8Array(this.bytes.length * 2).fill(this.filler);
      next.set(this.bytes);
      this.bytes = next;
    }
    this.used = at + length;
    return this.base + at;
  }

  write(address: number, data: Uint8Array): void {
    this.bytes.set(data, address - this.base);
  }

  u32(address: number, value: number): void {
    new DataView(this.bytes.buffer).setUint32(address - this.base, value >>> 0, true);
  }

  pointer(address: number, value: number | bigint): void {
    const view = new DataView(this.bytes.buffer);
    if (this.pointerSize === 4) view.setUint32(address - this.base, Number(value), true);
    else view.setBigUint64(address - this.base, BigInt(value), true);
  }

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
    const size = sizeOf(this.arch, 'CSADDR_INFO');
    const array = this.alloc(size * entries.length, this.pointerSize);
    entries.forEach((e, i) => {
      const at = array + i * size;
      for (const member of ['LocalAddr', 'RemoteAddr'] as const) {
        const sa = at + offset(this.arch, 'CSADDR_INFO', member);
        this.pointer(sa + offset(this.arch, 'SOCKET_ADDRESS', 'lpSockaddr'), this.sockaddr(e[member]));
        this.u32(sa + offset(this.arch, 'SOCKET_ADDRESS', 'iSockaddrLength'), e[member].iSockaddrLength);
      }
      this.u32(at + offset(this.arch, 'CSADDR_INFO', 'iSocketType'), e.iSocketType);
      this.u32(at + offset(this.arch, 'CSADDR_INFO', 'iProtocol'), e.iProtocol);
    });
    return array;
  }

  /** Room for a CSADDR_INFO array of `count` entries, to fill with `rawEntry`. */
  allocArray(count: number): number {
    return this.alloc(sizeOf(this.arch, 'CSADDR_INFO') * count, this.pointerSize);
  }

  /** Write entry i of an array with the pointers given (they may point into other images). */
  rawEntry(array: number, i: number, local: [number, number], remote: [number, number], iSocketType: number, iProtocol: number): void {
    const at = array + i * sizeOf(this.arch, 'CSADDR_INFO');
    this.pointer(this.pointerField(array, i, 'LocalAddr'), local[0]);
    this.u32(this.lengthField(array, i, 'LocalAddr'), local[1]);
    this.pointer(this.pointerField(array, i, 'RemoteAddr'), remote[0]);
    this.u32(this.lengthField(array, i, 'RemoteAddr'), remote[1]);
    this.u32(at + offset(this.arch, 'CSADDR_INFO', 'iSocketType'), iSocketType);
    this.u32(at + offset(this.arch, 'CSADDR_INFO', 'iProtocol'), iProtocol);
  }

  /** Address of entry i's member pointer field, to corrupt it in tests. */
  pointerField(array: number, i: number, member: 'LocalAddr' | 'RemoteAddr'): number {
    return array + i * sizeOf(this.arch, 'CSADDR_INFO') + offset(this.arch, 'CSADDR_INFO', member) + offset(this.arch, 'SOCKET_ADDRESS', 'lpSockaddr');
  }

  lengthField(array: number, i: number, member: 'LocalAddr' | 'RemoteAddr'): number {
    return array + i * sizeOf(this.arch, 'CSADDR_INFO') + offset(this.arch, 'CSADDR_INFO', member) + offset(this.arch, 'SOCKET_ADDRESS', 'iSockaddrLength');
  }

  /** A WSAQUERYSETW fixed part whose lpcsaBuffer points at a fresh array of `entries`; returns its address. */
  querySet(entries: readonly CsAddrInfoJson[] | null): number {
    const size = sizeOf(this.arch, 'WSAQUERYSETW');
    const qs = this.alloc(size, this.pointerSize);
    this.bytes.fill(0, qs - this.base, qs - this.base + size);
    this.u32(qs + offset(this.arch, 'WSAQUERYSETW', 'dwSize'), size);
    const array = entries === null ? 0 : this.csaddrArray(entries);
    this.lastArray = array;
    this.u32(qs + offset(this.arch, 'WSAQUERYSETW', 'dwNumberOfCsAddrs'), entries?.length ?? 0);
    this.pointer(qs + offset(this.arch, 'WSAQUERYSETW', 'lpcsaBuffer'), array);
    return qs;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.used);
  }
}

/** Canonical helpers for readable test tables. */
export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export function sa(hex: string | null, length = hex === null ? 0 : hex.length / 2): SocketAddressJson {
  return { lpSockaddr: hex, iSockaddrLength: length };
}

export const NONE: SocketAddressJson = { lpSockaddr: null, iSockaddrLength: 0 };

export function entry(local: SocketAddressJson, remote: SocketAddressJson, iSocketType: number, iProtocol: number): CsAddrInfoJson {
  return { LocalAddr: local, RemoteAddr: remote, iSocketType, iProtocol };
}

const hex = (bytes: number[]): string => bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
const le16 = (v: number): number[] => [v & 0xff, v >> 8];
const be16 = (v: number): number[] => [v >> 8, v & 0xff];

/** SOCKADDR_IN as hex: family AF_INET (2), port and address in network order, sin_zero. */
export function ipv4(address: [number, number, number, number], port: number, sinZero: number[] = [0, 0, 0, 0, 0, 0, 0, 0]): string {
  return hex([...le16(2), ...be16(port), ...address, ...sinZero]);
}

/** SOCKADDR_IN6 as hex: family AF_INET6 (23), port, flowinfo, 16-byte address, scope id. */
export function ipv6(address: number[], port: number, flowinfo = 0, scopeId = 0): string {
  const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  return hex([...le16(23), ...be16(port), ...u32(flowinfo), ...address, ...u32(scopeId)]);
}
