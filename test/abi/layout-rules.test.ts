import { describe, expect, it } from 'vitest';
import { layoutOf } from '../../src/abi/layout.js';

// The MSVC rules on cases the compilers have already confirmed, stated as
// rules so a regression in the engine says which rule broke.
describe('layout rules', () => {
  it('natural alignment inserts holes only on x64, where pointers are 8 bytes', () => {
    expect(layoutOf('WSAQUERYSETW', 'x86').field('lpBlob').offset).toBe(56);
    expect(layoutOf('WSAQUERYSETW', 'x64').field('lpszServiceInstanceName').offset).toBe(8);
  });
  it('#pragma pack(1) removes all padding, even before an 8-byte member', () => {
    const bth = layoutOf('SOCKADDR_BTH', 'x64');
    expect(bth.field('btAddr').offset).toBe(2);
    expect(bth.align).toBe(1);
  });
  it('an 8-byte integer is 8-aligned on x86 too (MSVC, unlike the SysV i386 ABI)', () => {
    expect(layoutOf('SOCKADDR_STORAGE', 'x86').field('__ss_align').offset).toBe(8);
    expect(layoutOf('SOCKADDR_STORAGE', 'x86').align).toBe(8);
  });
  it('anonymous union members share an offset; bit-fields share one unit', () => {
    const in6 = layoutOf('SOCKADDR_IN6', 'x64');
    expect(in6.field('sin6_scope_id').offset).toBe(in6.field('sin6_scope_struct').offset);
    const scope = layoutOf('SCOPE_ID', 'x86');
    expect([scope.field('Zone').bitOffset, scope.field('Level').bitOffset]).toEqual([0, 28]);
    expect(scope.size).toBe(4);
  });
  it('trailing padding rounds the size up to the alignment', () => {
    expect(layoutOf('SOCKET_ADDRESS', 'x64').size).toBe(16);
  });
});
