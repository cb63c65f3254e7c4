import * as r from 'restructure';
import { describe, expect, it } from 'vitest';
import { BaseRelativePointer, CodeUnitString, UInt64LE } from '../../src/adapters/index.js';

describe('the restructure types rnrkit adds', () => {
  it('UInt64LE: exact below 2^53, a RangeError beyond', () => {
    const t = new UInt64LE();
    const bytes = new Uint8Array(16);
    const out = new r.EncodeStream(bytes);
    t.encode(out, 2 ** 53 - 1);
    t.encode(out, 0x1_2345_6789);
    const view = new DataView(bytes.buffer);
    expect(view.getBigUint64(0, true)).toBe(2n ** 53n - 1n);
    expect(view.getBigUint64(8, true)).toBe(0x1_2345_6789n);
    const back = new r.DecodeStream(bytes);
    expect(t.decode(back)).toBe(2 ** 53 - 1);
    expect(t.decode(back)).toBe(0x1_2345_6789);
    view.setBigUint64(0, 2n ** 53n, true);
    expect(() => t.decode(new r.DecodeStream(bytes))).toThrow(RangeError);
  });

  it('BaseRelativePointer: addresses in memory, offsets in restructure, 0 as NULL', () => {
    const image = { base: 0x7ff6_0000_0000 };
    const p = new BaseRelativePointer(8, image);
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, 0x7ff6_0000_0040n, true);
    const s = new r.DecodeStream(bytes);
    expect(p.decode(s)).toBe(0x40);
    expect(p.decode(s)).toBe(-Infinity);
  });

  it('CodeUnitString keeps lone surrogates and high bytes that r.String would change', () => {
    const w = new CodeUnitString(2);
    const text = 'a\ud800b\udfff';
    const bytes = new Uint8Array(w.size(text));
    w.encode(new r.EncodeStream(bytes), text);
    expect(w.decode(new r.DecodeStream(bytes))).toBe(text);
    const a = new CodeUnitString(1);
    const ansi = '\u0080\u009f\u00ff';
    const b = new Uint8Array(a.size(ansi));
    a.encode(new r.EncodeStream(b), ansi);
    expect(Array.from(b)).toEqual([0x80, 0x9f, 0xff, 0]);
    expect(a.decode(new r.DecodeStream(b))).toBe(ansi);
    expect(() => a.decode(new r.DecodeStream(Uint8Array.of(0x41)))).toThrow(/unterminated/);
  });
});
