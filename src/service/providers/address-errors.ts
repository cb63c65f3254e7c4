import { InvalidDataError } from '../../errors.js';
import { ProtocolSubstitutionError, SetQuotaError } from '../../match/index.js';
import { invalid, notEnoughMemory, WinsockError } from '../errors.js';

/** SQLite result codes that mean "out of room", not "broken". */
const OUT_OF_ROOM = new Set(['SQLITE_FULL', 'SQLITE_NOMEM', 'SQLITE_TOOBIG']);

/**
 * Run a provider's work and answer in Winsock terms for what can go wrong
 * with the addresses it was given: an IPROTOCOL_ANY entry with no acceptable
 * protocol, or an entry that is not a valid CSADDR_INFO, is WSAEINVAL naming
 * `lpcsaBuffer[i]…`; an address set or disk that is full is
 * WSA_NOT_ENOUGH_MEMORY. Anything else (a damaged store, a bug) propagates.
 */
export function addressErrorsAsWinsock<T>(work: () => T): T {
  try {
    return work();
  } catch (e) {
    throw addressErrorAsWinsock(e);
  }
}

/** The error addressErrorsAsWinsock throws for `e`: its Winsock form, or `e` itself. */
export function addressErrorAsWinsock(e: unknown): unknown {
  if (e instanceof WinsockError) return e;
  if (e instanceof ProtocolSubstitutionError || (e instanceof InvalidDataError && e.path.startsWith('['))) {
    const w = invalid(e.detail, e.path);
    return w.withContext('lpcsaBuffer');
  }
  if (e instanceof SetQuotaError) return notEnoughMemory(e.detail, 'lpcsaBuffer');
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && OUT_OF_ROOM.has(code))
    return notEnoughMemory(`the store is out of room (${code}): ${(e as Error).message}`);
  return e;
}
