import { LUP, NS_NTDS } from '../../src/abi/constants.js';
import type { QuerySetJson } from '../../src/codec/canonical.js';
import { RegionList } from '../../src/memory/region-list.js';
import { callerMemory, type ServiceLookup, WinsockError } from '../../src/service/index.js';
import { nullSet } from '../helpers/samples.js';
import { CLASS_ID } from './helpers.js';

export const { LUP_RETURN_ALL } = LUP;

/** Restrictions for a lookup of CLASS_ID in NS_NTDS (x64 WSAQUERYSETW unless overridden). */
export function restrictions(overrides: Partial<QuerySetJson> = {}): QuerySetJson {
  return { ...nullSet(), dwSize: 120, lpServiceClassId: CLASS_ID, dwNameSpace: NS_NTDS, ...overrides };
}

/** Every canonical result of a lookup (Begin, Next until the end, End). */
export function allResults(
  lookup: ServiceLookup,
  qs: QuerySetJson,
  flags: number = LUP_RETURN_ALL,
  nextFlags: number = flags,
): QuerySetJson[] {
  const handle = lookup.begin(qs, flags);
  const out: QuerySetJson[] = [];
  try {
    for (;;) {
      try {
        out.push(lookup.next(handle, nextFlags).querySet);
      } catch (e) {
        if (WinsockError.is(e, 'WSA_E_NO_MORE') || WinsockError.is(e, 'WSASERVICE_NOT_FOUND')) return out;
        throw e;
      }
    }
  } finally {
    lookup.end(handle);
  }
}

/** A caller's buffer: `length` bytes at `at` in a writable space, filled with 0xa5, with guard bytes mapped around it. */
export function callerBuffer(
  at: number,
  length: number,
  guard = 64,
): { space: RegionList; bytes: Uint8Array; memory: ReturnType<typeof callerMemory>; region: Uint8Array } {
  const region = new Uint8Array(length + 2 * guard).fill(0xa5);
  const space = new RegionList([{ base: at - guard, bytes: region }], 'caller buffer');
  return { space, bytes: region.subarray(guard, guard + length), memory: callerMemory(space), region };
}
