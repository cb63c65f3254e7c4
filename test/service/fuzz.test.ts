import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeQuerySet } from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/region-list.js';
import { openStore, type ServiceStore, WinsockError, WinsockRegistry } from '../../src/service/index.js';
import { querySet, tcp, tempDir } from './helpers.js';

/**
 * Bad input never escapes as anything but a Winsock result: damaged images
 * and arbitrary JSON give 0 or SOCKET_ERROR with one of the documented codes,
 * and the registry keeps working (and its store stays readable) afterwards.
 */
const CODES = new Set([8, 10013, 10022, 10045, 10093, 10108]);
let temp: ReturnType<typeof tempDir>;
let store: ServiceStore;
let registry: WinsockRegistry;

beforeAll(() => {
  temp = tempDir();
  store = openStore(temp.file('fuzz.db'), { synchronous: 'NORMAL' });
  registry = new WinsockRegistry({ store, principal: 'fuzz', maxAddressesPerCall: 64 });
  registry.startup();
});
afterAll(() => {
  registry.cleanup();
  store.close();
  temp.remove();
});

function call(f: () => number): void {
  const rc = f();
  if (rc !== 0) {
    expect(rc).toBe(-1);
    expect(CODES.has(registry.getLastError())).toBe(true);
  }
}

describe('fuzz', () => {
  it('damaged raw images (x86 and x64, W and A)', () => {
    const base = 0x20000;
    const images = (['x86', 'x64'] as const).flatMap((arch) =>
      (['W', 'A'] as const).map((charset) => ({
        arch,
        charset,
        bytes: encodeQuerySet(
          querySet([tcp(1), tcp(2), { ...tcp(3), iProtocol: -1 }], {
            dwSize: arch === 'x64' ? 120 : 60,
            lpszComment: 'c',
            lpszContext: 'x',
          }),
          { arch, charset, base },
        ),
      })),
    );
    fc.assert(
      fc.property(
        fc.nat(images.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }),
        fc.nat(2),
        fc.nat(1),
        (which, flips, operation, flags) => {
          const { arch, charset, bytes } = images[which]!;
          const damaged = Uint8Array.from(bytes);
          for (const [at, value] of flips) damaged[at % damaged.length] = value;
          registry.setLastError(0);
          call(() =>
            registry.setService({ space: RegionList.flat(damaged, base), at: base, arch, charset }, operation, flags),
          );
        },
      ),
      { numRuns: 400, seed: 6 },
    );
    expect(() => store.list()).not.toThrow();
  });

  it('arbitrary JSON values and arguments', () => {
    const member = fc.oneof(
      fc.constant(null),
      fc.integer(),
      fc.string(),
      fc.constant(-1),
      fc.constant(0xffffffff),
      fc.array(fc.anything(), { maxLength: 3 }),
      fc.object({ maxDepth: 1 }),
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            dwSize: fc.oneof(fc.constant(120), member),
            lpServiceClassId: fc.oneof(fc.constant('{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}'), member),
            dwNumberOfCsAddrs: fc.oneof(fc.nat(3), member),
            lpcsaBuffer: fc.oneof(fc.constant([tcp(1)]), member),
            dwNameSpace: fc.oneof(fc.constant(32), fc.nat(64)),
          },
          { requiredKeys: [] },
        ),
        fc.oneof(fc.nat(3), fc.integer()),
        fc.oneof(fc.nat(3), fc.integer()),
        (overrides, operation, flags) => {
          call(() => registry.setService({ ...querySet([tcp(1)]), ...overrides } as never, operation, flags));
        },
      ),
      { numRuns: 400, seed: 7 },
    );
    for (const junk of [null, undefined, 42, 'query', [], {}, { querySet: null }, { space: null, at: 0 }]) {
      try {
        call(() => registry.setService(junk as never, 0, 0));
      } catch (e) {
        // A raw source whose space is not an address space is a caller bug, not bad data — but still an error object.
        expect(e).toBeInstanceOf(Error);
        expect(e).not.toBeInstanceOf(WinsockError);
      }
    }
    expect(() => store.list()).not.toThrow();
  });
});
