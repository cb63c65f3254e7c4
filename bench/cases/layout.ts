import { layoutOf } from '../../src/abi/layout.js';
import type { BenchCase } from '../case.js';

/** Layouts are computed once and cached: a lookup must cost next to nothing. */
export const cases: BenchCase[] = [
  { name: 'layout/cached', unit: 'op', fn: () => layoutOf('WSAQUERYSETW', 'x64').size },
];
