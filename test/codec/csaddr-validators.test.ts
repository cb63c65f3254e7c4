import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CsAddrInfoJson } from '../../src/codec/canonical.js';
import { parseCsAddrInfoJson } from '../../src/codec/index.js';
import { RnrError } from '../../src/errors.js';
import { CanonicalLoader } from '../../src/match/canonical-entry.js';
import { EntryCursor } from '../../src/match/entry-cursor.js';
import { csAddrInfo } from '../helpers/arbitrary.js';
import { damageAt } from './helpers/damage.js';

/**
 * Canonical CSADDR_INFO JSON has one checker: the codec's
 * (parseCsAddrInfoJson). Address sets load entries through a fast path of
 * their own (match/canonical-entry.ts) that must accept exactly what the
 * codec accepts, and answer what it refuses with the codec's message and
 * member path. Random entries, damaged at random, decide.
 */
type Answer =
  | { accepted: { local: string; remote: string; iSocketType: number; iProtocol: number } }
  | { refused: string };

function hex(bytes: Uint8Array, offset: number, length: number): string {
  return Buffer.from(bytes.subarray(offset, offset + length)).toString('hex');
}

function byLoader(entry: unknown, path: string): Answer {
  const c = new EntryCursor();
  try {
    new CanonicalLoader().load(entry as CsAddrInfoJson, c, path);
  } catch (e) {
    if (!(e instanceof RnrError)) throw e;
    return { refused: `${e.name} ${e.message}` };
  }
  return {
    accepted: {
      local: hex(c.localBytes, c.localOffset, c.localLength),
      remote: hex(c.remoteBytes, c.remoteOffset, c.remoteLength),
      iSocketType: c.iSocketType,
      iProtocol: c.iProtocol,
    },
  };
}

function byCodec(entry: unknown, path: string): Answer {
  let clean: CsAddrInfoJson;
  try {
    clean = parseCsAddrInfoJson(entry);
  } catch (e) {
    if (!(e instanceof RnrError)) throw e;
    return { refused: `${e.name} ${e.withContext(path).message}` };
  }
  // What an address set keeps of an accepted entry: the bytes, with a NULL or zero-length address as none.
  const bytes = (sa: CsAddrInfoJson['LocalAddr']) =>
    sa.lpSockaddr === null || sa.iSockaddrLength <= 0 ? '' : sa.lpSockaddr;
  return {
    accepted: {
      local: bytes(clean.LocalAddr),
      remote: bytes(clean.RemoteAddr),
      iSocketType: clean.iSocketType,
      iProtocol: clean.iProtocol,
    },
  };
}

const odd = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    undefined,
    -0,
    1.5,
    -1,
    2 ** 31,
    -(2 ** 31),
    2 ** 32,
    '',
    'zz',
    '0G',
    'AB',
    '0102',
    [],
    {},
    true,
    NaN,
  ),
  fc.integer(),
  fc.string({ maxLength: 4 }),
);

describe('one checker of canonical CSADDR_INFO JSON', () => {
  it('the address-set loader and parseCsAddrInfoJson accept the same entries, keep the same bytes, and refuse the rest with the same message and path', () => {
    let refused = 0;
    fc.assert(
      fc.property(
        csAddrInfo,
        fc.array(fc.tuple(fc.nat(), odd, fc.boolean()), { maxLength: 3 }),
        fc.constantFrom('', '[7]', 'a'),
        (entry, damage, path) => {
          const json = JSON.parse(JSON.stringify(entry)) as Record<string, unknown>;
          for (const [pick, value, extraKey] of damage) damageAt(json, pick, value, extraKey);
          const codec = byCodec(json, path);
          expect(byLoader(json, path)).toEqual(codec);
          if ('refused' in codec) refused++;
        },
      ),
      { numRuns: 2000 },
    );
    // The damage must actually reach both sides of the rule.
    expect(refused).toBeGreaterThan(300);
  });

  it.each([
    [
      'a fraction',
      { iProtocol: 1.5 },
      'InvalidDataError [1].iProtocol: 1.5 is not an INT (an integer -2147483648…2147483647)',
    ],
    [
      'hex of the wrong length',
      { LocalAddr: { lpSockaddr: '0200', iSockaddrLength: 3 } },
      'InvalidDataError [1].LocalAddr.lpSockaddr: 2 bytes of hex, but iSockaddrLength = 3',
    ],
    [
      'not hex',
      { LocalAddr: { lpSockaddr: '02g0', iSockaddrLength: 2 } },
      'InvalidDataError [1].LocalAddr.lpSockaddr: "02g0" is not hex (char 2)',
    ],
    [
      'an unknown member',
      { RemoteAddr: { lpSockaddr: null, iSockaddrLength: 0, extra: 1 } },
      'InvalidDataError [1].RemoteAddr: unknown member "extra" (SOCKET_ADDRESS has lpSockaddr, iSockaddrLength)',
    ],
  ])('%s', (_name, patch, message) => {
    const entry = {
      LocalAddr: { lpSockaddr: '02001f90c0a80001', iSockaddrLength: 8 },
      RemoteAddr: { lpSockaddr: null, iSockaddrLength: 0 },
      iSocketType: 1,
      iProtocol: 6,
      ...patch,
    };
    expect(byLoader(entry, '[1]')).toEqual({ refused: message });
  });
});
