import {
  AF_BTH,
  AF_INET,
  AF_INET6,
  AF_IPX,
  BTHPROTO_RFCOMM,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPROTOCOL_ANY,
  NSPROTO_IPX,
  NSPROTO_SPX,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
} from '../abi/constants.js';
import { ProtocolSubstitutionError } from './errors.js';

/** The family argument of `substituteProtocol` when the entry has no sockaddr of at least 2 bytes. */
export const NO_FAMILY = -1;

/**
 * The acceptable protocol for (address family, socket type), as the
 * NSPSetService note asks a provider to substitute for IPROTOCOL_ANY, or -1
 * for none. Only the pairs with one obvious protocol are listed: AF_IPX
 * SOCK_SEQPACKET could also be NSPROTO_SPXII, but SPX is the protocol SPXII
 * extends and what a plain SOCK_SEQPACKET socket on AF_IPX opens. (A switch,
 * not a Map: this runs once per IPROTOCOL_ANY entry on the match hot path.)
 */
function acceptableProtocol(family: number, socketType: number): number {
  switch (family) {
    case AF_INET:
    case AF_INET6:
      return socketType === SOCK_STREAM ? IPPROTO_TCP : socketType === SOCK_DGRAM ? IPPROTO_UDP : -1;
    case AF_IPX:
      return socketType === SOCK_DGRAM ? NSPROTO_IPX : socketType === SOCK_SEQPACKET ? NSPROTO_SPX : -1;
    case AF_BTH:
      return socketType === SOCK_STREAM ? BTHPROTO_RFCOMM : -1;
    default:
      return -1;
  }
}

/**
 * `protocol` itself, or, when it is IPROTOCOL_ANY (-1), the protocol the
 * family and socket type imply (AF_INET/AF_INET6: SOCK_STREAM → IPPROTO_TCP,
 * SOCK_DGRAM → IPPROTO_UDP; AF_IPX: SOCK_DGRAM → NSPROTO_IPX, SOCK_SEQPACKET
 * → NSPROTO_SPX; AF_BTH: SOCK_STREAM → BTHPROTO_RFCOMM). `family` is the
 * sockaddr's first two bytes (LocalAddr's, else RemoteAddr's), or NO_FAMILY.
 * Throws ProtocolSubstitutionError (path `iProtocol`) when there is none.
 */
export function substituteProtocol(family: number, socketType: number, protocol: number): number {
  if (protocol !== IPROTOCOL_ANY) return protocol;
  const substitute = acceptableProtocol(family, socketType);
  if (substitute >= 0) return substitute;
  const why =
    family === NO_FAMILY
      ? 'neither LocalAddr nor RemoteAddr has a sockaddr to take the address family from'
      : `no protocol is acceptable for address family ${family} with socket type ${socketType}`;
  throw new ProtocolSubstitutionError(`iProtocol is IPROTOCOL_ANY (-1) but ${why}`, 'iProtocol');
}
