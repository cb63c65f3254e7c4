import {
  NS_BTH,
  RNRSERVICE_DELETE,
  RNRSERVICE_DEREGISTER,
  RNRSERVICE_REGISTER,
  SERVICE_MULTIPLE,
} from '../abi/constants.js';
import { isGuid } from '../abi/guid.js';
import { layoutOf } from '../abi/layout.js';
import { SOCKADDR_STRUCTS } from '../abi/sockaddr-structs.js';
import type { Arch } from '../abi/types.js';
import type { Charset, QuerySetJson, SocketAddressJson } from '../codec/canonical.js';
import { invalid } from './errors.js';
import type { SetServiceOperation } from './provider.js';

/** Every dwControlFlags bit WSASetService defines. */
export const KNOWN_CONTROL_FLAGS = SERVICE_MULTIPLE;

/** The struct a query set of this charset is: WSAQUERYSETW or WSAQUERYSETA. */
export function querySetStruct(charset: Charset): 'WSAQUERYSETW' | 'WSAQUERYSETA' {
  return charset === 'A' ? 'WSAQUERYSETA' : 'WSAQUERYSETW';
}

/** essOperation must be one of the three WSAESETSERVICEOP values. */
export function checkOperation(operation: number): asserts operation is SetServiceOperation {
  if (operation !== RNRSERVICE_REGISTER && operation !== RNRSERVICE_DEREGISTER && operation !== RNRSERVICE_DELETE) {
    throw invalid(
      `essOperation ${String(operation)} is not RNRSERVICE_REGISTER (0), RNRSERVICE_DEREGISTER (1) or RNRSERVICE_DELETE (2)`,
    );
  }
}

/** dwControlFlags may only hold bits the API defines (SERVICE_MULTIPLE). */
export function checkControlFlags(flags: number): void {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffffffff)
    throw invalid(`dwControlFlags ${String(flags)} is not a DWORD`);
  const unknown = flags & ~KNOWN_CONTROL_FLAGS;
  if (unknown !== 0)
    throw invalid(
      `dwControlFlags 0x${(flags >>> 0).toString(16)} has bits no WSASetService flag defines (0x${(unknown >>> 0).toString(16)})`,
    );
}

/** dwSize is the versioning mechanism: it must be sizeof(WSAQUERYSETW/A) for the caller's arch. */
export function checkSize(dwSize: number, arch: Arch, charset: Charset): void {
  const struct = querySetStruct(charset);
  const expected = layoutOf(struct, arch).size;
  if (dwSize !== expected)
    throw invalid(`${String(dwSize)} is not sizeof(${struct}) on ${arch} (${expected})`, 'dwSize');
}

/**
 * The Bluetooth form that carries its own SDP record: dwNameSpace NS_BTH and
 * a BTH_SET_SERVICE in lpBlob. Microsoft documents that then every member
 * but dwSize and dwNameSpace is ignored ("Bluetooth and WSAQUERYSET for Set
 * Service"), so the registration checks below do not apply to it; the
 * Bluetooth provider checks the blob itself.
 */
export function isBluetoothBlobSet(qs: QuerySetJson): boolean {
  return qs.dwNameSpace === NS_BTH && qs.lpBlob !== null;
}

/**
 * The smallest sockaddr each family can be, from the structures themselves
 * (no pointers in them, so the same on both archs); worked out on first
 * use, not per call (service/batch).
 */
let minimumSockaddrLengths: Map<number, { struct: string; size: number }> | undefined;
function minimumSockaddrLength(family: number): { struct: string; size: number } | undefined {
  minimumSockaddrLengths ??= new Map(
    [...SOCKADDR_STRUCTS].map(([f, struct]) => [f, { struct, size: layoutOf(struct, 'x64').size }]),
  );
  return minimumSockaddrLengths.get(family);
}

let familyHexOffset = -1;

/** A lowercase or uppercase hex digit's value, or -1. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** The value of the two hex digits at `at`, as parseInt(hex.slice(at, at + 2), 16) reads them. */
function hexByte(hex: string, at: number): number {
  const hi = hexDigit(hex.charCodeAt(at));
  const lo = hexDigit(hex.charCodeAt(at + 1));
  if (hi >= 0 && lo >= 0) return (hi << 4) | lo;
  // Not two hex digits (only a caller that skipped the codec's checks): parseInt's own reading.
  return parseInt(hex.slice(at, at + 2), 16);
}

/** The address family in the first two bytes of a canonical sockaddr (hex), or undefined when it is shorter. */
export function sockaddrFamily(sa: SocketAddressJson): number | undefined {
  const hex = sa.lpSockaddr;
  if (hex === null || hex.length < 4) return undefined;
  if (familyHexOffset < 0) familyHexOffset = layoutOf('SOCKADDR', 'x64').field('sa_family').offset * 2;
  const lo = hexByte(hex, familyHexOffset);
  const hi = hexByte(hex, familyHexOffset + 2);
  return Number.isNaN(lo) || Number.isNaN(hi) ? undefined : lo | (hi << 8);
}

function checkSocketAddress(sa: SocketAddressJson, path: string): void {
  const length = sa.iSockaddrLength;
  if (!Number.isInteger(length) || length < 0)
    throw invalid(`iSockaddrLength ${String(length)} is negative`, `${path}.iSockaddrLength`);
  if (sa.lpSockaddr === null) {
    if (length !== 0) throw invalid(`iSockaddrLength is ${length} but lpSockaddr is NULL`, path);
    return;
  }
  if (sa.lpSockaddr.length !== length * 2)
    throw invalid(`lpSockaddr holds ${sa.lpSockaddr.length / 2} bytes but iSockaddrLength is ${length}`, path);
  if (length === 0) return;
  const family = sockaddrFamily(sa);
  if (family === undefined)
    throw invalid(`a ${length}-byte sockaddr cannot hold its 2-byte address family`, `${path}.lpSockaddr`);
  const minimum = minimumSockaddrLength(family);
  if (minimum && length < minimum.size) {
    throw invalid(
      `a sockaddr of family ${family} needs ${minimum.size} bytes (sizeof(${minimum.struct})), iSockaddrLength is ${length}`,
      `${path}.iSockaddrLength`,
    );
  }
}

/**
 * The service properties WSASetService requires (the "Service Properties"
 * table): a service class id, and dwNumberOfCsAddrs CSADDR_INFO entries
 * whose sockaddrs are as long as their families need. Members the table
 * marks as ignored (dwOutputFlags, dwNumberOfProtocols, lpafpProtocols,
 * lpszQueryString) are not looked at.
 */
export function checkServiceProperties(qs: QuerySetJson): void {
  if (qs.lpServiceClassId === null) throw invalid('NULL, but a service class id is required', 'lpServiceClassId');
  if (!isGuid(qs.lpServiceClassId))
    throw invalid(`${JSON.stringify(qs.lpServiceClassId)} is not a GUID`, 'lpServiceClassId');
  const count = qs.dwNumberOfCsAddrs;
  if (!Number.isInteger(count) || count < 0 || count > 0xffffffff)
    throw invalid(`dwNumberOfCsAddrs ${String(count)} is not a DWORD`, 'dwNumberOfCsAddrs');
  if (qs.lpcsaBuffer === null) {
    if (count !== 0) throw invalid(`dwNumberOfCsAddrs is ${count} but lpcsaBuffer is NULL`, 'lpcsaBuffer');
    return;
  }
  if (qs.lpcsaBuffer.length !== count)
    throw invalid(`dwNumberOfCsAddrs is ${count} but lpcsaBuffer has ${qs.lpcsaBuffer.length} entries`, 'lpcsaBuffer');
  for (let i = 0; i < count; i++) {
    const entry = qs.lpcsaBuffer[i]!;
    checkSocketAddress(entry.LocalAddr, `lpcsaBuffer[${i}].LocalAddr`);
    checkSocketAddress(entry.RemoteAddr, `lpcsaBuffer[${i}].RemoteAddr`);
  }
}

/**
 * Everything ws2_32 checks before any provider sees the call, in the order
 * a caller would fix them: the operation, the flags, the struct size, then
 * the service properties (skipped for the Bluetooth blob form, see
 * isBluetoothBlobSet). Throws WinsockError WSAEINVAL naming the member.
 */
export function validateSetService(
  qs: QuerySetJson,
  operation: number,
  controlFlags: number,
  arch: Arch,
  charset: Charset,
): asserts operation is SetServiceOperation {
  checkOperation(operation);
  checkControlFlags(controlFlags);
  checkSize(qs.dwSize, arch, charset);
  if (!isBluetoothBlobSet(qs)) checkServiceProperties(qs);
}
