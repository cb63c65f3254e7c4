import { describe, expect, it } from 'vitest';
import { SOCKET_ERROR } from '../../src/abi/constants.js';
import type { Charset } from '../../src/codec/canonical.js';
import { encodeQuerySet } from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/region-list.js';
import { type OutParameter, ServiceLookup } from '../../src/service/index.js';
import { freshRegistry, querySet, tcp } from './helpers.js';
import { callerBuffer, LUP_RETURN_ALL, restrictions } from './lookup-helpers.js';

const WSAEINVAL = 10022;
const UNTOUCHED = 0x5151;

/** The restrictions laid out in memory as a WSAQUERYSETW or WSAQUERYSETA (x64), the way a caller passes them. */
function rawRestrictions(charset: Charset) {
  const base = 0x2_0000;
  const bytes = encodeQuerySet(restrictions({ lpszServiceInstanceName: 'Printer' }), { arch: 'x64', charset, base });
  return { space: new RegionList([{ base, bytes }]), at: base, arch: 'x64' as const, charset };
}

describe('the Winsock-shaped lookup calls fail as Winsock does: SOCKET_ERROR and the last error, never a throw', () => {
  const env = freshRegistry();
  const beginW = (l: ServiceLookup, source: Parameters<ServiceLookup['lookupServiceBeginW']>[0], h: OutParameter) =>
    l.lookupServiceBeginW(source, LUP_RETURN_ALL, h);
  const beginA = (l: ServiceLookup, source: Parameters<ServiceLookup['lookupServiceBeginA']>[0], h: OutParameter) =>
    l.lookupServiceBeginA(source, LUP_RETURN_ALL, h);

  it('a WSAQUERYSETA given to BeginW, or a WSAQUERYSETW to BeginA, is WSAEINVAL and opens nothing', () => {
    expect(env.registry.setService(querySet([tcp(1)], { lpszServiceInstanceName: 'Printer' }), 0, 0)).toBe(0);
    const l = new ServiceLookup(env.registry);
    const mismatches: [typeof beginW, Parameters<typeof beginW>[1]][] = [
      [beginW, rawRestrictions('A')],
      [beginA, rawRestrictions('W')],
      [beginW, { querySet: restrictions(), charset: 'A' }],
      [beginA, { querySet: restrictions(), charset: 'W' }],
    ];
    for (const [begin, source] of mismatches) {
      const h = { value: UNTOUCHED };
      env.registry.setLastError(0);
      expect(begin(l, source, h)).toBe(SOCKET_ERROR);
      expect(env.registry.getLastError()).toBe(WSAEINVAL);
      expect(h.value).toBe(UNTOUCHED);
    }
    expect(l.openLookups).toBe(0);
    // Each form takes its own struct, and a canonical set that names no charset is read as the form's.
    for (const [begin, source] of [
      [beginW, rawRestrictions('W')],
      [beginA, rawRestrictions('A')],
      [beginW, restrictions({ lpszServiceInstanceName: 'Printer' })],
      [beginA, { querySet: restrictions({ lpszServiceInstanceName: 'Printer' }) }],
    ] as [typeof beginW, Parameters<typeof beginW>[1]][]) {
      const h = { value: UNTOUCHED };
      expect(begin(l, source, h)).toBe(0);
      expect(l.next(h.value, LUP_RETURN_ALL).querySet.lpszServiceInstanceName).toBe('Printer');
      expect(l.lookupServiceEnd(h.value)).toBe(0);
    }
  });

  it('before WSAStartup a mismatched image is WSANOTINITIALISED, as every other call is', () => {
    const l = new ServiceLookup(env.registry);
    env.registry.cleanup();
    expect(beginW(l, rawRestrictions('A'), { value: 0 })).toBe(SOCKET_ERROR);
    expect(env.registry.getLastError()).toBe(10093);
  });

  it('a missing lphLookup or lpdwBufferLength is WSAEINVAL, and Begin opens nothing for it', async () => {
    const l = new ServiceLookup(env.registry);
    const missing = null as unknown as OutParameter;
    for (const begin of [l.lookupServiceBegin, l.lookupServiceBeginW, l.lookupServiceBeginA]) {
      env.registry.setLastError(0);
      expect(begin.call(l, { querySet: restrictions() }, LUP_RETURN_ALL, missing)).toBe(SOCKET_ERROR);
      expect(env.registry.getLastError()).toBe(WSAEINVAL);
    }
    expect(l.openLookups).toBe(0);
    const h = { value: 0 };
    expect(l.lookupServiceBegin(restrictions(), LUP_RETURN_ALL, h)).toBe(0);
    const at = 0x0060_0000;
    const buffer = callerBuffer(at, 256);
    const target = { memory: buffer.memory, at };
    for (const length of [missing, {} as OutParameter, { value: '256' } as unknown as OutParameter]) {
      for (const next of [l.lookupServiceNext, l.lookupServiceNextW, l.lookupServiceNextA]) {
        env.registry.setLastError(0);
        expect(next.call(l, h.value, LUP_RETURN_ALL, length, target)).toBe(SOCKET_ERROR);
        expect(env.registry.getLastError()).toBe(WSAEINVAL);
      }
      env.registry.setLastError(0);
      expect(await l.lookupServiceNextAsync(h.value, LUP_RETURN_ALL, length, target)).toBe(SOCKET_ERROR);
      expect(env.registry.getLastError()).toBe(WSAEINVAL);
    }
    // Nothing was written to the caller's buffer by any of them.
    expect(buffer.region.every((b) => b === 0xa5)).toBe(true);
    expect(l.lookupServiceEnd(h.value)).toBe(0);
  });
});
