import { describe, expect, it } from 'vitest';
import {
  COMP_EQUAL,
  COMP_NOTLESS,
  LUP,
  NS_DNS,
  SOCKET_ERROR,
  WSA_E_NO_MORE,
  WSAENOMORE,
} from '../../src/abi/constants.js';
import { decodeQuerySet } from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/region-list.js';
import {
  type AsyncLookupBackend,
  isNoMore,
  type OutParameter,
  PROVIDER_IDS,
  ServiceLookup,
  WinsockError,
} from '../../src/service/index.js';
import { CLASS_ID, freshRegistry, querySet, sockaddrIn, tcp, winsockError } from './helpers.js';
import { allResults, callerBuffer, LUP_RETURN_ALL, restrictions } from './lookup-helpers.js';

const {
  LUP_DEEP,
  LUP_CONTAINERS,
  LUP_NOCONTAINERS,
  LUP_RETURN_NAME,
  LUP_RETURN_TYPE,
  LUP_RETURN_VERSION,
  LUP_RETURN_COMMENT,
  LUP_RETURN_ADDR,
  LUP_RETURN_QUERY_STRING,
  LUP_FLUSHPREVIOUS,
  LUP_RES_SERVICE,
} = LUP;

function udp(host: number, port = 53) {
  return { ...tcp(host, port, 17), iSocketType: 2 };
}

describe('WSALookupServiceBegin/Next/End over the embedded store', () => {
  const env = freshRegistry();
  const lookup = () => new ServiceLookup(env.registry);
  const register = (name: string | null, addresses = [tcp(1)], overrides = {}) =>
    expect(env.registry.setService(querySet(addresses, { lpszServiceInstanceName: name, ...overrides }), 0, 0)).toBe(0);

  it('finds a registered object: every member LUP_RETURN_ALL asks for, then WSA_E_NO_MORE', () => {
    register('Printer', [tcp(1), tcp(2, 8080)], {
      lpszComment: 'second floor',
      lpVersion: { dwVersion: 3, ecHow: COMP_EQUAL },
    });
    const l = lookup();
    const h: OutParameter = { value: 0 };
    expect(l.lookupServiceBegin(restrictions({ lpszServiceInstanceName: 'printer' }), LUP_RETURN_ALL, h)).toBe(0);
    expect(h.value).not.toBe(0);
    const { querySet: result } = l.next(h.value, LUP_RETURN_ALL);
    // Clients connect to RemoteAddr: a registration's LocalAddr fills an empty one (LUP_RES_SERVICE unset).
    const client = [tcp(1), tcp(2, 8080)].map((e) => ({ ...e, RemoteAddr: e.LocalAddr }));
    expect(result).toEqual({
      dwSize: 120,
      lpszServiceInstanceName: 'Printer',
      lpServiceClassId: CLASS_ID,
      lpVersion: { dwVersion: 3, ecHow: COMP_EQUAL },
      lpszComment: 'second floor',
      dwNameSpace: 32,
      lpNSProviderId: PROVIDER_IDS.directory,
      lpszContext: null,
      dwNumberOfProtocols: 0,
      lpafpProtocols: null,
      lpszQueryString: null,
      dwNumberOfCsAddrs: 2,
      lpcsaBuffer: client,
      dwOutputFlags: 0,
      lpBlob: null,
    });
    const len = { value: 4096 };
    expect(l.lookupServiceNext(h.value, LUP_RETURN_ALL, len, null)).toBe(SOCKET_ERROR);
    expect(env.registry.getLastError()).toBe(WSA_E_NO_MORE);
    expect(isNoMore(WSA_E_NO_MORE) && isNoMore(WSAENOMORE) && !isNoMore(10108)).toBe(true);
    // Still the end on the next call.
    expect(winsockError(() => l.next(h.value, LUP_RETURN_ALL)).name).toBe('WSA_E_NO_MORE');
    expect(l.lookupServiceEnd(h.value)).toBe(0);
    expect(l.openLookups).toBe(0);
  });

  it('handles: an ended or unknown handle is WSA_INVALID_HANDLE; nothing works without WSAStartup', () => {
    register('Printer');
    const l = lookup();
    const h = l.begin(restrictions(), LUP_RETURN_ALL);
    l.end(h);
    expect(winsockError(() => l.next(h, 0)).name).toBe('WSA_INVALID_HANDLE');
    expect(l.lookupServiceEnd(h)).toBe(SOCKET_ERROR);
    expect(env.registry.getLastError()).toBe(6);
    expect(winsockError(() => l.end(12345)).name).toBe('WSA_INVALID_HANDLE');
    // The last WSACleanup ends open lookups: after a new WSAStartup their handles are gone.
    const open = l.begin(restrictions(), LUP_RETURN_ALL);
    env.registry.cleanup();
    expect(l.openLookups).toBe(0);
    expect(winsockError(() => l.begin(restrictions(), 0)).name).toBe('WSANOTINITIALISED');
    expect(winsockError(() => l.next(open, 0)).name).toBe('WSANOTINITIALISED');
    expect(winsockError(() => l.end(open)).name).toBe('WSANOTINITIALISED');
    env.registry.startup();
    expect(winsockError(() => l.next(open, 0)).name).toBe('WSA_INVALID_HANDLE');
  });

  it('no match is WSASERVICE_NOT_FOUND on Next; a scope without a lookup provider fails Begin', () => {
    register('Printer');
    const l = lookup();
    const h = l.begin(restrictions({ lpszServiceInstanceName: 'Scanner' }), LUP_RETURN_ALL);
    expect(winsockError(() => l.next(h, LUP_RETURN_ALL)).name).toBe('WSASERVICE_NOT_FOUND');
    l.end(h);
    expect(winsockError(() => l.begin(restrictions({ dwNameSpace: NS_DNS }), 0)).name).toBe('WSASERVICE_NOT_FOUND');
    expect(winsockError(() => l.begin(restrictions({ dwNameSpace: 99 }), 0)).name).toBe('WSASERVICE_NOT_FOUND');
    // NS_ALL: DNS, SAP and Bluetooth answer no lookups and are passed over.
    expect(allResults(l, restrictions({ dwNameSpace: 0 }))).toHaveLength(1);
    expect(allResults(l, restrictions({ dwNameSpace: 0, lpNSProviderId: PROVIDER_IDS.directory }))).toHaveLength(1);
  });

  it('validates every restriction as WSASetService would, naming the member', () => {
    const l = lookup();
    const cases: [Partial<Parameters<typeof restrictions>[0]>, number, string][] = [
      [{ dwSize: 60 }, 0, 'dwSize'],
      [{ lpServiceClassId: null }, 0, 'lpServiceClassId'],
      [{ lpVersion: { dwVersion: 1, ecHow: 2 } }, 0, 'lpVersion.ecHow'],
      [{ dwNumberOfProtocols: 2, lpafpProtocols: [{ iAddressFamily: 2, iProtocol: 6 }] }, 0, 'lpafpProtocols'],
      [{ dwNumberOfProtocols: 1, lpafpProtocols: null }, 0, 'lpafpProtocols'],
      [{ lpNSProviderId: '{00000000-0000-0000-0000-000000000001}' }, 0, 'lpNSProviderId'],
      [{}, 0x4000_0000, 'dwControlFlags'],
      [{}, LUP_CONTAINERS | LUP_NOCONTAINERS, 'dwControlFlags'],
    ];
    for (const [overrides, flags, path] of cases) {
      const e = winsockError(() => l.begin(restrictions(overrides), flags));
      expect([e.name, e.path], JSON.stringify(overrides)).toEqual(['WSAEINVAL', path]);
    }
    // Members ignored for queries are not looked at: an inconsistent address count does not matter.
    register('Printer');
    expect(
      allResults(l, restrictions({ dwNumberOfCsAddrs: 7, lpcsaBuffer: null, lpszComment: 'ignored' })),
    ).toHaveLength(1);
    expect(l.openLookups).toBe(0);
  });

  it('names: case-insensitive like object identity; NULL and * match every instance, in registration order', () => {
    for (const name of ['Printer', 'Scanner', 'straße']) register(name);
    register('Other', [tcp(9)], { lpServiceClassId: '{00000000-0000-0000-0000-0000000000AA}' });
    const l = lookup();
    const names = (qs: Parameters<typeof restrictions>[0]) =>
      allResults(l, restrictions(qs)).map((r) => r.lpszServiceInstanceName);
    expect(names({ lpszServiceInstanceName: 'PRINTER' })).toEqual(['Printer']);
    expect(names({ lpszServiceInstanceName: 'STRASSE' })).toEqual([]);
    expect(names({ lpszServiceInstanceName: 'STRAßE' })).toEqual(['straße']);
    expect(names({ lpszServiceInstanceName: '*' })).toEqual(['Printer', 'Scanner', 'straße']);
    expect(names({})).toEqual(['Printer', 'Scanner', 'straße']);
  });

  it('lpVersion: COMP_EQUAL matches exactly, COMP_NOTLESS not less; an object without a version matches neither', () => {
    register('v1', [tcp(1)], { lpVersion: { dwVersion: 1, ecHow: 0 } });
    register('v5', [tcp(1)], { lpVersion: { dwVersion: 5, ecHow: 0 } });
    register('none');
    const l = lookup();
    const names = (dwVersion: number, ecHow: number) =>
      allResults(l, restrictions({ lpVersion: { dwVersion, ecHow } })).map((r) => r.lpszServiceInstanceName);
    expect(names(5, COMP_EQUAL)).toEqual(['v5']);
    expect(names(2, COMP_EQUAL)).toEqual([]);
    expect(names(1, COMP_NOTLESS)).toEqual(['v1', 'v5']);
    expect(names(2, COMP_NOTLESS)).toEqual(['v5']);
  });

  it('lpszContext and LUP_DEEP: the starting level only, or it and everything beneath', () => {
    register('top');
    register('b1', [tcp(1)], { lpszContext: 'Building 1' });
    register('f2', [tcp(1)], { lpszContext: 'Building 1/Floor 2' });
    register('b10', [tcp(1)], { lpszContext: 'Building 10' });
    const l = lookup();
    const names = (context: string | null, flags: number) =>
      allResults(l, restrictions({ lpszContext: context }), flags).map((r) => r.lpszServiceInstanceName);
    expect(names(null, LUP_RETURN_ALL)).toEqual(['top']);
    expect(names(null, LUP_RETURN_ALL | LUP_DEEP)).toEqual(['top', 'b1', 'f2', 'b10']);
    expect(names('Building 1', LUP_RETURN_ALL)).toEqual(['b1']);
    expect(names('Building 1', LUP_RETURN_ALL | LUP_DEEP)).toEqual(['b1', 'f2']);
    expect(names('building 1', LUP_RETURN_ALL | LUP_DEEP)).toEqual([]);
    // The namespace has no containers: LUP_CONTAINERS finds nothing, LUP_NOCONTAINERS changes nothing.
    expect(names(null, LUP_RETURN_ALL | LUP_DEEP | LUP_CONTAINERS)).toEqual([]);
    expect(names(null, LUP_RETURN_ALL | LUP_DEEP | LUP_NOCONTAINERS)).toHaveLength(4);
    // The context comes back with the name.
    expect(allResults(l, restrictions({ lpszContext: 'Building 1/Floor 2' }))[0]!.lpszContext).toBe(
      'Building 1/Floor 2',
    );
  });

  it('lpafpProtocols: only objects using one of the protocols, with only those addresses', () => {
    register('both', [tcp(1), udp(2)]);
    register('tcp-only', [tcp(3)]);
    const l = lookup();
    const found = allResults(
      l,
      restrictions({ dwNumberOfProtocols: 1, lpafpProtocols: [{ iAddressFamily: 2, iProtocol: 17 }] }),
    );
    expect(found.map((r) => r.lpszServiceInstanceName)).toEqual(['both']);
    expect(found[0]!.lpcsaBuffer!.map((e) => e.iProtocol)).toEqual([17]);
    expect(
      allResults(l, restrictions({ dwNumberOfProtocols: 1, lpafpProtocols: [{ iAddressFamily: 23, iProtocol: 6 }] })),
    ).toEqual([]);
  });

  it('a DEREGISTERED object is still in the namespace: returned with no addresses, but uses no protocol', () => {
    register('Printer', [tcp(1)]);
    expect(env.registry.setService(querySet([], { lpszServiceInstanceName: 'Printer' }), 1, 0)).toBe(0);
    const l = lookup();
    const [result] = allResults(l, restrictions());
    expect([result!.dwNumberOfCsAddrs, result!.lpcsaBuffer]).toEqual([0, null]);
    expect(
      allResults(l, restrictions({ dwNumberOfProtocols: 1, lpafpProtocols: [{ iAddressFamily: 2, iProtocol: 6 }] })),
    ).toEqual([]);
  });

  it('LUP_RETURN_* fill only their members; Next narrows what Begin asked for and never widens it', () => {
    register('Printer', [tcp(1)], { lpszComment: 'c', lpVersion: { dwVersion: 2, ecHow: 0 } });
    const l = lookup();
    const only = (flags: number, nextFlags = flags) => {
      const r = allResults(l, restrictions({ lpszQueryString: 'q' }), flags, nextFlags)[0]!;
      return Object.entries(r)
        .filter(([k, v]) => v !== null && v !== 0 && !['dwSize', 'dwNameSpace', 'lpNSProviderId'].includes(k))
        .map(([k]) => k);
    };
    expect(only(LUP_RETURN_NAME)).toEqual(['lpszServiceInstanceName']);
    expect(only(LUP_RETURN_TYPE)).toEqual(['lpServiceClassId']);
    expect(only(LUP_RETURN_VERSION)).toEqual(['lpVersion']);
    expect(only(LUP_RETURN_COMMENT)).toEqual(['lpszComment']);
    expect(only(LUP_RETURN_ADDR)).toEqual(['dwNumberOfCsAddrs', 'lpcsaBuffer']);
    expect(only(LUP_RETURN_QUERY_STRING)).toEqual(['lpszQueryString']);
    expect(only(0)).toEqual([]);
    expect(only(LUP_RETURN_ALL, LUP_RETURN_NAME)).toEqual(['lpszServiceInstanceName']);
    expect(only(LUP_RETURN_NAME, LUP_RETURN_ALL)).toEqual(['lpszServiceInstanceName']);
  });

  it('LUP_RES_SERVICE: the prime part is LocalAddr (filled from RemoteAddr when empty), set at Begin or at Next alone', () => {
    const remoteOnly = {
      LocalAddr: { lpSockaddr: null, iSockaddrLength: 0 },
      RemoteAddr: { lpSockaddr: sockaddrIn(10, 0, 0, 7, 99), iSockaddrLength: 16 },
      iSocketType: 1,
      iProtocol: 6,
    };
    register('Printer', [remoteOnly]);
    const l = lookup();
    const client = allResults(l, restrictions(), LUP_RETURN_ADDR)[0]!.lpcsaBuffer![0]!;
    expect(client).toEqual(remoteOnly);
    const service = allResults(l, restrictions(), LUP_RETURN_ADDR, LUP_RETURN_ADDR | LUP_RES_SERVICE)[0]!
      .lpcsaBuffer![0]!;
    expect(service.LocalAddr).toEqual(remoteOnly.RemoteAddr);
    expect(service.RemoteAddr).toEqual(remoteOnly.RemoteAddr);
    expect(
      allResults(l, restrictions(), LUP_RETURN_ADDR | LUP_RES_SERVICE, LUP_RETURN_ADDR)[0]!.lpcsaBuffer![0]!.LocalAddr,
    ).toEqual(remoteOnly.RemoteAddr);
  });

  it("the caller's buffer: WSAEFAULT with the exact length, nothing written; that length succeeds, every pointer inside", () => {
    register('Printer', [tcp(1), udp(2)], { lpszComment: 'second floor' });
    for (const [arch, dwSize] of [
      ['x64', 120],
      ['x86', 60],
    ] as const) {
      const l = lookup();
      const h = l.begin({ querySet: restrictions({ dwSize }), arch }, LUP_RETURN_ALL);
      const at = arch === 'x64' ? 0x7ff6_1234_0010 : 0x0041_0008;
      const small = callerBuffer(at, 100);
      const length = { value: 100 };
      expect(l.lookupServiceNext(h, LUP_RETURN_ALL, length, { memory: small.memory, at })).toBe(SOCKET_ERROR);
      expect(env.registry.getLastError()).toBe(10014);
      const required = length.value;
      expect(required).toBeGreaterThan(100);
      expect(small.region.every((b) => b === 0xa5)).toBe(true);
      // One byte short is still too short, and still writes nothing.
      const short = callerBuffer(at, required - 1);
      expect(l.lookupServiceNext(h, LUP_RETURN_ALL, { value: required - 1 }, { memory: short.memory, at })).toBe(
        SOCKET_ERROR,
      );
      expect(short.region.every((b) => b === 0xa5)).toBe(true);
      const exact = callerBuffer(at, required);
      const ok = { value: required };
      expect(l.lookupServiceNext(h, LUP_RETURN_ALL, ok, { memory: exact.memory, at })).toBe(0);
      // The guard bytes either side are untouched, and the image decodes from exactly [at, at + required).
      expect(
        exact.region.subarray(0, 64).every((b) => b === 0xa5) &&
          exact.region.subarray(64 + required).every((b) => b === 0xa5),
      ).toBe(true);
      const only = new RegionList([{ base: at, bytes: exact.bytes }]);
      const decoded = decodeQuerySet(only, at, { arch, charset: 'W' });
      expect(decoded.lpszServiceInstanceName).toBe('Printer');
      expect(decoded.dwSize).toBe(dwSize);
      expect(decoded.dwNumberOfCsAddrs).toBe(2);
      l.end(h);
    }
  });

  it('LUP_FLUSHPREVIOUS after WSAEFAULT skips that result; without it the same result comes again', () => {
    for (const name of ['a', 'b', 'c']) register(name);
    const l = lookup();
    const h = l.begin(restrictions(), LUP_RETURN_ALL);
    expect(winsockError(() => l.next(h, LUP_RETURN_ALL, { length: 8, target: null })).name).toBe('WSAEFAULT');
    expect(l.next(h, LUP_RETURN_ALL).querySet.lpszServiceInstanceName).toBe('a');
    expect(winsockError(() => l.next(h, LUP_RETURN_ALL, { length: 8, target: null })).name).toBe('WSAEFAULT');
    expect(l.next(h, LUP_RETURN_ALL | LUP_FLUSHPREVIOUS).querySet.lpszServiceInstanceName).toBe('c');
    expect(winsockError(() => l.next(h, LUP_RETURN_ALL)).name).toBe('WSA_E_NO_MORE');
    l.end(h);
  });

  it('a Buffer at a given address (the FFI form): bytes written at the offset, pointers against the address', () => {
    register('Printer', [tcp(1)]);
    const l = lookup();
    const h = l.begin(restrictions(), LUP_RETURN_ALL);
    const buffer = new Uint8Array(1024).fill(0xee);
    const address = 0x5000_0000 + 16;
    const len = { value: 1024 - 16 };
    expect(l.lookupServiceNext(h, LUP_RETURN_ALL, len, { bytes: buffer, offset: 16, address })).toBe(0);
    expect(buffer.subarray(0, 16).every((b) => b === 0xee)).toBe(true);
    const decoded = decodeQuerySet(new RegionList([{ base: 0x5000_0000, bytes: buffer }]), address, {
      arch: 'x64',
      charset: 'W',
    });
    expect(decoded.lpszServiceInstanceName).toBe('Printer');
    // A misaligned buffer is refused before anything is written.
    expect(
      winsockError(() =>
        l.next(l.begin(restrictions(), LUP_RETURN_ALL), LUP_RETURN_ALL, {
          length: 1000,
          target: { bytes: buffer, offset: 0, address: address + 1 },
        }),
      ).name,
    ).toBe('WSAEFAULT');
  });

  it('WSALookupServiceBeginA / NextA: ANSI restrictions, a WSAQUERYSETA result in the code page', () => {
    register('Café', [tcp(1)], { lpszComment: '€ 5 — ok ☃' });
    const l = lookup();
    const h = { value: 0 };
    expect(
      l.lookupServiceBeginA(
        { querySet: restrictions({ lpszServiceInstanceName: 'caf\u00c9' }), arch: 'x86' } as never,
        LUP_RETURN_ALL,
        h,
      ),
    ).toBe(SOCKET_ERROR);
    expect(env.registry.getLastError()).toBe(10022); // dwSize 120 is not sizeof(WSAQUERYSETA) on x86
    expect(
      l.lookupServiceBeginA(
        { querySet: restrictions({ dwSize: 60, lpszServiceInstanceName: 'caf\u00c9' }), arch: 'x86' } as never,
        LUP_RETURN_ALL,
        h,
      ),
    ).toBe(0);
    const at = 0x0060_0000;
    const buffer = callerBuffer(at, 1024);
    expect(l.lookupServiceNextA(h.value, LUP_RETURN_ALL, { value: 1024 }, { memory: buffer.memory, at })).toBe(0);
    const decoded = decodeQuerySet(buffer.space, at, { arch: 'x86', charset: 'A' });
    expect(decoded.dwSize).toBe(60);
    expect(decoded.lpszServiceInstanceName).toBe('Caf\u00e9');
    // windows-1252 has € (0x80) and — (0x97) but no ☃: that one becomes '?', as WideCharToMultiByte's default character.
    expect(decoded.lpszComment).toBe('\u0080 5 \u0097 ok ?');
  });

  it('restrictions as a raw image: a dangling pointer in a member queries ignore does not matter', () => {
    register('Printer');
    const l = lookup();
    // WSAQUERYSETW x64 by hand: dwSize, then lpServiceClassId at 16 → a GUID at 0x1000+120; lpcsaBuffer (offset 96) dangling.
    const image = new Uint8Array(120 + 16);
    const view = new DataView(image.buffer);
    view.setUint32(0, 120, true);
    view.setBigUint64(16, 0x1000n + 120n, true);
    view.setUint32(40, 32, true); // dwNameSpace NS_NTDS
    view.setUint32(88, 5, true); // dwNumberOfCsAddrs
    view.setBigUint64(96, 0xdead_0000n, true); // lpcsaBuffer: nowhere
    image.set([0x77, 0x1f, 0x3a, 0x5c, 0x2e, 0x0b, 0x1a, 0x4d, 0x9f, 0x10, 0x3a, 0xc4, 0x77, 0x21, 0x5e, 0x0d], 120);
    const space = new RegionList([{ base: 0x1000, bytes: image }]);
    const h = l.begin({ space, at: 0x1000, arch: 'x64', charset: 'W' }, LUP_RETURN_ALL);
    expect(l.next(h, LUP_RETURN_ALL).querySet.lpszServiceInstanceName).toBe('Printer');
    l.end(h);
    // A dangling pointer in a member a query uses (lpszContext, offset 56) is WSAEINVAL naming it.
    view.setBigUint64(56, 0xbeef_0000n, true);
    const e = winsockError(() => l.begin({ space, at: 0x1000, arch: 'x64', charset: 'W' }, LUP_RETURN_ALL));
    expect([e.name, e.path]).toEqual(['WSAEINVAL', 'lpszContext']);
  });

  it('pages through the store a few rows at a time and returns every object once, in id order', () => {
    const names = Array.from({ length: 23 }, (_, i) => `svc-${i}`);
    env.registry.batch(() => {
      for (const n of names) register(n);
    });
    const l = new ServiceLookup(env.registry, { pageSize: 4 });
    expect(allResults(l, restrictions()).map((r) => r.lpszServiceInstanceName)).toEqual(names);
    expect(
      allResults(l, restrictions({ lpszServiceInstanceName: 'SVC-22' })).map((r) => r.lpszServiceInstanceName),
    ).toEqual(['svc-22']);
  });

  it('an open lookup sees the store as of Begin and blocks no registration', () => {
    for (const name of ['a', 'b', 'c']) register(name);
    const l = new ServiceLookup(env.registry, { pageSize: 1 });
    const h = l.begin(restrictions(), LUP_RETURN_ALL);
    expect(l.next(h, LUP_RETURN_ALL).querySet.lpszServiceInstanceName).toBe('a');
    const started = Date.now();
    register('d');
    expect(env.registry.setService(querySet([], { lpszServiceInstanceName: 'b' }), 2, 0)).toBe(0); // DELETE b
    expect(Date.now() - started).toBeLessThan(2000);
    expect(l.next(h, LUP_RETURN_ALL).querySet.lpszServiceInstanceName).toBe('b');
    expect(l.next(h, LUP_RETURN_ALL).querySet.lpszServiceInstanceName).toBe('c');
    expect(winsockError(() => l.next(h, LUP_RETURN_ALL)).name).toBe('WSA_E_NO_MORE');
    l.end(h);
    expect(allResults(l, restrictions()).map((r) => r.lpszServiceInstanceName)).toEqual(['a', 'c', 'd']);
  });

  it('the async iterator yields canonical results and ends the lookup however the loop ends', async () => {
    for (const name of ['a', 'b', 'c']) register(name);
    const l = lookup();
    const seen: (string | null)[] = [];
    for await (const r of l.results(restrictions(), LUP_RETURN_NAME)) seen.push(r.lpszServiceInstanceName);
    expect(seen).toEqual(['a', 'b', 'c']);
    for await (const r of l.results(restrictions(), LUP_RETURN_NAME)) if (r.lpszServiceInstanceName === 'a') break;
    expect(l.openLookups).toBe(0);
    const none: unknown[] = [];
    for await (const r of l.results(restrictions({ lpszServiceInstanceName: 'zzz' }), 0)) none.push(r);
    expect(none).toEqual([]);
  });

  it('WSALookupServiceEnd while a Next waits for a remote provider: that Next ends with WSA_E_CANCELLED', async () => {
    register('Printer');
    let release: (() => void) | undefined;
    const slow: AsyncLookupBackend = {
      openLookupAsync: () => ({
        next: () =>
          new Promise((resolve) => {
            release = () => resolve(undefined);
          }),
        close: async () => {},
      }),
    };
    const l = new ServiceLookup(env.registry, { backends: new Map([[PROVIDER_IDS.directory, slow]]) });
    const h = l.begin(restrictions(), LUP_RETURN_ALL);
    expect(() => l.next(h, LUP_RETURN_ALL)).toThrow(/asynchronous/);
    const pending = l.nextAsync(h, LUP_RETURN_ALL);
    await expect(l.nextAsync(h, LUP_RETURN_ALL)).rejects.toSatisfy((e) => WinsockError.is(e, 'WSAEINVAL'));
    expect(l.lookupServiceEnd(h)).toBe(0);
    release!();
    await expect(pending).rejects.toSatisfy((e) => WinsockError.is(e, 'WSA_E_CANCELLED'));
    expect(winsockError(() => l.end(h)).name).toBe('WSA_INVALID_HANDLE');
  });
});
