import { describe, expect, it } from 'vitest';
import { layoutOf } from '../../src/abi/layout.js';
import type { Arch } from '../../src/abi/types.js';
import { UsageError } from '../../src/errors.js';
import { CsAddrArrayView } from '../../src/match/index.js';
import { RegionList } from '../../src/memory/index.js';

describe('an arch that is neither x86 nor x64', () => {
  it('is a UsageError from layoutOf, naming the arch', () => {
    expect(() => layoutOf('CSADDR_INFO', 'bogus' as Arch)).toThrow(UsageError);
    expect(() => layoutOf('CSADDR_INFO', 'bogus' as Arch)).toThrow(/arch "bogus" is not one of x86, x64/);
    // Not an inherited member of the cache object either.
    expect(() => layoutOf('CSADDR_INFO', 'toString' as Arch)).toThrow(UsageError);
  });

  it('is a UsageError from CsAddrArrayView', () => {
    const space = RegionList.flat(new Uint8Array(64), 0x1000);
    expect(() => new CsAddrArrayView(space, 0x1000, 1, 'arm64' as Arch)).toThrow(UsageError);
  });
});
