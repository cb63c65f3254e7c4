import { AF, NS, RESULT_FLAGS, SOCK } from '../abi/constants.js';
import { guidFromBytes } from '../abi/guid.js';
import { layoutOf } from '../abi/layout.js';
import { SOCKADDR_STRUCTS } from '../abi/sockaddr-structs.js';
import type { Arch } from '../abi/types.js';
import type { Charset } from '../codec/canonical.js';
import type { AddressSpace } from '../memory/address-space.js';

/**
 * How much a WSAQUERYSETW/A candidate at an address looks like a real one:
 * every pointer NULL or mapped (and aligned for what it points to), counts
 * bounded, strings that terminate and read as text, sockaddr families that
 * exist with lengths that fit them. Each check adds to or takes from the
 * score and says why; a few make the candidate impossible (a misaligned
 * pointer, a pointer no user-mode process has, an absurd count, a string
 * that does not end), and then there is no candidate at all.
 *
 * The weights are judgement, checked by test/dump/scan.test.ts: every set
 * planted in the Wine dump must outrank every decoy and all heap noise.
 */
export interface Assessment {
  readonly score: number;
  readonly reasons: string[];
  /** The instance name, when it reads as text (for listings). */
  readonly name?: string;
}

/**
 * Bounds on what a believable query set holds. A string that does not end
 * within maxStringUnits or a count above its maximum rules the candidate
 * out; a BLOB above maxBlobSize only lowers its score.
 */
export interface PlausibilityLimits {
  /** Longest string looked at, in code units (default 1024). */
  readonly maxStringUnits: number;
  /** Largest believable dwNumberOfProtocols / dwNumberOfCsAddrs (default 256 / 1024). */
  readonly maxProtocols: number;
  readonly maxCsAddrs: number;
  /** Largest believable BLOB.cbSize (default 1 MiB). */
  readonly maxBlobSize: number;
}

export const DEFAULT_PLAUSIBILITY_LIMITS: PlausibilityLimits = {
  maxStringUnits: 1024,
  maxProtocols: 256,
  maxCsAddrs: 1024,
  maxBlobSize: 1 << 20,
};

/** CSADDR_INFO entries examined one by one; the rest only have to be mapped. */
const EXAMINED_CSADDRS = 16;
/** Above 2^47 lies no user-mode x64 address (the canonical lower half). */
const USER_LIMIT_X64_HIGH = 0x8000;
/**
 * Below 64 KiB lies no user-mode address on either arch: Windows keeps the
 * first 64 KiB free to catch NULL-pointer arithmetic (MmLowestUserAddress
 * is 0x10000), so a non-NULL pointer word there is not a pointer.
 */
const LOWEST_USER_ADDRESS = 0x10000;

const NS_NAMES = new Map<number, string>(Object.entries(NS).map(([k, v]) => [v, k]));
const AF_NAMES = new Map<number, string>(Object.entries(AF).map(([k, v]) => [v, k]));
const SOCK_TYPES = new Set<number>(Object.values(SOCK));
const KNOWN_FLAGS = Object.values(RESULT_FLAGS).reduce((a, b) => a | b, 0);

/** Offsets and sizes for one arch, all from layoutOf. */
interface Shape {
  readonly arch: Arch;
  readonly size: number;
  readonly ptr: 4 | 8;
  readonly f: Record<string, number>;
  readonly holes: readonly (readonly [number, number])[];
  readonly csaddr: {
    size: number;
    local: number;
    remote: number;
    sockaddr: number;
    length: number;
    socketType: number;
    protocol: number;
  };
  readonly afp: { size: number; family: number; protocol: number };
  readonly blob: { size: number; align: number; cbSize: number; pBlobData: number };
  readonly version: { size: number; ecHow: number };
  readonly guid: { size: number; align: number };
  readonly minSockaddr: ReadonlyMap<number, number>;
  /** Every pointer member's offset and the alignment its target needs (strings: 1; W strings are checked later). */
  readonly pointers: Int32Array;
}

const shapes = new Map<Arch, Shape>();

export function shapeOf(arch: Arch): Shape {
  const cached = shapes.get(arch);
  if (cached) return cached;
  const qs = layoutOf('WSAQUERYSETW', arch);
  const f: Record<string, number> = {};
  for (const field of qs.fields) f[field.name] = field.offset;
  const holes: [number, number][] = [];
  let end = 0;
  for (const field of qs.fields) {
    if (field.offset > end) holes.push([end, field.offset - end]);
    end = field.offset + field.size;
  }
  if (qs.size > end) holes.push([end, qs.size - end]);
  const cs = layoutOf('CSADDR_INFO', arch);
  const sa = layoutOf('SOCKET_ADDRESS', arch);
  const afp = layoutOf('AFPROTOCOLS', arch);
  const blob = layoutOf('BLOB', arch);
  const version = layoutOf('WSAVERSION', arch);
  const guid = layoutOf('GUID', arch);
  const pointerAlign: Record<string, number> = {
    lpServiceClassId: guid.align,
    lpNSProviderId: guid.align,
    lpVersion: version.align,
    lpafpProtocols: afp.align,
    lpcsaBuffer: cs.align,
    lpBlob: blob.align,
  };
  const pointers: number[] = [];
  for (const field of qs.fields) {
    if (field.resolved.kind === 'pointer') pointers.push(field.offset, pointerAlign[field.name] ?? 1);
  }
  const shape: Shape = {
    arch,
    pointers: Int32Array.from(pointers),
    size: qs.size,
    ptr: qs.field('lpszServiceInstanceName').size as 4 | 8,
    f,
    holes,
    csaddr: {
      size: cs.size,
      local: cs.field('LocalAddr').offset,
      remote: cs.field('RemoteAddr').offset,
      sockaddr: sa.field('lpSockaddr').offset,
      length: sa.field('iSockaddrLength').offset,
      socketType: cs.field('iSocketType').offset,
      protocol: cs.field('iProtocol').offset,
    },
    afp: { size: afp.size, family: afp.field('iAddressFamily').offset, protocol: afp.field('iProtocol').offset },
    blob: {
      size: blob.size,
      align: blob.align,
      cbSize: blob.field('cbSize').offset,
      pBlobData: blob.field('pBlobData').offset,
    },
    version: { size: version.size, ecHow: version.field('ecHow').offset },
    guid: { size: guid.size, align: guid.align },
    minSockaddr: new Map([...SOCKADDR_STRUCTS].map(([family, struct]) => [family, layoutOf(struct, arch).size])),
  };
  shapes.set(arch, shape);
  return shape;
}

/** Largest believable iSockaddrLength: sizeof(SOCKADDR_STORAGE). */
function maxSockaddr(arch: Arch): number {
  return layoutOf('SOCKADDR_STORAGE', arch).size;
}

/**
 * Thrown inside an assessment when the candidate cannot be a set. Not an
 * Error on purpose: most signature hits end this way, and capturing a stack
 * trace for each made assessment cost ~20 µs instead of ~2 (bench scan/256mb).
 */
class Impossible {
  constructor(readonly reason: string) {}
}

/**
 * The quick test most signature hits fail: a pointer member no user-mode
 * process has, or one not aligned for its target. No allocation, no throw.
 */
export function pointersPossible(view: DataView, base: number, shape: Shape): boolean {
  const p = shape.pointers;
  for (let i = 0; i < p.length; i += 2) {
    const at = base + p[i]!;
    const lo = view.getUint32(at, true);
    const hi = shape.ptr === 8 ? view.getUint32(at + 4, true) : 0;
    if (hi >= USER_LIMIT_X64_HIGH) return false;
    if ((lo & (p[i + 1]! - 1)) !== 0) return false;
    if (hi === 0 && lo !== 0 && lo < LOWEST_USER_ADDRESS) return false;
  }
  return true;
}

/**
 * The same quick test on the scanner's word array, before any memory is
 * located: `index` is the candidate's word index in `words`, which must hold
 * the whole struct. Also rejects counts over the limits. Most signature hits
 * end here without an allocation (scan/256mb: ~130k hits, a few hundred
 * assessed).
 */
export function wordsPossible(words: Uint32Array, index: number, shape: Shape, limits: PlausibilityLimits): boolean {
  const p = shape.pointers;
  for (let i = 0; i < p.length; i += 2) {
    const w = index + (p[i]! >>> 2);
    const lo = words[w]!;
    if ((lo & (p[i + 1]! - 1)) !== 0) return false;
    const hi = shape.ptr === 8 ? words[w + 1]! : 0;
    if (hi >= USER_LIMIT_X64_HIGH) return false;
    if (hi === 0 && lo !== 0 && lo < LOWEST_USER_ADDRESS) return false;
  }
  return (
    words[index + (shape.f.dwNumberOfProtocols! >>> 2)]! <= limits.maxProtocols &&
    words[index + (shape.f.dwNumberOfCsAddrs! >>> 2)]! <= limits.maxCsAddrs
  );
}

/** A pointer read from the candidate: 0 for NULL; throws Impossible for one no user-mode process has. */
function pointerAt(view: DataView, offset: number, shape: Shape, what: string): number {
  const hi = shape.ptr === 4 ? 0 : view.getUint32(offset + 4, true);
  if (hi >= USER_LIMIT_X64_HIGH) throw new Impossible(`${what} is not a user-mode pointer`);
  const value = hi * 0x1_0000_0000 + view.getUint32(offset, true);
  if (value !== 0 && value < LOWEST_USER_ADDRESS)
    throw new Impossible(`${what} → 0x${value.toString(16)} lies in the first 64 KiB, where no user-mode address is`);
  return value;
}

function aligned(p: number, alignment: number, what: string): void {
  if (p % alignment !== 0) throw new Impossible(`${what} → 0x${p.toString(16)} is not ${alignment}-aligned`);
}

type StringRead = { units: number[] } | 'unmapped' | 'unterminated';

/** Code units up to the terminating NUL, reading no further than the limit or the mapped memory. */
function readString(space: AddressSpace, at: number, charset: Charset, maxUnits: number): StringRead {
  const unit = charset === 'W' ? 2 : 1;
  const mapped = space.mappedLength(at, (maxUnits + 1) * unit);
  if (mapped < unit) return 'unmapped';
  const { view, offset } = space.locate(at, mapped - (mapped % unit));
  const units: number[] = [];
  for (let i = 0; i + unit <= mapped; i += unit) {
    const u = unit === 2 ? view.getUint16(offset + i, true) : view.getUint8(offset + i);
    if (u === 0) return { units };
    units.push(u);
  }
  return 'unterminated';
}

/**
 * How much a string reads as text: 3 for two or more units that are mostly
 * printable ASCII, 1 for something that might be text (one character, the
 * empty string, other scripts), -2 for control characters or broken
 * UTF-16. ASCII text read with the wrong charset scores 1 (one unit as ANSI,
 * CJK-looking units as UTF-16), which is what tells W from A.
 */
function textQuality(units: readonly number[], charset: Charset): number {
  if (units.length === 0) return 1;
  let ascii = 0;
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    if (u < 0x20 && u !== 9 && u !== 10 && u !== 13) return -2;
    if (u === 0x7f) return -2;
    if (charset === 'W') {
      if (u === 0xfffe || u === 0xffff) return -2;
      if (u >= 0xd800 && u <= 0xdbff) {
        const next = units[i + 1];
        if (next === undefined || next < 0xdc00 || next > 0xdfff) return -2;
        i++;
        continue;
      }
      if (u >= 0xdc00 && u <= 0xdfff) return -2;
    }
    if (u >= 0x20 && u < 0x7f) ascii++;
  }
  return units.length >= 2 && ascii >= 0.8 * units.length ? 3 : 1;
}

function preview(units: readonly number[]): string {
  const text = String.fromCharCode(...units.slice(0, 48));
  return JSON.stringify(units.length > 48 ? `${text}…` : text);
}

/**
 * Assess the candidate at `at` as a query set of `arch` and `charset`;
 * undefined when it cannot be one. The caller has seen dwSize.
 */
export function assess(
  space: AddressSpace,
  at: number,
  arch: Arch,
  charset: Charset,
  limits: PlausibilityLimits = DEFAULT_PLAUSIBILITY_LIMITS,
): Assessment | undefined {
  const shape = shapeOf(arch);
  if (space.mappedLength(at, shape.size) < shape.size) return undefined;
  const { view, offset } = space.locate(at, shape.size);
  if (!pointersPossible(view, offset, shape)) return undefined;
  try {
    return assessMapped(space, at, shape, charset, limits);
  } catch (e) {
    if (e instanceof Impossible) return undefined;
    // A pointer the address space rejects (beyond 2^53, unmapped mid-read) is no set either.
    if (e instanceof Error && (e.name === 'MemoryError' || e.name === 'InvalidDataError')) return undefined;
    throw e;
  }
}

function assessMapped(
  space: AddressSpace,
  at: number,
  shape: Shape,
  charset: Charset,
  limits: PlausibilityLimits,
): Assessment {
  const { view, offset: base } = space.locate(at, shape.size);
  const { f, arch } = shape;
  const reasons: string[] = [`dwSize=${shape.size} (${arch})`];
  let score = 0;
  let name: string | undefined;
  const u32 = (o: number) => view.getUint32(base + o, true);
  const ptr = (field: string) => pointerAt(view, base + f[field]!, shape, field);

  if (shape.holes.length > 0) {
    const dirty = shape.holes.filter(([o, n]) => {
      for (let i = 0; i < n; i++) if (view.getUint8(base + o + i) !== 0) return true;
      return false;
    });
    if (dirty.length === 0) {
      score += 1;
      reasons.push('padding is zero');
    } else {
      score -= 1;
      reasons.push(`padding at +${dirty.map(([o]) => o).join(', +')} is not zero`);
    }
  }

  // Strings: the instance name counts double; WSASetService requires it.
  for (const [field, weight] of [
    ['lpszServiceInstanceName', 2],
    ['lpszComment', 1],
    ['lpszContext', 1],
    ['lpszQueryString', 1],
  ] as const) {
    const p = ptr(field);
    if (p === 0) {
      if (field === 'lpszServiceInstanceName') {
        score -= 3;
        reasons.push(`${field} is NULL`);
      }
      continue;
    }
    if (charset === 'W') aligned(p, 2, field);
    const s = readString(space, p, charset, limits.maxStringUnits);
    if (s === 'unterminated') throw new Impossible(`${field} does not terminate within ${limits.maxStringUnits} units`);
    if (s === 'unmapped') {
      score -= 4;
      reasons.push(`${field} → 0x${p.toString(16)} is not in the captured memory`);
      continue;
    }
    const q = textQuality(s.units, charset);
    score += weight * q;
    reasons.push(q > 0 ? `${field} → ${preview(s.units)}` : `${field} → ${s.units.length} units that are not text`);
    if (field === 'lpszServiceInstanceName' && q > 0) name = String.fromCharCode(...s.units);
  }

  for (const [field, weight] of [
    ['lpServiceClassId', 2],
    ['lpNSProviderId', 1],
  ] as const) {
    const p = ptr(field);
    if (p === 0) continue;
    aligned(p, shape.guid.align, field);
    if (space.mappedLength(p, shape.guid.size) < shape.guid.size) {
      score -= 4;
      reasons.push(`${field} → 0x${p.toString(16)} is not in the captured memory`);
      continue;
    }
    const g = space.read(p, shape.guid.size);
    if (g.every((b) => b === 0)) {
      reasons.push(`${field} → GUID_NULL`);
      continue;
    }
    score += weight;
    reasons.push(`${field} → ${guidFromBytes(g)}`);
  }

  const lpVersion = ptr('lpVersion');
  if (lpVersion !== 0) {
    aligned(lpVersion, 4, 'lpVersion');
    if (space.mappedLength(lpVersion, shape.version.size) < shape.version.size) {
      score -= 4;
      reasons.push(`lpVersion → 0x${lpVersion.toString(16)} is not in the captured memory`);
    } else {
      const v = space.locate(lpVersion, shape.version.size);
      const ecHow = v.view.getUint32(v.offset + shape.version.ecHow, true);
      if (ecHow <= 1) {
        score += 1;
        reasons.push(`lpVersion → ecHow ${ecHow === 0 ? 'COMP_EQUAL' : 'COMP_NOTLESS'}`);
      } else {
        score -= 2;
        reasons.push(`lpVersion → ecHow ${ecHow} is no WSAECOMPARATOR`);
      }
    }
  }

  const ns = u32(f.dwNameSpace!);
  const nsName = NS_NAMES.get(ns);
  if (nsName) {
    score += 2;
    reasons.push(`dwNameSpace=${nsName}`);
  } else {
    score -= 3;
    reasons.push(`dwNameSpace=${ns} is no known namespace`);
  }

  score += protocols(space, shape, u32(f.dwNumberOfProtocols!), ptr('lpafpProtocols'), limits, reasons);
  score += csAddrs(space, shape, u32(f.dwNumberOfCsAddrs!), ptr('lpcsaBuffer'), limits, reasons);

  const flags = u32(f.dwOutputFlags!);
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    score -= 1;
    reasons.push(`dwOutputFlags 0x${flags.toString(16)} has unknown bits`);
  }

  const lpBlob = ptr('lpBlob');
  if (lpBlob !== 0) {
    aligned(lpBlob, shape.blob.align, 'lpBlob');
    if (space.mappedLength(lpBlob, shape.blob.size) < shape.blob.size) {
      score -= 4;
      reasons.push(`lpBlob → 0x${lpBlob.toString(16)} is not in the captured memory`);
    } else {
      const b = space.locate(lpBlob, shape.blob.size);
      const cbSize = b.view.getUint32(b.offset + shape.blob.cbSize, true);
      const data = pointerAt(b.view, b.offset + shape.blob.pBlobData, shape, 'lpBlob.pBlobData');
      if (cbSize > limits.maxBlobSize) {
        score -= 3;
        reasons.push(`lpBlob → cbSize ${cbSize} is implausibly large`);
      } else if (data !== 0 && space.mappedLength(data, cbSize) < cbSize) {
        score -= 3;
        reasons.push(`lpBlob → pBlobData 0x${data.toString(16)}+${cbSize} is not in the captured memory`);
      } else {
        score += 1;
        reasons.push(`lpBlob → ${cbSize} bytes`);
      }
    }
  }
  return name === undefined ? { score, reasons } : { score, reasons, name };
}

function protocols(
  space: AddressSpace,
  shape: Shape,
  count: number,
  p: number,
  limits: PlausibilityLimits,
  reasons: string[],
): number {
  if (count > limits.maxProtocols) throw new Impossible(`dwNumberOfProtocols ${count} is implausible`);
  if (p === 0) {
    if (count === 0) return 0;
    reasons.push(`dwNumberOfProtocols ${count} with lpafpProtocols NULL`);
    return -1;
  }
  aligned(p, 4, 'lpafpProtocols');
  if (count === 0) {
    reasons.push('lpafpProtocols set with dwNumberOfProtocols 0');
    return -1;
  }
  const bytes = count * shape.afp.size;
  if (space.mappedLength(p, bytes) < bytes) {
    reasons.push(`lpafpProtocols → 0x${p.toString(16)}+${bytes} is not in the captured memory`);
    return -4;
  }
  const { view, offset } = space.locate(p, bytes);
  const families: string[] = [];
  for (let i = 0; i < count; i++) {
    const family = view.getInt32(offset + i * shape.afp.size + shape.afp.family, true);
    const known = AF_NAMES.get(family);
    if (known === undefined) {
      reasons.push(`lpafpProtocols[${i}].iAddressFamily ${family} is no known family`);
      return -2;
    }
    families.push(known);
  }
  reasons.push(`${count} AFPROTOCOLS (${families.join(', ')})`);
  return 2;
}

function csAddrs(
  space: AddressSpace,
  shape: Shape,
  count: number,
  p: number,
  limits: PlausibilityLimits,
  reasons: string[],
): number {
  if (count > limits.maxCsAddrs) throw new Impossible(`dwNumberOfCsAddrs ${count} is implausible`);
  if (p === 0) {
    if (count === 0) return 0;
    reasons.push(`dwNumberOfCsAddrs ${count} with lpcsaBuffer NULL`);
    return -1;
  }
  aligned(p, shape.ptr, 'lpcsaBuffer');
  if (count === 0) {
    reasons.push('lpcsaBuffer set with dwNumberOfCsAddrs 0');
    return -1;
  }
  const cs = shape.csaddr;
  const bytes = count * cs.size;
  if (space.mappedLength(p, bytes) < bytes) {
    reasons.push(`lpcsaBuffer → 0x${p.toString(16)}+${bytes} is not in the captured memory`);
    return -4;
  }
  const examined = Math.min(count, EXAMINED_CSADDRS);
  const { view, offset } = space.locate(p, examined * cs.size);
  const limit = maxSockaddr(shape.arch);
  const seen: string[] = [];
  let score = 0;
  for (let i = 0; i < examined; i++) {
    const entry = offset + i * cs.size;
    const sides: string[] = [];
    let good = true;
    for (const [side, at] of [
      ['LocalAddr', cs.local],
      ['RemoteAddr', cs.remote],
    ] as const) {
      const where = `lpcsaBuffer[${i}].${side}`;
      const sa = pointerAt(view, entry + at + cs.sockaddr, shape, `${where}.lpSockaddr`);
      const length = view.getInt32(entry + at + cs.length, true);
      if (length < 0 || length > limit) throw new Impossible(`${where}.iSockaddrLength ${length} is implausible`);
      if (sa === 0) {
        sides.push('-');
        if (length !== 0) good = false;
        continue;
      }
      if (length < 2 || space.mappedLength(sa, length) < length) {
        good = false;
        sides.push('?');
        continue;
      }
      const family = space.locate(sa, 2);
      const af = family.view.getUint16(family.offset, true);
      const afName = AF_NAMES.get(af);
      if (afName === undefined || af === AF.AF_UNSPEC || length < (shape.minSockaddr.get(af) ?? 2)) {
        good = false;
        sides.push(`family ${af}/${length}`);
        continue;
      }
      sides.push(afName);
    }
    const socketType = view.getInt32(entry + cs.socketType, true);
    if (!SOCK_TYPES.has(socketType)) good = false;
    const protocol = view.getInt32(entry + cs.protocol, true);
    if (protocol < -1 || protocol > 0xffff) good = false;
    score += good ? 2 : -2;
    seen.push(`${sides.join('→')}${good ? '' : ' (implausible)'}`);
  }
  reasons.push(`${count} CSADDR_INFO: ${seen.join(', ')}${count > examined ? ', …' : ''}`);
  return Math.max(-6, Math.min(6, score));
}
