import { layoutOf } from '../../src/abi/layout.js';
import { readPointer } from '../../src/abi/pointer.js';
import type { Arch } from '../../src/abi/types.js';
import type { Charset, CsAddrInfoJson, SocketAddressJson } from '../../src/codec/canonical.js';
import { InvalidDataError, RnrError } from '../../src/errors.js';
import { AddressSet } from '../../src/match/address-set.js';
import { CsAddrArrayView } from '../../src/match/csaddr-view.js';
import { entriesMatch } from '../../src/match/entries-match.js';
import type { MatchMode } from '../../src/match/rule.js';
import type { AddressSpace } from '../../src/memory/address-space.js';

export interface SetRef {
  readonly at: number;
  readonly arch: Arch;
  readonly charset: Charset;
}

/** Which parts of a paired entry differ, byte by byte where there are bytes. */
export interface Differences {
  readonly iSocketType: boolean;
  readonly iProtocol: boolean;
  readonly LocalAddr: AddressDifference;
  readonly RemoteAddr: AddressDifference;
}

export interface AddressDifference {
  readonly length: boolean;
  /** Indices of the sockaddr bytes that differ (bytes only one side has count as differing). */
  readonly bytes: number[];
}

/**
 * One line of the side-by-side view. `matched` is the exact-match rule's
 * verdict (src/match) for the entry of B (or, on a line with only A, for
 * that entry of A against B); the pairing beside it is for reading only:
 * a matched B entry sits next to an A entry it matches, an unmatched one
 * next to the unpaired A entry it is closest to.
 */
export interface CompareRow {
  readonly a?: { readonly index: number; readonly entry: CsAddrInfoJson };
  readonly b?: { readonly index: number; readonly entry: CsAddrInfoJson };
  readonly matched: boolean;
  readonly differences?: Differences;
}

export interface Comparison {
  readonly mode: MatchMode;
  readonly rows: CompareRow[];
  /** The rule's answer for B's entries against A, as `rnrkit match A B` prints it. */
  readonly b: { matched: number[]; unmatched: number[] };
  readonly a: { matched: number[]; unmatched: number[] };
}

/** The lpcsaBuffer of the query set at `set.at`, as a view (the members that locate it come from layoutOf). */
export function csAddrView(space: AddressSpace, set: SetRef, name: string): CsAddrArrayView {
  const layout = layoutOf(set.charset === 'A' ? 'WSAQUERYSETA' : 'WSAQUERYSETW', set.arch);
  try {
    const { view, offset } = space.locate(set.at, layout.size);
    const count = view.getUint32(offset + layout.field('dwNumberOfCsAddrs').offset, true);
    const pointer = readPointer(view, offset + layout.field('lpcsaBuffer').offset, set.arch);
    return new CsAddrArrayView(space, pointer, pointer === 0 ? 0 : count, set.arch, { path: `${name}.lpcsaBuffer` });
  } catch (e) {
    throw e instanceof RnrError && !e.path.startsWith(name) ? e.withContext(name) : e;
  }
}

/** The side-by-side view pairs entries in quadratic time: sets larger than this are refused with a message. */
export const MAX_COMPARED_ENTRIES = 4096;

export function compareSets(space: AddressSpace, a: SetRef, b: SetRef, mode: MatchMode = 'exact'): Comparison {
  const viewA = csAddrView(space, a, 'A');
  const viewB = csAddrView(space, b, 'B');
  for (const [name, view] of [
    ['A', viewA],
    ['B', viewB],
  ] as const) {
    if (view.length > MAX_COMPARED_ENTRIES) {
      throw new InvalidDataError(
        `${view.length} entries: the side-by-side view compares at most ${MAX_COMPARED_ENTRIES} (use rnrkit match)`,
        `${name}.lpcsaBuffer`,
      );
    }
  }
  const entriesA = Array.from({ length: viewA.length }, (_, i) => viewA.entry(i));
  const entriesB = Array.from({ length: viewB.length }, (_, i) => viewB.entry(i));
  const resultB = AddressSet.fromView(viewA, { mode }).matchAll(viewB);
  const resultA = AddressSet.fromView(viewB, { mode }).matchAll(viewA);
  const matchedB = new Set(resultB.matched);
  const matchedA = new Set(resultA.matched);

  const rows: CompareRow[] = [];
  const pairedA = new Set<number>();
  const unmatchedB: number[] = [];
  for (let j = 0; j < entriesB.length; j++) {
    if (!matchedB.has(j)) {
      unmatchedB.push(j);
      continue;
    }
    let partner = -1;
    for (let i = 0; i < entriesA.length && partner < 0; i++) {
      if (!pairedA.has(i) && matchedA.has(i) && entriesMatch(entriesA[i]!, entriesB[j]!, mode)) partner = i;
    }
    // A duplicate in B matches an A entry already shown beside another one.
    if (partner < 0)
      for (let i = 0; i < entriesA.length && partner < 0; i++)
        if (entriesMatch(entriesA[i]!, entriesB[j]!, mode)) partner = i;
    pairedA.add(partner);
    rows.push(pairOf(entriesA, partner, entriesB, j, true));
  }
  for (const j of unmatchedB) {
    let best = -1;
    let bestScore = Infinity;
    for (let i = 0; i < entriesA.length; i++) {
      if (pairedA.has(i) || matchedA.has(i)) continue;
      const score = weight(differences(entriesA[i]!, entriesB[j]!));
      if (score < bestScore) {
        best = i;
        bestScore = score;
      }
    }
    if (best >= 0) pairedA.add(best);
    rows.push(pairOf(entriesA, best, entriesB, j, false));
  }
  for (let i = 0; i < entriesA.length; i++) {
    if (!pairedA.has(i)) rows.push({ a: { index: i, entry: entriesA[i]! }, matched: matchedA.has(i) });
  }
  rows.sort((x, y) => (x.b?.index ?? Infinity) - (y.b?.index ?? Infinity) || (x.a?.index ?? 0) - (y.a?.index ?? 0));
  return { mode, rows, b: resultB, a: resultA };
}

function pairOf(
  entriesA: CsAddrInfoJson[],
  i: number,
  entriesB: CsAddrInfoJson[],
  j: number,
  matched: boolean,
): CompareRow {
  const b = { index: j, entry: entriesB[j]! };
  if (i < 0) return { b, matched };
  return { a: { index: i, entry: entriesA[i]! }, b, matched, differences: differences(entriesA[i]!, entriesB[j]!) };
}

export function differences(a: CsAddrInfoJson, b: CsAddrInfoJson): Differences {
  return {
    iSocketType: a.iSocketType !== b.iSocketType,
    iProtocol: a.iProtocol !== b.iProtocol,
    LocalAddr: addressDifference(a.LocalAddr, b.LocalAddr),
    RemoteAddr: addressDifference(a.RemoteAddr, b.RemoteAddr),
  };
}

function addressDifference(a: SocketAddressJson, b: SocketAddressJson): AddressDifference {
  const x = a.lpSockaddr ?? '';
  const y = b.lpSockaddr ?? '';
  const bytes: number[] = [];
  for (let k = 0; k < Math.max(x.length, y.length) / 2; k++) {
    if (x.slice(k * 2, k * 2 + 2) !== y.slice(k * 2, k * 2 + 2)) bytes.push(k);
  }
  return { length: a.iSockaddrLength !== b.iSockaddrLength, bytes };
}

function weight(d: Differences): number {
  return (
    (d.iSocketType ? 4 : 0) +
    (d.iProtocol ? 4 : 0) +
    (d.LocalAddr.length ? 2 : 0) +
    (d.RemoteAddr.length ? 2 : 0) +
    d.LocalAddr.bytes.length +
    d.RemoteAddr.bytes.length
  );
}
