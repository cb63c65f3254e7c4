/**
 * The parts of restructure 3 and buffer-layout 1.2 the adapters use. Neither
 * package ships type declarations; these describe their documented APIs.
 */
declare module 'restructure' {
  export class DecodeStream {
    constructor(buffer: Uint8Array);
    buffer: Uint8Array;
    view: DataView;
    pos: number;
    length: number;
    readUInt8(): number;
    readUInt32LE(): number;
    readBuffer(length: number): Uint8Array;
  }
  export class EncodeStream {
    constructor(buffer: Uint8Array);
    buffer: Uint8Array;
    view: DataView;
    pos: number;
    writeUInt8(value: number): void;
    writeUInt16LE(value: number): void;
    writeUInt32LE(value: number): void;
    writeBuffer(buffer: Uint8Array): void;
    fill(value: number, length: number): void;
  }
  /** Anything with these three methods composes with restructure's types. */
  export interface RType {
    decode(stream: DecodeStream, parent?: unknown): unknown;
    size(value?: unknown, parent?: unknown): number;
    encode(stream: EncodeStream, value: unknown, parent?: unknown): void;
  }
  export class Base implements RType {
    /** Reads a value at the stream's position and advances it. */
    decode(stream: DecodeStream, parent?: unknown): unknown;
    /** The bytes `value` takes when encoded (with no value: the fixed size). */
    size(value?: unknown, parent?: unknown): number;
    /** Writes `value` at the stream's position and advances it. */
    encode(stream: EncodeStream, value: unknown, parent?: unknown): void;
    /** Decodes a value from the start of `buffer`. */
    fromBuffer(buffer: Uint8Array): unknown;
    /** Encodes `value` into a buffer of exactly its size. */
    toBuffer(value: unknown): Uint8Array;
  }
  export type Length = number | string | ((this: unknown, parent: unknown) => number) | RType;
  export class Struct extends Base {
    constructor(fields: Record<string, RType>);
  }
  export interface PointerOptions {
    type?: 'local' | 'immediate' | 'parent' | 'global';
    allowNull?: boolean;
    nullValue?: unknown;
    lazy?: boolean;
    relativeTo?: (ctx: unknown) => number;
  }
  export class Pointer extends Base {
    constructor(offsetType: RType, type: RType | 'void', options?: PointerOptions);
    offsetType: RType;
    type: RType | null;
    options: PointerOptions;
  }
  class ArrayT extends Base {
    constructor(type: RType, length?: Length, lengthType?: 'count' | 'bytes');
  }
  class BufferT extends Base {
    constructor(length?: Length);
  }

  export { ArrayT as Array, BufferT as Buffer };
  export class Reserved extends Base {
    constructor(type: RType, count?: number);
  }
  export const uint8: Base;
  export const uint16le: Base;
  export const uint32le: Base;
  export const int8: Base;
  export const int16le: Base;
  export const int32le: Base;
}

declare module 'buffer-layout' {
  export class Layout {
    readonly span: number;
    property?: string;
    decode(b: Uint8Array, offset?: number): unknown;
    encode(src: unknown, b: Uint8Array, offset?: number): number;
    getSpan(b?: Uint8Array, offset?: number): number;
  }
  export class Structure extends Layout {
    readonly fields: Layout[];
    offsetOf(property: string): number | undefined;
  }
  export function struct(fields: Layout[], property?: string, decodePrefixes?: boolean): Structure;
  export function seq(elementLayout: Layout, count: number, property?: string): Layout;
  export function blob(length: number, property?: string): Layout;
  export function u8(property?: string): Layout;
  export function u16(property?: string): Layout;
  export function u32(property?: string): Layout;
  export function s8(property?: string): Layout;
  export function s16(property?: string): Layout;
  export function s32(property?: string): Layout;
  export function nu64(property?: string): Layout;
  export function ns64(property?: string): Layout;
}
