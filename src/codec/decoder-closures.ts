import { formatAddress } from '../errors.js';
import type { DecodeContext } from './decode-context.js';
import type { DecoderVariant, StructDecoder } from './decoder.js';
import { type FieldPlan, type IntPlan, reachable, type StructPlan } from './plan.js';

/**
 * The decoders of decoder.ts as closures over the plan, for where code
 * generation is not allowed (compile.ts). Each step is the generated
 * source's, in the same order, with the same context calls and the same
 * error paths, so both ways give the same JSON (key order included), the
 * same `$unresolved` and the same errors (test/codec/closures.test.ts).
 */

type IntReader = (v: DataView, o: number) => number;
type PointerReader = (c: DecodeContext, v: DataView, o: number) => number;
/** What a non-NULL pointer member becomes, given the pointer `p` and the struct it sits in. */
type Pointee = (c: DecodeContext, p: number, v: DataView, o: number, path: string) => unknown;

export function intReader(f: IntPlan): IntReader {
  const at = f.offset;
  switch (f.size) {
    case 1:
      return f.signed ? (v, o) => v.getInt8(o + at) : (v, o) => v.getUint8(o + at);
    case 2:
      return f.signed ? (v, o) => v.getInt16(o + at, true) : (v, o) => v.getUint16(o + at, true);
    case 4:
      return f.signed ? (v, o) => v.getInt32(o + at, true) : (v, o) => v.getUint32(o + at, true);
  }
}

const INT = 0;
const INLINE = 1;
const POINTER = 2;

interface Step {
  readonly kind: typeof INT | typeof INLINE | typeof POINTER;
  readonly name: string;
  /** `$name`, the annotation after a pointer member. */
  readonly annotation: string;
  readonly offset: number;
  readonly int?: IntReader;
  readonly inline?: string;
  readonly pointer?: PointerReader;
  readonly pointee?: Pointee;
  /** A sockaddr's length, for `$sockaddr`. */
  readonly sockaddrLength?: IntReader;
}

export function decoderClosures(root: StructPlan, { annotate, lenient }: DecoderVariant): StructDecoder {
  const decoders: Record<string, StructDecoder> = Object.create(null) as Record<string, StructDecoder>;
  for (const s of reachable(root)) decoders[s.name] = structClosure(s);
  return decoders[root.name]!;

  function structClosure(s: StructPlan): StructDecoder {
    const steps = s.fields.map((f) => step(s, f));
    const names = s.fields.map((f) => f.name);
    const n = steps.length;

    const run = (
      c: DecodeContext,
      v: DataView,
      o: number,
      a: number,
      P: string,
      r: Record<string, unknown>,
      f: number,
    ): void => {
      const st = steps[f]!;
      if (st.kind === INT) {
        r[st.name] = st.int!(v, o);
        return;
      }
      if (st.kind === INLINE) {
        r[st.name] = decoders[st.inline!]!(c, v, o + st.offset, a + st.offset, lenient ? `${P}${st.name}.` : '');
        return;
      }
      let p = 0;
      let x: unknown = null;
      if (lenient) {
        try {
          p = st.pointer!(c, v, o);
          x = p === 0 ? null : st.pointee!(c, p, v, o, P);
        } catch (e) {
          c.lost(e, P + st.name);
        }
      } else {
        p = st.pointer!(c, v, o);
        x = p === 0 ? null : st.pointee!(c, p, v, o, P);
      }
      r[st.name] = x;
      if (annotate) {
        if (p !== 0) r[st.annotation] = formatAddress(p);
        if (st.sockaddrLength && x !== null) {
          const sa = c.sockaddr(p, st.sockaddrLength(v, o));
          if (sa !== undefined) r.$sockaddr = sa;
        }
      }
    };

    if (lenient) {
      return (c, v, o, a, P) => {
        const r: Record<string, unknown> = annotate ? { $at: formatAddress(a) } : {};
        for (let f = 0; f < n; f++) run(c, v, o, a, P, r, f);
        return r;
      };
    }
    return (c, v, o, a, P) => {
      const r: Record<string, unknown> = annotate ? { $at: formatAddress(a) } : {};
      let f = 0;
      try {
        for (; f < n; f++) run(c, v, o, a, P, r, f);
      } catch (e) {
        throw c.fail(e, names[f]!);
      }
      return r;
    };
  }

  function step(s: StructPlan, f: FieldPlan): Step {
    const base = { name: f.name, annotation: `$${f.name}`, offset: f.offset };
    if (f.kind === 'int') return { ...base, kind: INT, int: intReader(f) };
    if (f.kind === 'inline') return { ...base, kind: INLINE, inline: f.struct.name };
    const at = f.offset;
    const pointer: PointerReader =
      s.pointerSize === 4 ? (_c, v, o) => v.getUint32(o + at, true) : (c, v, o) => c.p64(v, o + at);
    return {
      ...base,
      kind: POINTER,
      pointer,
      pointee: pointee(f),
      ...(annotate && f.kind === 'bytes' && f.sockaddr ? { sockaddrLength: intReader(f.length) } : {}),
    };
  }

  function pointee(f: Exclude<FieldPlan, { kind: 'int' } | { kind: 'inline' }>): Pointee {
    switch (f.kind) {
      case 'string':
        return f.unit === 'utf16' ? (c, p) => c.w(p) : (c, p) => c.a(p);
      case 'guid':
        return (c, p) => c.guid(p);
      case 'bytes': {
        const length = intReader(f.length);
        const lengthName = f.length.name;
        const limit = f.limit;
        return (c, p, v, o) => c.hex(p, length(v, o), lengthName, c[limit], limit);
      }
      case 'array': {
        const count = intReader(f.count);
        const countName = f.count.name;
        const element = f.struct.name;
        const size = f.struct.size;
        const name = f.name;
        return (c, p, v, o, P) => {
          const n = count(v, o);
          const path = lenient ? P + name : '';
          const l = c.span(p, n, size, countName);
          const decode = decoders[element]!;
          const r: Record<string, unknown>[] = [];
          let i = 0;
          let at = l.offset;
          if (lenient) {
            for (; i < n; i++, at += size) r.push(decode(c, l.view, at, p + i * size, `${path}[${i}].`));
            return r;
          }
          try {
            for (; i < n; i++, at += size) r.push(decode(c, l.view, at, p + i * size, ''));
          } catch (e) {
            throw c.fail(e, `[${i}]`);
          }
          return r;
        };
      }
      case 'object': {
        const target = f.struct.name;
        const size = f.struct.size;
        const prefix = `${f.name}.`;
        return (c, p, _v, _o, P) => {
          const l = c.struct(p, size);
          return decoders[target]!(c, l.view, l.offset, p, lenient ? P + prefix : '');
        };
      }
    }
  }
}
