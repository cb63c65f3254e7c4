import { AF_BTH, AF_INET, AF_INET6, AF_IPX } from '../abi/constants.js';
import { guidFromBytes } from '../abi/guid.js';
import { layoutOf } from '../abi/layout.js';

/**
 * `$sockaddr`: what a SOCKET_ADDRESS's bytes say, for people reading a
 * decode. Canonical JSON keeps the bytes as hex (exact, whatever they are);
 * this is only an annotation and never feeds encode.
 */
export type SockaddrNote =
  | { family: 'AF_INET'; port: number; address: string; text: string }
  | { family: 'AF_INET6'; port: number; flowinfo: number; address: string; scopeId: number; text: string }
  | { family: 'AF_IPX'; network: string; node: string; socket: number }
  | { family: 'AF_BTH'; address: string; serviceClassId: string; port: number }
  | { family: 'AF_INET' | 'AF_INET6' | 'AF_IPX' | 'AF_BTH'; error: string }
  | { family: number };

// Sockaddr layouts are the same on x86 and x64 (no pointers inside); the
// x64 tables are as good as any.
const IN = layoutOf('SOCKADDR_IN', 'x64');
const IN6 = layoutOf('SOCKADDR_IN6', 'x64');
const IPX = layoutOf('SOCKADDR_IPX', 'x64');
const BTH = layoutOf('SOCKADDR_BTH', 'x64');

/**
 * What a sockaddr says, for people: family, port and address text (IPv4,
 * IPv6 with flow label and scope id, IPX, Bluetooth), or undefined when the
 * bytes are too short for their family or the family is unknown.
 */
export function describeSockaddr(bytes: Uint8Array, start: number, length: number): SockaddrNote | undefined {
  if (length < 2) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, length);
  const family = view.getUint16(0, true);
  const short = (name: 'AF_INET' | 'AF_INET6' | 'AF_IPX' | 'AF_BTH', struct: string, size: number) => ({
    family: name,
    error: `iSockaddrLength ${length} is shorter than ${struct} (${size})`,
  });
  switch (family) {
    case AF_INET: {
      if (length < IN.size) return short('AF_INET', IN.name, IN.size);
      const port = view.getUint16(IN.field('sin_port').offset, false);
      const a = IN.field('sin_addr').offset;
      const address = `${view.getUint8(a)}.${view.getUint8(a + 1)}.${view.getUint8(a + 2)}.${view.getUint8(a + 3)}`;
      return { family: 'AF_INET', port, address, text: `${address}:${port}` };
    }
    case AF_INET6: {
      if (length < IN6.size) return short('AF_INET6', IN6.name, IN6.size);
      const port = view.getUint16(IN6.field('sin6_port').offset, false);
      const flowinfo = view.getUint32(IN6.field('sin6_flowinfo').offset, false);
      const address = ipv6Text(view, IN6.field('sin6_addr').offset);
      const scopeId = view.getUint32(IN6.field('sin6_scope_id').offset, true);
      return {
        family: 'AF_INET6',
        port,
        flowinfo,
        address,
        scopeId,
        text: `[${address}${scopeId ? `%${scopeId}` : ''}]:${port}`,
      };
    }
    case AF_IPX: {
      if (length < IPX.size) return short('AF_IPX', IPX.name, IPX.size);
      const hex = (offset: number, n: number) =>
        Array.from(bytes.subarray(start + offset, start + offset + n), (b) => b.toString(16).padStart(2, '0')).join('');
      return {
        family: 'AF_IPX',
        network: hex(IPX.field('sa_netnum').offset, 4),
        node: hex(IPX.field('sa_nodenum').offset, 6),
        socket: view.getUint16(IPX.field('sa_socket').offset, false),
      };
    }
    case AF_BTH: {
      if (length < BTH.size) return short('AF_BTH', BTH.name, BTH.size);
      // BTH_ADDR is a ULONGLONG whose low 48 bits are the device address,
      // written most significant byte first as Windows shows it.
      const raw = view.getBigUint64(BTH.field('btAddr').offset, true) & 0xffff_ffff_ffffn;
      const address = raw
        .toString(16)
        .padStart(12, '0')
        .replace(/(..)(?!$)/g, '$1:')
        .toUpperCase();
      return {
        family: 'AF_BTH',
        address,
        serviceClassId: guidFromBytes(bytes, start + BTH.field('serviceClassId').offset),
        port: view.getUint32(BTH.field('port').offset, true),
      };
    }
    default:
      return { family };
  }
}

/** RFC 5952 text: lower case, the longest run of two or more zero groups as `::`, IPv4-mapped as ::ffff:a.b.c.d. */
export function ipv6Text(view: DataView, offset: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(view.getUint16(offset + i * 2, false));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const b = (i: number) => view.getUint8(offset + i);
    return `::ffff:${b(12)}.${b(13)}.${b(14)}.${b(15)}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const text = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return text(groups);
  return `${text(groups.slice(0, bestStart))}::${text(groups.slice(bestStart + bestLength))}`;
}
