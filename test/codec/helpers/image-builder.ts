import type { Arch } from '../../../src/abi/types.js';
import type { CsAddrInfoJson, QuerySetJson, SocketAddressJson } from '../../../src/codec/canonical.js';
import { offsetOf, sizeOf } from './ground-truth.js';

/**
 * A test-only byte builder, written apart from the codec: it lays a query
 * set out the way a C program with its own allocator might — struct first,
 * pointees in REVERSE member order, each at a 16-byte boundary behind a
 * 0xCC-filled gap — with offsets from the compilers' ground truth. Decoding
 * what it builds must give back the JSON it was given; nothing here is
 * shared with src/codec.
 */
export class ImageBuilder {
  private bytes = new Uint8Array(256).fill(0xcc);
  private used = 0;
  constructor(readonly base: number, readonly arch: Arch) {}

  get pointerSize(): number {
    return this.arch === 'x86' ? 4 : 8;
  }

  /** Reserve `size` bytes at a 16-byte boundary (after a 4-byte 0xCC gap) and return their address. */
  alloc(size: number): number {
    const start = Math.ceil((this.used + 4) / 16) * 16;
    this.used = start + size;
    if (this.used > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.used, this.bytes.length * 2)).fill(0xcc);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes.fill(0, start, start + size);
    return this.base + start;
  }

  u8(address: number, value: number): void { this.bytes[address - this.base] = value & 0xff; }
  u16(address: number, value: number): void { this.u8(address, value); this.u8(address + 1, value >>> 8); }
  u32(address: number, value: number): void { this.u16(address, value & 0xffff); this.u16(address + 2, (value >>> 16) & 0xffff); }
  pointer(address: number, value: number): void {
    this.u32(address, value % 2 ** 32);
    if (this.arch === 'x64') this.u32(address + 4, Math.floor(value / 2 ** 32));
  }

  /** A NUL-terminated string of code units (W) or bytes (A); its address. */
  string(text: string, charset: 'W' | 'A'): number {
    const width = charset === 'W' ? 2 : 1;
    const at = this.alloc((text.length + 1) * width);
    for (let i = 0; i < text.length; i++) {
      if (width === 2) this.u16(at + i * 2, text.charCodeAt(i));
      else this.u8(at + i, text.charCodeAt(i));
    }
    return at;
  }

  hexBytes(hex: string): number {
    const at = this.alloc(hex.length / 2);
    for (let i = 0; i < hex.length; i += 2) this.u8(at + i / 2, parseInt(hex.slice(i, i + 2), 16));
    return at;
  }

  guid(text: string): number {
    const h = text.replace(/[{}-]/g, '');
    const at = this.alloc(16);
    this.u32(at, parseInt(h.slice(0, 8), 16));
    this.u16(at + 4, parseInt(h.slice(8, 12), 16));
    this.u16(at + 6, parseInt(h.slice(12, 16), 16));
    for (let i = 0; i < 8; i++) this.u8(at + 8 + i, parseInt(h.slice(16 + i * 2, 18 + i * 2), 16));
    return at;
  }

  image(): Uint8Array {
    return this.bytes.slice(0, this.used);
  }

  /** Lay out a whole query set; returns the struct's address. */
  querySet(qs: QuerySetJson, charset: 'W' | 'A'): number {
    const S = `WSAQUERYSET${charset}`;
    const at = this.alloc(sizeOf(this.arch, S));
    const off = (m: string) => at + offsetOf(this.arch, S, m);
    this.u32(off('dwSize'), qs.dwSize);
    this.u32(off('dwNameSpace'), qs.dwNameSpace);
    this.u32(off('dwNumberOfProtocols'), qs.dwNumberOfProtocols);
    this.u32(off('dwNumberOfCsAddrs'), qs.dwNumberOfCsAddrs);
    this.u32(off('dwOutputFlags'), qs.dwOutputFlags);
    // Reverse member order: the blob first, the instance name last.
    if (qs.lpBlob) {
      const blob = this.alloc(sizeOf(this.arch, 'BLOB'));
      this.u32(blob + offsetOf(this.arch, 'BLOB', 'cbSize'), qs.lpBlob.cbSize);
      if (qs.lpBlob.pBlobData !== null) this.pointer(blob + offsetOf(this.arch, 'BLOB', 'pBlobData'), this.hexBytes(qs.lpBlob.pBlobData));
      this.pointer(off('lpBlob'), blob);
    }
    if (qs.lpcsaBuffer) this.pointer(off('lpcsaBuffer'), this.csAddrs(qs.lpcsaBuffer));
    if (qs.lpszQueryString !== null) this.pointer(off('lpszQueryString'), this.string(qs.lpszQueryString, charset));
    if (qs.lpafpProtocols) {
      const size = sizeOf(this.arch, 'AFPROTOCOLS');
      const arr = this.alloc(size * qs.lpafpProtocols.length);
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
      const v = this.alloc(sizeOf(this.arch, 'WSAVERSION'));
      this.u32(v + offsetOf(this.arch, 'WSAVERSION', 'dwVersion'), qs.lpVersion.dwVersion);
      this.u32(v + offsetOf(this.arch, 'WSAVERSION', 'ecHow'), qs.lpVersion.ecHow);
      this.pointer(off('lpVersion'), v);
    }
    if (qs.lpServiceClassId !== null) this.pointer(off('lpServiceClassId'), this.guid(qs.lpServiceClassId));
    if (qs.lpszServiceInstanceName !== null) this.pointer(off('lpszServiceInstanceName'), this.string(qs.lpszServiceInstanceName, charset));
    return at;
  }

  private csAddrs(list: readonly CsAddrInfoJson[]): number {
    const size = sizeOf(this.arch, 'CSADDR_INFO');
    const arr = this.alloc(size * list.length);
    list.forEach((e, i) => {
      const at = arr + i * size;
      this.socketAddress(at + offsetOf(this.arch, 'CSADDR_INFO', 'LocalAddr'), e.LocalAddr);
      this.socketAddress(at + offsetOf(this.arch, 'CSADDR_INFO', 'RemoteAddr'), e.RemoteAddr);
      this.u32(at + offsetOf(this.arch, 'CSADDR_INFO', 'iSocketType'), e.iSocketType);
      this.u32(at + offsetOf(this.arch, 'CSADDR_INFO', 'iProtocol'), e.iProtocol);
    });
    return arr;
  }

  private socketAddress(at: number, sa: SocketAddressJson): void {
    this.u32(at + offsetOf(this.arch, 'SOCKET_ADDRESS', 'iSockaddrLength'), sa.iSockaddrLength);
    if (sa.lpSockaddr !== null) this.pointer(at + offsetOf(this.arch, 'SOCKET_ADDRESS', 'lpSockaddr'), this.hexBytes(sa.lpSockaddr));
  }
}
