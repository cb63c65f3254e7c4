import { writeLatin1z, writeUtf16z } from './code-units.js';
import {
  checkAnsi,
  checkArray,
  checkGuid,
  checkHex,
  checkUtf16,
  fail,
  notInt,
  notObject,
  overLimit,
  tooLong,
  writeGuid,
} from './encode-helpers.js';
import { intKind, pointeeAlign, typeName } from './encode-rules.js';
import type { StructEncoder } from './encoder.js';
import { writeHex } from './hex.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './limits.js';
import type { FieldPlan, IntPlan, StructPlan } from './plan.js';
import { reachable } from './plan.js';

/**
 * The encoders of encoder.ts as closures over the plan, for where code
 * generation is not allowed (compile.ts): the same two passes, the same
 * checks in the same order, the same messages and the same bytes
 * (test/codec/closures.test.ts). Values are JSON from the caller, so they
 * are read as `any` exactly as the generated source reads them.
 */

// biome-ignore lint/suspicious/noExplicitAny: canonical JSON from the caller, checked here.
type Json = any;
type Sizer = (x: Json, cur: number) => number;
type Writer = (x: Json, o: number, cur: number) => number;

/** Whether an integer check rejects the value: the generated source's expressions, verbatim. */
const OUT_OF_RANGE: Record<string, (x: Json) => boolean> = {
  u8: (x) => (x & 0xff) !== x,
  i8: (x) => (x << 24) >> 24 !== x,
  u16: (x) => (x & 0xffff) !== x,
  i16: (x) => (x << 16) >> 16 !== x,
  u32: (x) => x >>> 0 !== x,
  i32: (x) => (x | 0) !== x,
};

export function encoderClosures(root: StructPlan): StructEncoder {
  // What the write pass writes into, set for the length of one write.
  let B: Uint8Array = new Uint8Array(0);
  let V: DataView = new DataView(B.buffer);
  let O = 0;
  let BASE = 0;
  // The limits of the size pass running now.
  let L: DecodeLimits = DEFAULT_DECODE_LIMITS;
  const sizers: Record<string, Sizer> = Object.create(null) as Record<string, Sizer>;
  const writers: Record<string, Writer> = Object.create(null) as Record<string, Writer>;

  for (const s of reachable(root)) {
    const sizeSteps = s.fields.map((f) => sizeStep(s, f));
    const writeSteps = s.fields.map((f) => writeStep(s, f));
    const names = s.fields.map((f) => f.name);
    const what = `a ${s.name} object`;
    const n = sizeSteps.length;
    sizers[s.name] = (x, cur) => {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) throw notObject(x, what);
      let f = 0;
      try {
        for (; f < n; f++) cur = sizeSteps[f]!(x, cur);
      } catch (e) {
        throw fail(e, names[f]!);
      }
      return cur;
    };
    writers[s.name] = (x, o, cur) => {
      for (let f = 0; f < n; f++) cur = writeSteps[f]!(x, o, cur);
      return cur;
    };
  }

  const rootSizer = sizers[root.name]!;
  const rootWriter = writers[root.name]!;
  return {
    align: root.align,
    size: (x, limits) => {
      L = limits;
      try {
        return rootSizer(x, root.size);
      } finally {
        L = DEFAULT_DECODE_LIMITS;
      }
    },
    write: (x, bytes, view, offset, base) => {
      B = bytes;
      V = view;
      O = offset;
      BASE = base;
      try {
        return rootWriter(x, offset, root.size);
      } finally {
        B = new Uint8Array(0);
        V = new DataView(B.buffer);
      }
    },
  };

  function aligner(f: FieldPlan): (cur: number) => number {
    const a = pointeeAlign(f);
    return a <= 1 ? (cur) => cur : (cur) => cur + ((a - (cur % a)) % a);
  }

  function sizeStep(s: StructPlan, f: FieldPlan): Sizer {
    const name = f.name;
    switch (f.kind) {
      case 'int': {
        const kind = intKind(f);
        const outOfRange = OUT_OF_RANGE[kind]!;
        const type = typeName(s, f);
        return (x, cur) => {
          const v = x[name];
          if (outOfRange(v)) throw notInt(v, kind, type);
          return cur;
        };
      }
      case 'inline': {
        const target = f.struct.name;
        return (x, cur) => sizers[target]!(x[name], cur);
      }
      default: {
        const align = aligner(f);
        const place = placeStep(f);
        return (x, cur) => {
          const v = x[name];
          if (v === null) return cur;
          return place(x, v, cur, align);
        };
      }
    }
  }

  /** Check a non-null pointer member's value, align, and move past it and what it points to. */
  function placeStep(
    f: Exclude<FieldPlan, { kind: 'int' } | { kind: 'inline' }>,
  ): (x: Json, v: Json, cur: number, align: (cur: number) => number) => number {
    switch (f.kind) {
      case 'string':
        if (f.unit === 'utf16') {
          return (_x, v, cur, align) => {
            checkUtf16(v);
            if (v.length > L.maxStringUnits) throw tooLong(v.length, L.maxStringUnits);
            return align(cur) + (v.length + 1) * 2;
          };
        }
        return (_x, v, cur, align) => {
          checkAnsi(v);
          if (v.length > L.maxStringUnits) throw tooLong(v.length, L.maxStringUnits);
          return align(cur) + (v.length + 1);
        };
      case 'guid':
        return (_x, v, cur, align) => {
          checkGuid(v);
          return align(cur) + 16;
        };
      case 'bytes': {
        const lengthName = f.length.name;
        const limitName = f.limit;
        return (x, v, cur, align) => {
          const length = x[lengthName];
          if (typeof length === 'number' && length > L[limitName])
            throw overLimit(length, lengthName, L[limitName], limitName);
          checkHex(v, length, lengthName);
          cur = align(cur);
          cur += x[lengthName];
          return cur;
        };
      }
      case 'array': {
        const countName = f.count.name;
        const size = f.struct.size;
        const element = f.struct.name;
        return (x, v, cur, align) => {
          checkArray(v, x[countName], countName);
          if (v.length > L.maxCount) throw overLimit(v.length, countName, L.maxCount, 'maxCount');
          cur = align(cur);
          cur += v.length * size;
          const sizer = sizers[element]!;
          let i = 0;
          try {
            for (; i < v.length; i++) cur = sizer(v[i], cur);
          } catch (e) {
            throw fail(e, `[${i}]`);
          }
          return cur;
        };
      }
      case 'object': {
        const size = f.struct.size;
        const target = f.struct.name;
        return (_x, v, cur, align) => sizers[target]!(v, align(cur) + size);
      }
    }
  }

  function writeStep(s: StructPlan, f: FieldPlan): Writer {
    const name = f.name;
    const at = f.offset;
    switch (f.kind) {
      case 'int':
        return intWriter(f);
      case 'inline': {
        const target = f.struct.name;
        return (x, o, cur) => writers[target]!(x[name], o + at, cur);
      }
      default: {
        const align = aligner(f);
        const pointer =
          s.pointerSize === 4
            ? (o: number, value: number) => V.setUint32(o + at, value, true)
            : (o: number, value: number) => {
                V.setUint32(o + at, value % 4294967296, true);
                V.setUint32(o + at + 4, (value / 4294967296) >>> 0, true);
              };
        const put = putStep(f);
        return (x, o, cur) => {
          const v = x[name];
          if (v === null) return cur;
          cur = align(cur);
          pointer(o, BASE + cur);
          return put(x, v, cur);
        };
      }
    }
  }

  function intWriter(f: IntPlan): Writer {
    const name = f.name;
    const at = f.offset;
    switch (f.size) {
      case 1:
        return f.signed
          ? (x, o, cur) => {
              V.setInt8(o + at, x[name]);
              return cur;
            }
          : (x, o, cur) => {
              V.setUint8(o + at, x[name]);
              return cur;
            };
      case 2:
        return f.signed
          ? (x, o, cur) => {
              V.setInt16(o + at, x[name], true);
              return cur;
            }
          : (x, o, cur) => {
              V.setUint16(o + at, x[name], true);
              return cur;
            };
      case 4:
        return f.signed
          ? (x, o, cur) => {
              V.setInt32(o + at, x[name], true);
              return cur;
            }
          : (x, o, cur) => {
              V.setUint32(o + at, x[name], true);
              return cur;
            };
    }
  }

  /** Write what a non-null pointer member points to at `cur` (already aligned); return the next free offset. */
  function putStep(
    f: Exclude<FieldPlan, { kind: 'int' } | { kind: 'inline' }>,
  ): (x: Json, v: Json, cur: number) => number {
    switch (f.kind) {
      case 'string':
        if (f.unit === 'utf16') {
          return (_x, v, cur) => {
            writeUtf16z(v, B, O + cur);
            return cur + (v.length + 1) * 2;
          };
        }
        return (_x, v, cur) => {
          writeLatin1z(v, B, O + cur);
          return cur + (v.length + 1);
        };
      case 'guid':
        return (_x, v, cur) => {
          writeGuid(v, B, O + cur);
          return cur + 16;
        };
      case 'bytes': {
        const lengthName = f.length.name;
        return (x, v, cur) => {
          writeHex(v, B, O + cur);
          return cur + x[lengthName];
        };
      }
      case 'array': {
        const size = f.struct.size;
        const element = f.struct.name;
        return (_x, v, cur) => {
          const start = cur;
          cur += v.length * size;
          const writer = writers[element]!;
          for (let i = 0; i < v.length; i++) cur = writer(v[i], O + start + i * size, cur);
          return cur;
        };
      }
      case 'object': {
        const size = f.struct.size;
        const target = f.struct.name;
        return (_x, v, cur) => writers[target]!(v, O + cur, cur + size);
      }
    }
  }
}
