import { AF, NS } from '../abi/constants.js';
import { guidFromBytes } from '../abi/guid.js';
import { type FieldLayout, layoutOf, type ResolvedType, type StructLayout } from '../abi/layout.js';
import { sockaddrStructOf } from '../abi/sockaddr-structs.js';
import type { Arch } from '../abi/types.js';
import type { Charset } from '../codec/canonical.js';
import { formatAddress, MemoryError } from '../errors.js';
import type { AddressSpace } from '../memory/address-space.js';

/**
 * A labelled hex dump of a query set and everything it points to — what
 * WinDbg's `dt -r WSAQUERYSETW addr` shows, plus the bytes behind every
 * member and each pointee in its own section:
 *
 *   WSAQUERYSETW at 0x34ac10 (x64, 120 bytes)
 *      +0x000 dwSize                  : 0x78 (120)                  78 00 00 00
 *      +0x004 (padding)                                            00 00 00 00
 *      +0x008 lpszServiceInstanceName : 0x00000000`0034ac90         90 ac 34 00 00 00 00 00
 *   …
 *   lpszServiceInstanceName at 0x34ac90 (WCHAR[20], 40 bytes): "rnrkit-café-service"
 *      0x34ac90  72 00 6e 00 72 00 6b 00 69 00 74 00 2d 00 63 00  r.n.r.k.i.t.-.c.
 *
 * Labels and offsets come from layoutOf; pointees are found by walking the
 * schema's pointer annotations (count / bytes siblings), not by the codec,
 * so a set the codec rejects can still be looked at: a pointee that is not
 * in the capture is shown as such instead of ending the dump.
 */
export interface AnnotateOptions {
  readonly arch: Arch;
  readonly charset: Charset;
  /** Array elements shown per pointee (default 64). */
  readonly maxElements?: number;
  /** Bytes shown per pointee (strings, blobs; default 4096). */
  readonly maxBytes?: number;
  /**
   * What holds an address (a minidump's AddressLocator.label): every pointer
   * and every section header then says where it points, `→ ntdll.dll+0x1e9c`,
   * `— stack of thread 3060`. Undefined answers are left out.
   */
  readonly where?: (address: number) => string | undefined;
  /** Told when the set itself is only partly captured (shown anyway, the rest as `??`). */
  readonly warn?: (message: string) => void;
}

type Pointee =
  /**
   * `array`: the pointer has a count sibling, so even one element is shown as [0].
   * `captured`: only this many bytes are in the capture (the root set, cut off).
   */
  | { kind: 'struct'; layout: StructLayout; count: number; array?: boolean; captured?: number }
  | { kind: 'string'; unit: 1 | 2 }
  | { kind: 'bytes'; length: number }
  | { kind: 'sockaddr'; length: number };

interface Pending {
  readonly label: string;
  readonly address: number;
  readonly pointee: Pointee;
}

const VALUE_COLUMN = 64;
const AF_NAMES = new Map<number, string>(Object.entries(AF).map(([k, v]) => [v, k]));
const NS_NAMES = new Map<number, string>(Object.entries(NS).map(([k, v]) => [v, k]));
/** Aggregates shown as one interpreted value rather than member by member. */
const ATOMIC = new Set(['GUID', 'IN_ADDR', 'IN6_ADDR']);

/**
 * The annotated dump of the query set at `at` (see AnnotateOptions for the
 * format), as text ending in a newline. Throws the address space's
 * MemoryError when not even the set's first bytes are captured; anything
 * missing after that is shown as such, never thrown.
 */
export function annotateQuerySet(space: AddressSpace, at: number, options: AnnotateOptions): string {
  const name = options.charset === 'W' ? 'WSAQUERYSETW' : 'WSAQUERYSETA';
  const layout = layoutOf(name, options.arch);
  const ctx = new Walk(space, options);
  const captured = space.mappedLength(at, layout.size);
  // Without its first bytes there is nothing to annotate: this throws the reader's own error.
  if (captured === 0) space.read(at, layout.size);
  if (captured < layout.size) {
    let why = '';
    try {
      space.read(at, layout.size);
    } catch (e) {
      if (e instanceof MemoryError) why = ` (${e.detail})`;
      else throw e;
    }
    options.warn?.(
      `${name} at ${formatAddress(at)}: only its first ${captured} of ${layout.size} bytes are captured${why}; the members after them are shown as ??`,
    );
    ctx.section(name, at, { kind: 'struct', layout, count: 1, captured });
  } else {
    ctx.section(name, at, { kind: 'struct', layout, count: 1 });
  }
  return `${ctx.lines.join('\n')}\n`;
}

class Walk {
  readonly lines: string[] = [];
  private readonly queue: Pending[] = [];
  private readonly seen = new Set<string>();
  private readonly maxElements: number;
  private readonly maxBytes: number;

  constructor(
    private readonly space: AddressSpace,
    private readonly options: AnnotateOptions,
  ) {
    this.maxElements = options.maxElements ?? 64;
    this.maxBytes = options.maxBytes ?? 4096;
  }

  section(label: string, address: number, pointee: Pointee): void {
    this.emit({ label, address, pointee });
    while (this.queue.length > 0) {
      this.lines.push('');
      this.emit(this.queue.shift()!);
    }
  }

  private emit({ label, address, pointee }: Pending): void {
    const key = `${address}:${pointee.kind}:${pointee.kind === 'struct' ? pointee.layout.name : ''}`;
    if (this.seen.has(key)) {
      this.lines.push(`${label} at ${formatAddress(address)}: shown above`);
      return;
    }
    this.seen.add(key);
    try {
      switch (pointee.kind) {
        case 'struct':
          this.structs(label, address, pointee.layout, pointee.count, pointee.array ?? false, pointee.captured);
          return;
        case 'string':
          this.string(label, address, pointee.unit);
          return;
        case 'bytes':
          this.bytes(label, address, pointee.length, 'BYTE');
          return;
        case 'sockaddr':
          this.sockaddr(label, address, pointee.length);
          return;
      }
    } catch (e) {
      if (!(e instanceof MemoryError)) throw e;
      this.lines.push(`${label} at ${formatAddress(address)}: not in the captured memory (${e.detail})`);
    }
  }

  /** ` — heap 0x340000` after a section header, when the caller can say where the address is. */
  private whereSuffix(address: number): string {
    const where = this.options.where?.(address);
    return where ? ` — ${where}` : '';
  }

  private structs(
    label: string,
    address: number,
    layout: StructLayout,
    count: number,
    array: boolean,
    captured?: number,
  ): void {
    const shown = Math.min(count, this.maxElements);
    const type = array ? `${layout.name}[${count}]` : layout.name;
    const all = this.space.read(address, captured ?? shown * layout.size);
    const partly = captured === undefined ? '' : `, ${captured} captured`;
    this.lines.push(
      `${label} at ${formatAddress(address)} (${label === type ? '' : `${type}, `}${this.options.arch}, ${count * layout.size} bytes${partly})${this.whereSuffix(address)}`,
    );
    if (captured !== undefined) {
      this.members(layout, address, label === layout.name ? '' : label, '   ', 0, captured);
      return;
    }
    if (ATOMIC.has(layout.name)) {
      for (let i = 0; i < shown; i++)
        this.lines.push(
          column(
            `   ${array ? `[${i}] ` : ''}${atomicValue(layout.name, all.subarray(i * layout.size, (i + 1) * layout.size))}`,
            all.subarray(i * layout.size, (i + 1) * layout.size),
          ),
        );
      return;
    }
    for (let i = 0; i < shown; i++) {
      const base = address + i * layout.size;
      const path = array ? `${label}[${i}]` : label === layout.name ? '' : label;
      if (array) this.lines.push(`   [${i}] @ ${formatAddress(base)}`);
      this.members(layout, base, path, array ? '      ' : '   ', 0);
    }
    if (shown < count) this.lines.push(`   … ${count - shown} more elements not shown`);
  }

  /** `captured`: how many of the struct's bytes the capture holds; members beyond them are `??`, as WinDbg shows them. */
  private members(
    layout: StructLayout,
    base: number,
    path: string,
    indent: string,
    depth: number,
    captured = layout.size,
  ): void {
    const bytes = this.space.read(base, Math.min(captured, layout.size));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const width = Math.max(...layout.fields.map((f) => f.name.length));
    let end = 0;
    for (const field of layout.fields) {
      if (layout.kind === 'struct' && field.offset > end) this.hole(indent, end, field.offset - end, bytes, width);
      end = Math.max(end, field.offset + field.size);
      const head = `${indent}+0x${field.offset.toString(16).padStart(3, '0')} ${field.name.padEnd(width)} : `;
      const raw = bytes.subarray(field.offset, field.offset + field.size);
      const t = field.resolved;
      if (t.kind === 'aggregate' && !ATOMIC.has(t.name) && depth < 4 && field.offset < bytes.length) {
        this.lines.push(`${head}${t.name}`);
        this.members(
          t.layout,
          base + field.offset,
          join(path, field.name),
          `${indent}   `,
          depth + 1,
          bytes.length - field.offset,
        );
        continue;
      }
      if (raw.length < field.size) {
        this.lines.push(column(`${head}?? (not captured)`, raw, field.size));
        continue;
      }
      this.lines.push(column(`${head}${this.value(field, view, layout, path)}`, raw));
    }
    if (layout.kind === 'struct' && layout.size > end) this.hole(indent, end, layout.size - end, bytes, width);
  }

  private hole(indent: string, offset: number, length: number, bytes: Uint8Array, width: number): void {
    this.lines.push(
      column(
        `${indent}+0x${offset.toString(16).padStart(3, '0')} ${'(padding)'.padEnd(width)}   `,
        bytes.subarray(offset, offset + length),
        length,
      ),
    );
  }

  /** A member's value as dt shows it, queueing what a pointer member points to. */
  private value(field: FieldLayout, view: DataView, layout: StructLayout, path: string): string {
    const t = field.resolved;
    const o = field.offset;
    switch (t.kind) {
      case 'int': {
        let v = readInt(view, o, t.size, t.signed);
        if (field.def.bits !== undefined)
          v = Number((BigInt(v) >> BigInt(field.bitOffset ?? 0)) & ((1n << BigInt(field.def.bits)) - 1n));
        return describeInt(field.name, v, t.size);
      }
      case 'pointer': {
        const p = this.options.arch === 'x86' ? view.getUint32(o, true) : Number(view.getBigUint64(o, true));
        const text = pointerText(p, this.options.arch);
        if (p === 0) return `${text} (NULL)`;
        const pointee = this.pointee(field, t, view, layout);
        if (pointee) this.queue.push({ label: join(path, field.name), address: p, pointee });
        const where = this.options.where?.(p);
        return where ? `${text} → ${where}` : text;
      }
      case 'array': {
        const text =
          t.element.size === 1 ? trimZeros(new Uint8Array(view.buffer, view.byteOffset + o, t.size)) : undefined;
        // Text only when it is text (sa_data often is not): otherwise the bytes column says it all.
        return text?.every((b) => b >= 0x20 && b < 0x7f)
          ? `[${t.length}] ${JSON.stringify(String.fromCharCode(...text))}`
          : `[${t.length}] ${t.element.name}`;
      }
      case 'aggregate':
        return atomicValue(t.name, new Uint8Array(view.buffer, view.byteOffset + o, t.size));
    }
  }

  private pointee(
    field: FieldLayout,
    t: Extract<ResolvedType, { kind: 'pointer' }>,
    view: DataView,
    layout: StructLayout,
  ): Pointee | undefined {
    if (t.string) return { kind: 'string', unit: t.string === 'utf16' ? 2 : 1 };
    const sibling = (name: string) => {
      const f = layout.field(name);
      return readInt(view, f.offset, f.size as 1 | 2 | 4 | 8, f.resolved.kind === 'int' && f.resolved.signed);
    };
    const target = t.target;
    if (field.def.count) {
      if (target?.kind !== 'aggregate') return undefined;
      const count = sibling(field.def.count);
      return count > 0 ? { kind: 'struct', layout: target.layout, count, array: true } : undefined;
    }
    if (field.def.bytes) {
      const length = sibling(field.def.bytes);
      if (length <= 0) return undefined;
      return target?.kind === 'aggregate' && target.name === 'SOCKADDR'
        ? { kind: 'sockaddr', length }
        : { kind: 'bytes', length };
    }
    if (target?.kind === 'aggregate') return { kind: 'struct', layout: target.layout, count: 1 };
    return undefined;
  }

  private string(label: string, address: number, unit: 1 | 2): void {
    const max = Math.floor(this.maxBytes / unit);
    const mapped = this.space.mappedLength(address, (max + 1) * unit);
    if (mapped < unit) throw new MemoryError(BigInt(address), unit);
    const bytes = this.space.read(address, mapped - (mapped % unit));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const units: number[] = [];
    let terminated = false;
    for (let i = 0; i + unit <= bytes.length; i += unit) {
      const u = unit === 2 ? view.getUint16(i, true) : view.getUint8(i);
      if (u === 0) {
        terminated = true;
        break;
      }
      units.push(u);
    }
    const length = (units.length + (terminated ? 1 : 0)) * unit;
    const type = `${unit === 2 ? 'WCHAR' : 'CHAR'}[${units.length + (terminated ? 1 : 0)}]`;
    const text = JSON.stringify(String.fromCharCode(...units));
    this.lines.push(
      `${label} at ${formatAddress(address)} (${type}, ${length} bytes): ${text}${terminated ? '' : ` — no terminating NUL within ${bytes.length} bytes`}${this.whereSuffix(address)}`,
    );
    this.hexRows(address, bytes.subarray(0, length));
  }

  private bytes(label: string, address: number, length: number, element: string): void {
    const shown = Math.min(length, this.maxBytes);
    const bytes = this.space.read(address, shown);
    this.lines.push(
      `${label} at ${formatAddress(address)} (${element}[${length}], ${length} bytes)${this.whereSuffix(address)}`,
    );
    this.hexRows(address, bytes);
    if (shown < length) this.lines.push(`   … ${length - shown} more bytes not shown`);
  }

  private sockaddr(label: string, address: number, length: number): void {
    const family = this.space.read(address, Math.min(2, length));
    const af = family.length === 2 ? family[0]! | (family[1]! << 8) : -1;
    const name = sockaddrStructOf(af);
    const layout = layoutOf(name, this.options.arch);
    if (length < layout.size) {
      this.bytes(label, address, length, `BYTE /* ${AF_NAMES.get(af) ?? `family ${af}`}, shorter than ${name} */`);
      return;
    }
    this.space.read(address, length);
    this.lines.push(
      `${label} at ${formatAddress(address)} (${name}, iSockaddrLength ${length})${this.whereSuffix(address)}`,
    );
    this.members(layout, address, '', '   ', 0);
    if (length > layout.size) {
      this.lines.push(`   ${length - layout.size} bytes after ${name}:`);
      this.hexRows(
        address + layout.size,
        this.space.read(address + layout.size, Math.min(length - layout.size, this.maxBytes)),
      );
    }
  }

  private hexRows(address: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i += 16) {
      const row = bytes.subarray(i, i + 16);
      const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
      const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
      this.lines.push(`   ${formatAddress(address + i).padEnd(14)}  ${hex.padEnd(47)}  ${ascii}`);
    }
  }
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function readInt(view: DataView, o: number, size: 1 | 2 | 4 | 8, signed: boolean): number {
  switch (size) {
    case 1:
      return signed ? view.getInt8(o) : view.getUint8(o);
    case 2:
      return signed ? view.getInt16(o, true) : view.getUint16(o, true);
    case 4:
      return signed ? view.getInt32(o, true) : view.getUint32(o, true);
    case 8:
      return Number(signed ? view.getBigInt64(o, true) : view.getBigUint64(o, true));
  }
}

function describeInt(name: string, v: number, size: number): string {
  const hex = v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
  let note = `${hex} (${v})`;
  if (/family$/i.test(name) && AF_NAMES.has(v)) note += ` ${AF_NAMES.get(v)}`;
  if (name === 'dwNameSpace' && NS_NAMES.has(v)) note += ` ${NS_NAMES.get(v)}`;
  if ((name === 'sin_port' || name === 'sin6_port') && size === 2)
    note += ` port ${((v & 0xff) << 8) | (v >> 8)} (network order)`;
  return note;
}

function pointerText(p: number, arch: Arch): string {
  if (arch === 'x86') return `0x${p.toString(16).padStart(8, '0')}`;
  const hex = p.toString(16).padStart(16, '0');
  return `0x${hex.slice(0, 8)}\`${hex.slice(8)}`;
}

function trimZeros(bytes: Uint8Array): number[] {
  let n = bytes.length;
  while (n > 0 && bytes[n - 1] === 0) n--;
  return [...bytes.subarray(0, n)];
}

function atomicValue(name: string, bytes: Uint8Array): string {
  switch (name) {
    case 'GUID':
      return guidFromBytes(bytes);
    case 'IN_ADDR':
      return [...bytes].join('.');
    case 'IN6_ADDR': {
      // RFC 5952: the longest run of two or more zero groups becomes '::'.
      const words: number[] = [];
      for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
      let best = -1;
      let bestLength = 1;
      for (let i = 0; i < 8; ) {
        let j = i;
        while (j < 8 && words[j] === 0) j++;
        if (j - i > bestLength) {
          best = i;
          bestLength = j - i;
        }
        i = j === i ? i + 1 : j;
      }
      const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
      return best < 0 ? hex(words) : `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLength))}`;
    }
    default:
      return name;
  }
}

/** The value column, then the member's bytes; `size` past what `raw` holds shows as `??` (not captured). */
function column(left: string, raw: Uint8Array, size = raw.length): string {
  const cells = [...raw.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0'));
  while (cells.length < Math.min(size, 16)) cells.push('??');
  return `${left.padEnd(VALUE_COLUMN)}  ${cells.join(' ')}${size > 16 ? ' …' : ''}`;
}
