import { LUP } from '../../abi/constants.js';
import { invalid } from '../errors.js';

const {
  LUP_DEEP,
  LUP_CONTAINERS,
  LUP_NOCONTAINERS,
  LUP_NEAREST,
  LUP_RETURN_ALL,
  LUP_FLUSHPREVIOUS,
  LUP_FLUSHCACHE,
  LUP_RES_SERVICE,
} = LUP;

/** Every dwControlFlags bit WSALookupServiceBegin/Next define (winsock2.h). */
export const KNOWN_LOOKUP_FLAGS =
  LUP_DEEP |
  LUP_CONTAINERS |
  LUP_NOCONTAINERS |
  LUP_NEAREST |
  LUP_RETURN_ALL |
  LUP_FLUSHPREVIOUS |
  LUP_FLUSHCACHE |
  LUP_RES_SERVICE;

/**
 * The flags WSALookupServiceNext documents as behaviour rather than
 * restriction: "LUP_FLUSHPREVIOUS and LUP_RES_SERVICE are exceptions to the
 * combined restrictions rule … they have their defined effect regardless of
 * the setting of the same flags at WSALookupServiceBegin".
 */
export const BEHAVIOUR_FLAGS = LUP_FLUSHPREVIOUS | LUP_RES_SERVICE;

/** The flags that pick which objects a lookup enumerates: fixed when Begin opens the enumeration. */
export const SELECTION_FLAGS = LUP_DEEP | LUP_CONTAINERS | LUP_NOCONTAINERS | LUP_NEAREST;

/** A DWORD holding only bits the lookup functions define; anything else is WSAEINVAL naming the bits. */
export function checkLookupFlags(flags: number, call: 'WSALookupServiceBegin' | 'WSALookupServiceNext'): void {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffffffff)
    throw invalid(`${call}: dwControlFlags ${String(flags)} is not a DWORD`, 'dwControlFlags');
  const unknown = (flags & ~KNOWN_LOOKUP_FLAGS) >>> 0;
  if (unknown !== 0)
    throw invalid(
      `${call}: dwControlFlags 0x${(flags >>> 0).toString(16)} has bits no LUP_ flag defines (0x${unknown.toString(16)})`,
      'dwControlFlags',
    );
  // "Returns containers only" and "do not return containers" together ask for nothing that can exist.
  if ((flags & LUP_CONTAINERS) !== 0 && (flags & LUP_NOCONTAINERS) !== 0) {
    throw invalid(`${call}: LUP_CONTAINERS and LUP_NOCONTAINERS contradict each other`, 'dwControlFlags');
  }
}

/**
 * The flags one WSALookupServiceNext call works with. The docs: "The values
 * passed in the dwControlFlags parameter to WSALookupServiceBegin determine
 * the possible criteria. Any values passed in the dwControlFlags parameter
 * to WSALookupServiceNext further restrict the criteria" and the flags at
 * Next "can never increase the amount of data returned beyond what was
 * requested at WSALookupServiceBegin, although it is not an error to
 * specify more or fewer flags"; they "apply only to that call". So the
 * LUP_RETURN_* bits are Begin's AND Next's. The selection flags (LUP_DEEP,
 * containers, LUP_NEAREST) are Begin's: the enumeration was opened with
 * them. LUP_FLUSHPREVIOUS and LUP_RES_SERVICE take effect when Next sets
 * them whatever Begin said (LUP_RES_SERVICE also when Begin set it).
 */
export function effectiveNextFlags(beginFlags: number, nextFlags: number): number {
  const returned = beginFlags & nextFlags & LUP_RETURN_ALL;
  const selection = beginFlags & SELECTION_FLAGS;
  const behaviour = (nextFlags & BEHAVIOUR_FLAGS) | (beginFlags & LUP_RES_SERVICE);
  return (returned | selection | behaviour) >>> 0;
}

/** The names of the bits set in `flags`, for messages and the CLI (`LUP_RETURN_NAME|LUP_DEEP`). */
export function lookupFlagNames(flags: number): string {
  if (flags === 0) return '0';
  const names: string[] = [];
  let rest = flags >>> 0;
  if ((rest & LUP_RETURN_ALL) === LUP_RETURN_ALL) {
    names.push('LUP_RETURN_ALL');
    rest &= ~LUP_RETURN_ALL;
  }
  for (const [name, bit] of Object.entries(LUP)) {
    if (name === 'LUP_RETURN_ALL') continue;
    if ((rest & bit) === bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) names.push(`0x${(rest >>> 0).toString(16)}`);
  return names.join('|');
}

/** `LUP_RETURN_ALL|LUP_DEEP`, `0x0ff0`, `4080` or a mix joined with `|` → the DWORD. Undefined names are a RangeError naming them. */
export function parseLookupFlags(text: string): number {
  let flags = 0;
  for (const part of text.split('|').map((p) => p.trim())) {
    if (part === '') throw new RangeError(`empty flag in ${JSON.stringify(text)}`);
    const named = (LUP as Record<string, number>)[part.toUpperCase()];
    if (named !== undefined) flags |= named;
    else if (/^(0x[0-9a-f]+|\d+)$/i.test(part)) {
      const value = Number(part);
      if (!Number.isSafeInteger(value) || value > 0xffffffff) throw new RangeError(`${part} is not a DWORD`);
      flags |= value;
    } else throw new RangeError(`${JSON.stringify(part)} is not a LUP_ flag or a number`);
  }
  return flags >>> 0;
}
