import { AF } from '../../src/abi/constants.js';
import { type FieldLayout, layoutOf, type StructLayout } from '../../src/abi/layout.js';
import { readPointer } from '../../src/abi/pointer.js';
import { sockaddrStructOf } from '../../src/abi/sockaddr-structs.js';
import type { Arch } from '../../src/abi/types.js';
import type { Charset } from '../../src/codec/canonical.js';
import { formatAddress, InvalidDataError, MemoryError, RnrError } from '../../src/errors.js';
import type { AddressSpace } from '../../src/memory/address-space.js';

/**
 * The hex view's model: a query set and every block it points to, each
 * member placed at its offset with its name, C type and value, the way
 * `rnrkit annotate` prints them, but as data the page can colour and link.
 * Offsets and types come from layoutOf; pointees are found from the schema's
 * count / bytes annotations, so a set the codec rejects can still be looked
 * at: a block that cannot be read carries the reason instead of its bytes.
 */
export interface MemberSpan {
  /** Offset in the block. */
  readonly offset: number;
  readonly size: number;
  /** The member's path from the query set (`lpcsaBuffer[1].RemoteAddr.lpSockaddr`). */
  readonly path: string;
  readonly type: string;
  readonly value: string;
  /** For a non-NULL pointer: where it points. */
  readonly target?: number;
}

export interface Block {
  readonly address: number;
  readonly label: string;
  readonly type: string;
  /** The bytes shown (empty when the block could not be read). */
  readonly bytes: Uint8Array;
  readonly members: readonly MemberSpan[];
  /** Why the block could not be read, in the codec's words. */
  readonly error?: string;
}

export interface MapOptions {
  readonly arch: Arch;
  readonly charset: Charset;
  /** At most this many blocks (a hostile set cannot make the page draw forever). Default 96. */
  readonly maxBlocks?: number;
  /** Bytes shown per block. Default 4096. */
  readonly maxBytes?: number;
  /** Array elements shown per block. Default 64. */
  readonly maxElements?: number;
}

type Pointee =
  /** `array`: the pointer has a count sibling, so its elements are indexed even when there is one. */
  | { kind: 'struct'; layout: StructLayout; count: number; array?: boolean }
  | { kind: 'string'; unit: 1 | 2 }
  | { kind: 'bytes'; length: number }
  | { kind: 'sockaddr'; length: number };

interface Pending {
  readonly label: string;
  readonly address: number;
  readonly pointee: Pointee;
}

const AF_NAMES = new Map<number, string>(Object.entries(AF).map(([k, v]) => [v, k]));

export function mapQuerySet(space: AddressSpace, at: number, options: MapOptions): Block[] {
  const layout = layoutOf(options.charset === 'W' ? 'WSAQUERYSETW' : 'WSAQUERYSETA', options.arch);
  const maxBlocks = options.maxBlocks ?? 96;
  const maxBytes = options.maxBytes ?? 4096;
  const maxElements = options.maxElements ?? 64;
  const blocks: Block[] = [];
  const queue: Pending[] = [{ label: layout.name, address: at, pointee: { kind: 'struct', layout, count: 1 } }];
  const seen = new Set<string>();

  const structMembers = (
    s: StructLayout,
    bytes: Uint8Array,
    blockOffset: number,
    path: string,
    out: MemberSpan[],
    depth: number,
  ): void => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let end = 0;
    for (const field of s.fields) {
      // A union's later alternatives (sin6_scope_id / sin6_scope_struct) cover bytes already labelled: the first one names them.
      if (field.offset < end) continue;
      end = field.offset + field.size;
      const o = blockOffset + field.offset;
      const fieldPath = path ? `${path}.${field.name}` : field.name;
      const t = field.resolved;
      if (t.kind === 'aggregate' && depth < 4 && t.name !== 'GUID' && t.name !== 'IN_ADDR' && t.name !== 'IN6_ADDR') {
        structMembers(t.layout, bytes, o, fieldPath, out, depth + 1);
        continue;
      }
      if (o + field.size > bytes.length) break;
      if (t.kind === 'pointer') {
        let p: number;
        try {
          p = readPointer(view, o, options.arch);
        } catch (e) {
          out.push({ offset: o, size: field.size, path: fieldPath, type: field.type, value: (e as Error).message });
          continue;
        }
        const pointee = p === 0 ? undefined : pointeeOf(field, s, view, blockOffset);
        if (pointee) queue.push({ label: fieldPath, address: p, pointee });
        out.push({
          offset: o,
          size: field.size,
          path: fieldPath,
          type: field.type,
          value: p === 0 ? 'NULL' : formatAddress(p),
          ...(p !== 0 ? { target: p } : {}),
        });
        continue;
      }
      out.push({
        offset: o,
        size: field.size,
        path: fieldPath,
        type: field.type,
        value: fieldValueText(field, view, o),
      });
    }
  };

  const pointeeOf = (field: FieldLayout, s: StructLayout, view: DataView, blockOffset: number): Pointee | undefined => {
    const t = field.resolved;
    if (t.kind !== 'pointer') return undefined;
    if (t.string) return { kind: 'string', unit: t.string === 'utf16' ? 2 : 1 };
    const sibling = (name: string) => {
      const f = s.field(name);
      return f.size === 8
        ? Number(view.getBigInt64(blockOffset + f.offset, true))
        : view.getInt32(blockOffset + f.offset, true);
    };
    if (field.def.count) {
      const count = sibling(field.def.count);
      return t.target?.kind === 'aggregate' && count > 0
        ? { kind: 'struct', layout: t.target.layout, count, array: true }
        : undefined;
    }
    if (field.def.bytes) {
      const length = sibling(field.def.bytes);
      if (length <= 0) return undefined;
      return t.target?.kind === 'aggregate' && t.target.name === 'SOCKADDR'
        ? { kind: 'sockaddr', length }
        : { kind: 'bytes', length };
    }
    return t.target?.kind === 'aggregate' ? { kind: 'struct', layout: t.target.layout, count: 1 } : undefined;
  };

  while (queue.length > 0 && blocks.length < maxBlocks) {
    const { label, address, pointee } = queue.shift()!;
    const key = `${address}:${pointee.kind}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const members: MemberSpan[] = [];
    try {
      switch (pointee.kind) {
        case 'struct': {
          const shown = Math.min(pointee.count, maxElements);
          const bytes = space.read(address, shown * pointee.layout.size);
          const root = blocks.length === 0;
          for (let i = 0; i < shown; i++) {
            structMembers(
              pointee.layout,
              bytes,
              i * pointee.layout.size,
              root ? '' : pointee.array ? `${label}[${i}]` : label,
              members,
              0,
            );
          }
          const type = pointee.array ? `${pointee.layout.name}[${pointee.count}]` : pointee.layout.name;
          blocks.push({
            address,
            label,
            type,
            bytes,
            members: pointee.layout.name === 'GUID' ? guidMember(label, bytes) : members,
          });
          break;
        }
        case 'string': {
          const unit = pointee.unit;
          const mapped = space.mappedLength(address, maxBytes + unit);
          if (mapped < unit) throw new MemoryError(BigInt(address), unit);
          const bytes = space.read(address, mapped - (mapped % unit));
          let units = 0;
          let terminated = false;
          for (let i = 0; i + unit <= bytes.length; i += unit, units++) {
            if ((unit === 2 ? bytes[i]! | (bytes[i + 1]! << 8) : bytes[i]!) === 0) {
              terminated = true;
              break;
            }
          }
          const length = (units + (terminated ? 1 : 0)) * unit;
          const type = `${unit === 2 ? 'WCHAR' : 'CHAR'}[${units + (terminated ? 1 : 0)}]`;
          const shown = bytes.subarray(0, length);
          const text =
            unit === 2
              ? String.fromCharCode(...new Uint16Array(shown.slice(0, units * 2).buffer))
              : String.fromCharCode(...shown.subarray(0, units));
          members.push({
            offset: 0,
            size: length,
            path: label,
            type,
            value: JSON.stringify(text) + (terminated ? '' : ` (no terminating NUL within ${bytes.length} bytes)`),
          });
          blocks.push({ address, label, type, bytes: shown, members });
          break;
        }
        case 'bytes': {
          const bytes = space.read(address, Math.min(pointee.length, maxBytes));
          members.push({
            offset: 0,
            size: bytes.length,
            path: label,
            type: `BYTE[${pointee.length}]`,
            value: `${pointee.length} bytes`,
          });
          blocks.push({ address, label, type: `BYTE[${pointee.length}]`, bytes, members });
          break;
        }
        case 'sockaddr': {
          const bytes = space.read(address, Math.min(pointee.length, maxBytes));
          const family = bytes.length >= 2 ? bytes[0]! | (bytes[1]! << 8) : -1;
          const name = sockaddrStructOf(family);
          const layout = layoutOf(name, options.arch);
          if (bytes.length >= layout.size) structMembers(layout, bytes, 0, label, members, 0);
          else
            members.push({
              offset: 0,
              size: bytes.length,
              path: label,
              type: `BYTE[${pointee.length}]`,
              value: `${AF_NAMES.get(family) ?? `family ${family}`}, shorter than ${name}`,
            });
          blocks.push({ address, label, type: `${name} (iSockaddrLength ${pointee.length})`, bytes, members });
          break;
        }
      }
    } catch (e) {
      if (!(e instanceof RnrError)) throw e;
      blocks.push({
        address,
        label,
        type: pointee.kind === 'struct' ? pointee.layout.name : pointee.kind,
        bytes: new Uint8Array(0),
        members: [],
        error: e.message,
      });
    }
  }
  if (blocks[0]?.error) throw new InvalidDataError(blocks[0].error, blocks[0].label);
  return blocks;
}

function guidMember(label: string, bytes: Uint8Array): MemberSpan[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 16) return [];
  const hex = (from: number, to: number) =>
    [...bytes.subarray(from, to)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const text =
    `{${v.getUint32(0, true).toString(16).padStart(8, '0')}-${v.getUint16(4, true).toString(16).padStart(4, '0')}-${v.getUint16(6, true).toString(16).padStart(4, '0')}-${hex(8, 10)}-${hex(10, 16)}}`.toUpperCase();
  return [{ offset: 0, size: 16, path: label, type: 'GUID', value: text }];
}

function fieldValueText(field: FieldLayout, view: DataView, o: number): string {
  const t = field.resolved;
  if (t.kind === 'int') {
    let v: number;
    switch (t.size) {
      case 1:
        v = t.signed ? view.getInt8(o) : view.getUint8(o);
        break;
      case 2:
        v = t.signed ? view.getInt16(o, true) : view.getUint16(o, true);
        break;
      case 4:
        v = t.signed ? view.getInt32(o, true) : view.getUint32(o, true);
        break;
      default:
        v = Number(t.signed ? view.getBigInt64(o, true) : view.getBigUint64(o, true));
    }
    if (field.def.bits !== undefined)
      v = Number((BigInt(v) >> BigInt(field.bitOffset ?? 0)) & ((1n << BigInt(field.def.bits)) - 1n));
    const family = /family$/i.test(field.name) ? AF_NAMES.get(v) : undefined;
    if ((field.name === 'sin_port' || field.name === 'sin6_port') && t.size === 2)
      return `${((v & 0xff) << 8) | (v >> 8)} (network order)`;
    return `${v}${v < 0 || v > 9 ? ` (0x${(v >>> 0).toString(16)})` : ''}${family ? ` ${family}` : ''}`;
  }
  if (t.kind === 'aggregate' && t.name === 'IN_ADDR')
    return [...new Uint8Array(view.buffer, view.byteOffset + o, 4)].join('.');
  return `${field.size} bytes`;
}
