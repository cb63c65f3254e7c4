import { layoutOf } from '../abi/layout.js';
import type { Arch } from '../abi/types.js';
import type { QuerySetJson } from '../codec/canonical.js';
import { ansiToText } from '../codec/index.js';
import { RnrError } from '../errors.js';
import { invalid } from './errors.js';

/** The string members of a query set, and whether the Service Properties table marks them ignored. */
const STRING_MEMBERS = [
  ['lpszServiceInstanceName', false],
  ['lpszComment', false],
  ['lpszContext', false],
  ['lpszQueryString', true],
] as const;

/**
 * WSASetServiceA: "converts the ANSI data in WSAQUERYSET to Unicode
 * internally, but does not convert the results back to ANSI". This is the
 * first half: a new WSAQUERYSETW-shaped set whose strings are the ANSI bytes
 * decoded in `codePage` (the system's ANSI code page; windows-1252 by
 * default), dwSize sizeof(WSAQUERYSETW) for the arch. Nothing else is
 * copied back to the caller afterwards — see registry.ts for how results
 * (the Bluetooth record handle) stay in this copy.
 *
 * A string that is not valid in the code page is WSAEINVAL naming the
 * member; lpszQueryString, which WSASetService ignores, becomes NULL
 * instead.
 */
export function querySetToUnicode(qs: QuerySetJson, codePage: string, arch: Arch): QuerySetJson {
  const out: QuerySetJson = { ...qs, dwSize: layoutOf('WSAQUERYSETW', arch).size };
  for (const [member, ignored] of STRING_MEMBERS) {
    const value = qs[member];
    if (value === null) continue;
    try {
      out[member] = ansiToText(value, codePage);
    } catch (e) {
      if (ignored) out[member] = null;
      else if (e instanceof RnrError) throw invalid(`cannot convert to Unicode from ${codePage}: ${e.detail}`, member);
      else throw e;
    }
  }
  return out;
}
