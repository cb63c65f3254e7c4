/**
 * The x86 expectation of a codec fixture, derived from the x64 one: the
 * cross-check of what the x86 walker prints under 32-bit Wine
 * (fixtures-codec.ts fails when the two differ).
 *
 * Both builds come from the same C source, so what the x64 walker saw is
 * what the x86 walker sees, except where the source itself depends on the
 * architecture:
 *   - dwSize = sizeof(WSAQUERYSETW/A): 120 on x64, 60 on x86;
 *   - a blob that holds pointers: BTH_SET_SERVICE (NS_BTH) starts with
 *     pSdpVersion and pRecordHandle, absolute addresses of 4 or 8 bytes, so
 *     its bytes, its length and the addresses in it differ.
 * Nothing else in the fixtures depends on pointer size (sockaddrs, GUIDs,
 * strings and plain blobs are the same bytes on both).
 *
 * Each difference is derived AND checked against the x86 image directly
 * (raw bytes at nm's addresses, not rnrkit's decoder): dwSize is read from
 * the image and must equal the compiler's sizeof (fixtures/abi/x86.json);
 * the blob's pointers must name the same symbols in both builds, and the
 * derived x86 blob must equal the bytes at the x86 blob symbol.
 */
import type { QuerySetJson } from '../src/codec/canonical.js';

export interface AbiStructs {
  structs: Record<string, { size: number; members: Record<string, { offset: number; size: number }> }>;
}

/** One build of a fixture program: its mapped image, where it sits, and nm's symbols. */
export interface BuiltImage {
  readonly base: bigint;
  readonly image: Uint8Array;
  readonly symbols: ReadonlyMap<string, bigint>;
  readonly abi: AbiStructs;
}

/** What the walker printed for a BTH_SET_SERVICE blob (addresses as 0x… strings). */
export interface BthWalk {
  pBlobData: string;
  pSdpVersion: string;
  sdpVersion: number;
  pRecordHandle: string;
  recordHandle: string;
  fCodService: number;
  ulRecordLength: number;
  pRecord: string;
}

const NS_BTH = 16;

export function isBthBlob(qs: QuerySetJson, abi: AbiStructs): boolean {
  const header = abi.structs.BTH_SET_SERVICE!.members.pRecord!.offset;
  return qs.dwNameSpace === NS_BTH && qs.lpBlob !== null && qs.lpBlob.pBlobData !== null && qs.lpBlob.cbSize >= header;
}

export function deriveX86(
  name: string,
  charset: 'W' | 'A',
  x64: QuerySetJson,
  bth64: BthWalk | undefined,
  from: BuiltImage,
  to: BuiltImage,
  x86At: bigint,
): { expected: QuerySetJson; bth?: BthWalk } {
  const struct = charset === 'W' ? 'WSAQUERYSETW' : 'WSAQUERYSETA';
  const expected = structuredClone(x64);

  if (x64.dwSize !== from.abi.structs[struct]!.size)
    throw new Error(`${name}: x64 dwSize ${x64.dwSize} is not sizeof(${struct}) ${from.abi.structs[struct]!.size}`);
  const dwSize = u32(to, x86At);
  if (dwSize !== to.abi.structs[struct]!.size)
    throw new Error(`${name}: x86 image holds dwSize ${dwSize}, sizeof(${struct}) is ${to.abi.structs[struct]!.size}`);
  expected.dwSize = dwSize;

  if (!isBthBlob(x64, from.abi)) return { expected };
  if (!bth64) throw new Error(`${name}: an NS_BTH blob but no #bth record from the walker`);
  const m64 = from.abi.structs.BTH_SET_SERVICE!.members;
  const m86 = to.abi.structs.BTH_SET_SERVICE!.members;
  const blob64 = hexBytes(x64.lpBlob!.pBlobData!);
  const view64 = new DataView(blob64.buffer);
  const sdp64 = view64.getBigUint64(m64.pSdpVersion!.offset, true);
  const handle64 = view64.getBigUint64(m64.pRecordHandle!.offset, true);
  if (sdp64 !== BigInt(bth64.pSdpVersion) || handle64 !== BigInt(bth64.pRecordHandle))
    throw new Error(`${name}: blob pointers disagree with the walker's #bth record`);

  // Same objects, other build: map each x64 address to its symbol, then to that symbol's x86 address.
  const sdp86 = translate(name, 'pSdpVersion', sdp64, from, to);
  const handle86 = translate(name, 'pRecordHandle', handle64, from, to);
  const blobAt86 = translate(name, 'pBlobData', BigInt(bth64.pBlobData), from, to);

  // The members after the two pointers are ULONGs and bytes: the same values, shifted.
  const tail = blob64.subarray(m64.fCodService!.offset);
  const blob86 = new Uint8Array(m86.fCodService!.offset + tail.length);
  const view86 = new DataView(blob86.buffer);
  view86.setUint32(m86.pSdpVersion!.offset, Number(sdp86), true);
  view86.setUint32(m86.pRecordHandle!.offset, Number(handle86), true);
  blob86.set(tail, m86.fCodService!.offset);

  const inImage = bytesAt(to, blobAt86, blob86.length);
  if (!equalBytes(inImage, blob86))
    throw new Error(
      `${name}: the derived x86 BTH_SET_SERVICE differs from the bytes at 0x${blobAt86.toString(16)} in the x86 image`,
    );
  if (u32(to, sdp86) !== bth64.sdpVersion || u32(to, handle86) !== Number(BigInt(bth64.recordHandle))) {
    throw new Error(`${name}: what the x86 blob points to differs from what the x64 walker read`);
  }

  expected.lpBlob = { cbSize: blob86.length, pBlobData: toHex(blob86) };
  return {
    expected,
    bth: {
      ...bth64,
      pBlobData: hexAddress(blobAt86),
      pSdpVersion: hexAddress(sdp86),
      pRecordHandle: hexAddress(handle86),
    },
  };
}

function translate(name: string, member: string, address: bigint, from: BuiltImage, to: BuiltImage): bigint {
  const symbol = [...from.symbols].find(([, at]) => at === address)?.[0];
  if (symbol === undefined)
    throw new Error(`${name}: ${member} 0x${address.toString(16)} is not the address of any symbol in the x64 build`);
  const target = to.symbols.get(symbol);
  if (target === undefined) throw new Error(`${name}: symbol ${symbol} (${member}) is missing from the x86 build`);
  return target;
}

function bytesAt(img: BuiltImage, address: bigint, length: number): Uint8Array {
  const offset = Number(address - img.base);
  if (offset < 0 || offset + length > img.image.length)
    throw new Error(`0x${address.toString(16)}+${length} is outside the image`);
  return img.image.subarray(offset, offset + length);
}

function u32(img: BuiltImage, address: bigint): number {
  const b = bytesAt(img, address, 4);
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
}

export function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function hexAddress(value: bigint): string {
  return `0x${value.toString(16)}`;
}
