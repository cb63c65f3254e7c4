import * as r from 'restructure';
import type { Arch } from '../abi/types.js';
import type { QuerySetJson, ServiceClassInfoJson } from '../codec/canonical.js';
import { type FieldPlan, planOf, type StructPlan } from '../codec/plan.js';

/**
 * restructure schemas generated from rnrkit's schema table, for the
 * structures the codec handles, that decode AND encode canonical JSON
 * through real pointers. They exist as an independent oracle (differential
 * tests) and as the benchmark baseline; people who already use restructure
 * can compose them.
 *
 * restructure lacks three things these structures need, built here as
 * restructure-compatible types (anything with decode/size/encode composes):
 * - 64-bit integers: UInt64LE, exact below 2^53;
 * - absolute pointers: captured memory holds addresses, restructure holds
 *   offsets. BaseRelativePointer stores `base + offset` and reads back
 *   `address - base`, used as the offset type of r.Pointer({type:'global'});
 * - NUL-terminated code-unit strings: r.String decodes through TextDecoder,
 *   which replaces a lone surrogate (W) and remaps bytes 0x80–0x9F (A).
 *
 * r.Pointer also leaves an empty string's terminator out of the size it
 * allocates for: GlobalPointer counts it.
 *
 * restructure does not align the pointer tail: it lays each pointee right
 * after the previous one. Every pointee here is wrapped in Aligned8, which
 * pads it to a multiple of 8, and the root's fixed part is padded to 8 as
 * well, so every pointee starts 8-aligned (which satisfies every natural
 * alignment up to 8). restructure's tail order is breadth-first (all the
 * set's pointees, then theirs), rnrkit's is depth-first: the images differ
 * in layout, not in meaning, which is what the differential tests check.
 */

/**
 * Where the image starts, shared by the pointer types of one codec: set
 * `base` before each decode or encode (restructureCodecOf's codecs do).
 */
export interface ImageBase {
  /** The address of the image's first byte. */
  base: number;
}

const TWO_32 = 0x1_0000_0000;

/** restructure has no 64-bit integers: little-endian, exact below 2^53, RangeError beyond. */
export class UInt64LE implements r.RType {
  /** Always 8 bytes. */
  size(): number {
    return 8;
  }
  /** Reads 8 bytes; throws RangeError for a value of 2^53 or more. */
  decode(stream: r.DecodeStream): number {
    const lo = stream.readUInt32LE();
    const hi = stream.readUInt32LE();
    if (hi >= 0x200000)
      throw new RangeError(`64-bit value 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} is beyond 2^53`);
    return hi * TWO_32 + lo;
  }
  /** Writes a non-negative integer below 2^53 as 8 bytes. */
  encode(stream: r.EncodeStream, value: unknown): void {
    const v = value as number;
    stream.writeUInt32LE(v % TWO_32);
    stream.writeUInt32LE(Math.floor(v / TWO_32));
  }
}

/** A NULL pointer's offset: no real offset is -Infinity, and -Infinity === -Infinity. */
const NULL_OFFSET = -Infinity;

/** An address in memory as an offset from the image base (the offset type of a global r.Pointer). */
export class BaseRelativePointer implements r.RType {
  private readonly word: r.RType;
  constructor(
    readonly width: 4 | 8,
    private readonly image: ImageBase,
  ) {
    this.word = width === 4 ? r.uint32le : new UInt64LE();
  }
  /** The pointer width: 4 (x86) or 8 (x64) bytes. */
  size(): number {
    return this.width;
  }
  /** Reads an address and answers it as an offset from `image.base` (NULL as -Infinity). */
  decode(stream: r.DecodeStream): number {
    const address = this.word.decode(stream) as number;
    return address === 0 ? NULL_OFFSET : address - this.image.base;
  }
  /** Writes `image.base + offset` as an address (-Infinity as NULL). */
  encode(stream: r.EncodeStream, offset: unknown): void {
    this.word.encode(stream, offset === NULL_OFFSET ? 0 : (offset as number) + this.image.base);
  }
}

/** A NUL-terminated string of 1- or 2-byte code units, kept exactly as U+0000–U+FFFF chars. */
export class CodeUnitString implements r.RType {
  constructor(readonly width: 1 | 2) {}
  /** Reads code units up to the NUL; throws RangeError when the buffer ends first. */
  decode(stream: r.DecodeStream): string {
    const { buffer } = stream;
    let s = '';
    for (;;) {
      if (stream.pos + this.width > stream.length) throw new RangeError(`unterminated string at offset ${stream.pos}`);
      const unit = this.width === 1 ? buffer[stream.pos]! : buffer[stream.pos]! | (buffer[stream.pos + 1]! << 8);
      stream.pos += this.width;
      if (unit === 0) return s;
      s += String.fromCharCode(unit);
    }
  }
  /** The string's code units plus the terminator, in bytes. */
  size(value: unknown): number {
    return ((value as string).length + 1) * this.width;
  }
  /** Writes each char's low 8 (width 1) or 16 bits, then the NUL. */
  encode(stream: r.EncodeStream, value: unknown): void {
    const s = value as string;
    for (let i = 0; i < s.length; i++) {
      if (this.width === 1) stream.writeUInt8(s.charCodeAt(i));
      else stream.writeUInt16LE(s.charCodeAt(i));
    }
    if (this.width === 1) stream.writeUInt8(0);
    else stream.writeUInt16LE(0);
  }
}

/** Another type's value seen through a pair of conversions (bytes ↔ hex, GUID struct ↔ text). */
export class Mapped<Inner, Outer> implements r.RType {
  constructor(
    private readonly inner: r.RType,
    private readonly fromInner: (v: Inner) => Outer,
    private readonly toInner: (v: Outer) => Inner,
  ) {}
  /** The inner type's value, converted by `fromInner`. */
  decode(stream: r.DecodeStream, parent?: unknown): Outer {
    return this.fromInner(this.inner.decode(stream, parent) as Inner);
  }
  /** The inner type's size for the value converted back by `toInner`. */
  size(value?: unknown, parent?: unknown): number {
    return this.inner.size(value === undefined || value === null ? value : this.toInner(value as Outer), parent);
  }
  /** Converts the value by `toInner` and writes it as the inner type. */
  encode(stream: r.EncodeStream, value: unknown, parent?: unknown): void {
    this.inner.encode(stream, this.toInner(value as Outer), parent);
  }
}

/**
 * r.Pointer counts a pointee's size only when the value is truthy, so an
 * empty string — which still takes its terminator — would be written past
 * the end of the buffer restructure allocated. This counts every non-null
 * value (global pointers only, the one kind used here).
 */
export class GlobalPointer extends r.Pointer {
  /**
   * The pointer's own width; a non-null pointee's size (an empty string's
   * terminator included) is added to the root's pointer tail.
   */
  override size(value?: unknown, ctx?: unknown): number {
    let root = ctx as { parent?: unknown; pointerSize?: number } | undefined;
    while (root?.parent) root = root.parent as typeof root;
    if (value !== null && value !== undefined && root && this.type) {
      // Sizing the pointee adds its own pointees to root.pointerSize: read it after.
      const size = this.type.size(value, ctx);
      root.pointerSize = (root.pointerSize ?? 0) + size;
    }
    return this.offsetType.size();
  }
}

/** A pointee padded to a multiple of 8 bytes, so the next one starts aligned (see the module comment). */
export class Aligned8 implements r.RType {
  constructor(private readonly inner: r.RType) {}
  /** The inner type's value; the padding is not read (the next pointer says where the next pointee is). */
  decode(stream: r.DecodeStream, parent?: unknown): unknown {
    return this.inner.decode(stream, parent);
  }
  /** The inner type's size rounded up to a multiple of 8. */
  size(value?: unknown, parent?: unknown): number {
    return Math.ceil(this.inner.size(value, parent) / 8) * 8;
  }
  /** Writes the inner value, then zeros up to the next multiple of 8. */
  encode(stream: r.EncodeStream, value: unknown, parent?: unknown): void {
    const start = stream.pos;
    this.inner.encode(stream, value, parent);
    const padded = start + Math.ceil((stream.pos - start) / 8) * 8;
    if (padded > stream.pos) stream.fill(0, padded - stream.pos);
  }
}

const hexOf = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const bytesOf = (hex: string): Uint8Array =>
  Uint8Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));

interface GuidParts {
  Data1: number;
  Data2: number;
  Data3: number;
  Data4: number[];
}
const h = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');
const guidText = (g: GuidParts): string =>
  `{${h(g.Data1, 8)}-${h(g.Data2, 4)}-${h(g.Data3, 4)}-${g.Data4.slice(0, 2)
    .map((b) => h(b, 2))
    .join('')}-${g.Data4.slice(2)
    .map((b) => h(b, 2))
    .join('')}}`;
const guidParts = (text: string): GuidParts => {
  const x = text.replace(/[{}-]/g, '');
  return {
    Data1: parseInt(x.slice(0, 8), 16),
    Data2: parseInt(x.slice(8, 12), 16),
    Data3: parseInt(x.slice(12, 16), 16),
    Data4: Array.from({ length: 8 }, (_, i) => parseInt(x.slice(16 + i * 2, 18 + i * 2), 16)),
  };
};

const INTS: Record<string, r.RType> = {
  u1: r.uint8,
  i1: r.int8,
  u2: r.uint16le,
  i2: r.int16le,
  u4: r.uint32le,
  i4: r.int32le,
};

/**
 * A pointer's `relativeTo`: restructure makes global pointers relative to
 * the root struct's start; rnrkit's images make them relative to the image
 * base (BaseRelativePointer), so the root's start is taken back out. When
 * encoding, restructure hands over the value being encoded, which has no
 * parent chain, and the result is 0 as it should be.
 */
function fromImageStart(ctx: unknown): number {
  let c = ctx as { parent?: unknown; _startOffset?: number } | undefined;
  while (c?.parent) c = c.parent as typeof c;
  return -(c?._startOffset ?? 0);
}

/** One schema per (struct, arch), with the base it is used at held in `image`. */
function buildStruct(plan: StructPlan, image: ImageBase, root: boolean): r.Struct {
  const fields: Record<string, r.RType> = {};
  let cursor = 0;
  let pad = 0;
  const padTo = (offset: number) => {
    if (offset > cursor) fields[`__pad${pad++}`] = new r.Reserved(r.uint8, offset - cursor);
    cursor = offset;
  };
  for (const f of plan.fields) {
    padTo(f.offset);
    fields[f.name] = fieldType(plan, f, image);
    cursor += fieldSize(plan, f);
  }
  // Trailing padding; the root's fixed part also to a multiple of 8 so its
  // pointees start aligned.
  padTo(root ? Math.ceil(plan.size / 8) * 8 : plan.size);
  return new r.Struct(fields);
}

function fieldSize(plan: StructPlan, f: FieldPlan): number {
  if (f.kind === 'int') return f.size;
  if (f.kind === 'inline') return f.struct.size;
  return plan.pointerSize;
}

function fieldType(plan: StructPlan, f: FieldPlan, image: ImageBase): r.RType {
  const pointer = (target: r.RType, lazy = false) =>
    new GlobalPointer(new BaseRelativePointer(plan.pointerSize, image), new Aligned8(target), {
      type: 'global',
      nullValue: NULL_OFFSET,
      relativeTo: fromImageStart,
      lazy,
    });
  switch (f.kind) {
    case 'int':
      return INTS[`${f.signed ? 'i' : 'u'}${f.size}`]!;
    case 'inline':
      return buildStruct(f.struct, image, false);
    case 'string':
      return pointer(new CodeUnitString(f.unit === 'utf16' ? 2 : 1));
    case 'guid':
      return pointer(
        new Mapped<GuidParts, string>(
          new r.Struct({ Data1: r.uint32le, Data2: r.uint16le, Data3: r.uint16le, Data4: new r.Array(r.uint8, 8) }),
          guidText,
          guidParts,
        ),
      );
    case 'bytes':
      // Lazy: the length member (iSockaddrLength) follows the pointer, so
      // the bytes can only be read once the whole struct has been.
      return pointer(new Mapped<Uint8Array, string>(new r.Buffer(f.length.name), hexOf, bytesOf), true);
    case 'array':
      return pointer(new r.Array(buildStruct(f.struct, image, false), f.count.name));
    case 'object':
      return pointer(buildStruct(f.struct, image, false));
  }
}

/** A restructure codec for one root struct: decode from an image at `base`, encode to one. */
export interface RestructureCodec<T> {
  /** The generated restructure schema (its pointers are relative to `image.base`). */
  readonly schema: r.Struct;
  /**
   * The canonical JSON of the struct at address `at` in `image`, whose first
   * byte is at address `base`.
   */
  decode(image: Uint8Array, base: number, at: number): T;
  /** A fresh image of `value` to be placed at address `base`: the struct first, then its pointees 8-aligned. */
  encode(value: T, base: number): Uint8Array;
}

/**
 * restructure decodes lazily-pointed members as getters and hangs hidden
 * bookkeeping on every object; canonical JSON is plain data in member order.
 */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = plain((value as Record<string, unknown>)[key]);
  return out;
}

const codecs = new Map<string, RestructureCodec<unknown>>();

/**
 * A restructure codec for `structName` on `arch`, generated from the schema
 * and cached: `decode(image, base, at)` and `encode(value, base)` follow the
 * struct's pointers as absolute addresses. For query sets and service class
 * info the struct name carries the charset (`WSAQUERYSETW`, `WSAQUERYSETA`).
 */
export function restructureCodecOf<T = QuerySetJson | ServiceClassInfoJson>(
  structName: string,
  arch: Arch,
): RestructureCodec<T> {
  const key = `${structName}:${arch}`;
  let codec = codecs.get(key);
  if (!codec) {
    const image: ImageBase = { base: 0 };
    const schema = buildStruct(planOf(structName, arch), image, true);
    codec = {
      schema,
      decode(bytes, base, at) {
        image.base = base;
        const stream = new r.DecodeStream(bytes);
        stream.pos = at - base;
        return plain(schema.decode(stream));
      },
      encode(value, base) {
        image.base = base;
        return schema.toBuffer(value);
      },
    };
    codecs.set(key, codec);
  }
  return codec as RestructureCodec<T>;
}
