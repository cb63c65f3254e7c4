import type { CsAddrInfoJson, SocketAddressJson } from '../../src/codec/canonical.js';

/** Canonical helpers for readable test tables. */
export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

export function sa(hex: string | null, length = hex === null ? 0 : hex.length / 2): SocketAddressJson {
  return { lpSockaddr: hex, iSockaddrLength: length };
}

export const NONE: SocketAddressJson = { lpSockaddr: null, iSockaddrLength: 0 };

export function entry(
  local: SocketAddressJson,
  remote: SocketAddressJson,
  iSocketType: number,
  iProtocol: number,
): CsAddrInfoJson {
  return { LocalAddr: local, RemoteAddr: remote, iSocketType, iProtocol };
}

const hex = (bytes: number[]): string => bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
const le16 = (v: number): number[] => [v & 0xff, v >> 8];
const be16 = (v: number): number[] => [v >> 8, v & 0xff];

/** SOCKADDR_IN as hex: family AF_INET (2), port and address in network order, sin_zero. */
export function ipv4(
  address: [number, number, number, number],
  port: number,
  sinZero: number[] = [0, 0, 0, 0, 0, 0, 0, 0],
): string {
  return hex([...le16(2), ...be16(port), ...address, ...sinZero]);
}

/** SOCKADDR_IN6 as hex: family AF_INET6 (23), port, flowinfo, 16-byte address, scope id. */
export function ipv6(address: number[], port: number, flowinfo = 0, scopeId = 0): string {
  const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  return hex([...le16(23), ...be16(port), ...u32(flowinfo), ...address, ...u32(scopeId)]);
}
