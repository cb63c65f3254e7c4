import { describe, expect, it } from 'vitest';
import type { QuerySetJson } from '../../src/codec/canonical.js';
import { encodeQuerySet } from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/region-list.js';
import { WinsockRegistry } from '../../src/service/index.js';
import { winsockError as failure, freshRegistry, querySet, tcp } from './helpers.js';

const REGISTER = 0;
const DELETE = 2;
const BASE = 0x10000000;

/** Member offsets written out by hand from winsock2.h (x64: pointers 8-aligned; x86: all 4). */
const OFFSETS = {
  x64: {
    lpszServiceInstanceName: 8,
    lpszComment: 32,
    dwNumberOfProtocols: 64,
    lpafpProtocols: 72,
    lpszQueryString: 80,
    dwNumberOfCsAddrs: 88,
    dwSize: 0,
  },
  x86: {
    lpszServiceInstanceName: 4,
    lpszComment: 16,
    dwNumberOfProtocols: 32,
    lpafpProtocols: 36,
    lpszQueryString: 40,
    dwNumberOfCsAddrs: 44,
    dwSize: 0,
  },
};

const env = freshRegistry();

function raw(
  qs: QuerySetJson,
  arch: 'x86' | 'x64',
  charset: 'W' | 'A',
  patch: Partial<Record<keyof typeof OFFSETS.x64, number>> = {},
) {
  const bytes = encodeQuerySet(qs, { arch, charset, base: BASE });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const [member, value] of Object.entries(patch))
    view.setUint32(OFFSETS[arch][member as keyof typeof OFFSETS.x64], value, true);
  return { space: RegionList.flat(bytes, BASE), at: BASE, arch, charset };
}

describe.each(['x64', 'x86'] as const)('raw %s images', (arch) => {
  const size = arch === 'x64' ? 120 : 60;

  it('register and delete from memory, as from canonical JSON', () => {
    expect(env.registry.setService(raw(querySet([tcp(1), tcp(2)], { dwSize: size }), arch, 'W'), REGISTER, 0)).toBe(0);
    expect(env.registry.list()[0]).toMatchObject({ lpszServiceInstanceName: 'Printer', lpcsaBuffer: [tcp(1), tcp(2)] });
    expect(env.registry.setService(raw(querySet([tcp(2)], { dwSize: size }), arch, 'W'), DELETE, 1)).toBe(0);
    expect(env.registry.list()[0]!.lpcsaBuffer).toEqual([tcp(1)]);
  });

  it('ignored members are ignored even when their pointers dangle', () => {
    const source = raw(querySet([tcp(1)], { dwSize: size, lpszQueryString: 'q' }), arch, 'W', {
      lpafpProtocols: 0xdead0000,
      dwNumberOfProtocols: 3,
      lpszQueryString: 0xdead1000,
    });
    expect(env.registry.setService(source, REGISTER, 0)).toBe(0);
  });

  it('a dangling pointer in a member that counts is WSAEINVAL naming the member and the address', () => {
    const e = failure(() =>
      env.registry.setServiceTyped(
        raw(querySet([tcp(1)], { dwSize: size, lpszComment: 'c' }), arch, 'W', { lpszComment: 0xdead2000 }),
        REGISTER,
        0,
      ),
    );
    expect(e.name).toBe('WSAEINVAL');
    expect(e.path).toBe('lpszComment');
    expect(e.message).toMatch(/0xdead2000/);
    expect(env.registry.list()).toEqual([]);
  });

  it('a wrong dwSize is refused before anything behind the struct is read', () => {
    const e = failure(() =>
      env.registry.setServiceTyped(
        raw(querySet([tcp(1)], { dwSize: size }), arch, 'W', { dwSize: size + 4, lpszServiceInstanceName: 0xdead3000 }),
        REGISTER,
        0,
      ),
    );
    expect(e).toMatchObject({ name: 'WSAEINVAL', path: 'dwSize' });
  });

  it('an absurd dwNumberOfCsAddrs is WSA_NOT_ENOUGH_MEMORY, not an allocation', () => {
    const e = failure(() =>
      env.registry.setServiceTyped(
        raw(querySet([tcp(1)], { dwSize: size }), arch, 'W', { dwNumberOfCsAddrs: 0xffffffff }),
        REGISTER,
        0,
      ),
    );
    expect(e).toMatchObject({ name: 'WSA_NOT_ENOUGH_MEMORY', code: 8, path: 'dwNumberOfCsAddrs' });
  });

  it('a struct that is not in memory at all is WSAEINVAL', () => {
    expect(
      failure(() =>
        env.registry.setServiceTyped(
          { space: RegionList.flat(new Uint8Array(8), BASE), at: BASE, arch, charset: 'W' },
          REGISTER,
          0,
        ),
      ).name,
    ).toBe('WSAEINVAL');
  });
});

describe('WSASetServiceA', () => {
  it('checks dwSize against sizeof(WSAQUERYSETA) and converts strings from windows-1252 by default', () => {
    // Bytes 0xC9 0x80: "É€" in windows-1252.
    const ansi = querySet([tcp(1)], { lpszServiceInstanceName: 'Caf\u00c9 \u0080', lpszComment: 'caf\u00e9' });
    expect(env.registry.setServiceA(ansi, REGISTER, 0)).toBe(0);
    expect(env.registry.list()[0]!.lpszServiceInstanceName).toBe('Caf\u00c9 \u20ac');
    // The same object by its Unicode name, case-insensitively.
    expect(
      env.registry.setServiceW(querySet([tcp(2)], { lpszServiceInstanceName: 'caf\u00e9 \u20ac' }), REGISTER, 1),
    ).toBe(0);
    expect(env.registry.list()).toHaveLength(1);
    expect(env.registry.setServiceA({ querySet: querySet([tcp(1)], { dwSize: 60 }), arch: 'x86' }, REGISTER, 0)).toBe(
      0,
    );
    expect(env.registry.setServiceA(querySet([tcp(1)], { dwSize: 60 }), REGISTER, 0)).toBe(-1);
    expect(env.registry.getLastError()).toBe(10022);
  });

  it('the code page is configurable', () => {
    const sjis = new WinsockRegistry({ store: env.store, codePage: 'shift_jis' });
    sjis.startup();
    // 0x82 0xA0 is HIRAGANA LETTER A (U+3042) in Shift_JIS.
    const r = sjis.setServiceTyped(
      { querySet: querySet([tcp(1)], { lpszServiceInstanceName: '\u0082\u00a0' }), charset: 'A' },
      REGISTER,
      0,
    );
    expect(r.unicodeQuerySet?.lpszServiceInstanceName).toBe('\u3042');
    expect(() => new WinsockRegistry({ codePage: 'no-such-code-page' })).toThrow(/unknown code page/);
  });

  it('a string that is not bytes, or not valid in the code page, is WSAEINVAL naming the member', () => {
    expect(
      failure(() =>
        env.registry.setServiceTyped(
          { querySet: querySet([tcp(1)], { lpszComment: '\u20ac' }), charset: 'A' },
          REGISTER,
          0,
        ),
      ).path,
    ).toBe('lpszComment');
    const sjis = new WinsockRegistry({ store: env.store, codePage: 'shift_jis' });
    sjis.startup();
    expect(
      failure(() =>
        sjis.setServiceTyped(
          { querySet: querySet([tcp(1)], { lpszServiceInstanceName: '\u0082' }), charset: 'A' },
          REGISTER,
          0,
        ),
      ).path,
    ).toBe('lpszServiceInstanceName');
  });

  it("results are not converted back: the typed form shows the Unicode copy, the caller's set is as it was", () => {
    const ansi = querySet([tcp(1)], { lpszServiceInstanceName: 'Caf\u00e9' });
    const copy = JSON.parse(JSON.stringify(ansi)) as QuerySetJson;
    const r = env.registry.setServiceTyped({ querySet: ansi, charset: 'A' }, REGISTER, 0);
    expect(r.unicodeQuerySet?.lpszServiceInstanceName).toBe('Caf\u00e9');
    expect(ansi).toEqual(copy);
  });

  it('raw WSAQUERYSETA images decode as ANSI', () => {
    const source = raw(querySet([tcp(1)], { lpszServiceInstanceName: '\u0080uro' }), 'x64', 'A');
    expect(env.registry.setService(source, REGISTER, 0)).toBe(0);
    expect(env.registry.list()[0]!.lpszServiceInstanceName).toBe('\u20acuro');
  });
});

describe('the W and A forms take only their own struct', () => {
  // WSASetServiceW reads WSAQUERYSETW: an ANSI image's strings would be read as UTF-16, so it is refused
  // the way the API refuses a bad parameter (SOCKET_ERROR, WSAEINVAL) and nothing is stored.
  it.each([
    ['W', 'A'],
    ['A', 'W'],
  ] as const)(
    'WSASetService%s given a WSAQUERYSET%s image or source answers SOCKET_ERROR, WSAEINVAL',
    (form, other) => {
      const registry = env.registry;
      const set = querySet([tcp(1)], { dwSize: 120 });
      const call = form === 'W' ? registry.setServiceW.bind(registry) : registry.setServiceA.bind(registry);
      registry.setLastError(0);
      expect(call(raw(set, 'x64', other), REGISTER, 0)).toBe(-1);
      expect(registry.getLastError()).toBe(10022);
      registry.setLastError(0);
      expect(call({ querySet: set, charset: other }, REGISTER, 0)).toBe(-1);
      expect(registry.getLastError()).toBe(10022);
      expect(registry.list()).toHaveLength(0);
      // Its own form is accepted.
      expect(call(raw(set, 'x64', form), REGISTER, 0)).toBe(0);
      expect(registry.list()).toHaveLength(1);
    },
  );
});
