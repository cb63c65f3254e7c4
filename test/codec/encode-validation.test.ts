import { describe, expect, it } from 'vitest';
import type { QuerySetJson } from '../../src/codec/canonical.js';
import { encodedSize, encodeInto, encodeQuerySet, parseQuerySetJson } from '../../src/codec/index.js';
import { InvalidDataError, UsageError } from '../../src/errors.js';
import { fullSet, nullSet } from '../helpers/samples.js';

function error(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

const bad = (patch: (qs: Record<string, unknown>) => void): QuerySetJson => {
  const qs = JSON.parse(JSON.stringify(fullSet())) as Record<string, unknown>;
  patch(qs);
  return qs as unknown as QuerySetJson;
};

describe('encode checks its input and names the JSON path', () => {
  it.each([
    [
      'a DWORD out of range',
      bad((q) => {
        q.dwSize = -1;
      }),
      'dwSize: -1 is not a DWORD (an integer 0…4294967295)',
    ],
    [
      'a fraction',
      bad((q) => {
        q.dwNameSpace = 1.5;
      }),
      'dwNameSpace: 1.5 is not a DWORD (an integer 0…4294967295)',
    ],
    [
      'an INT out of range',
      bad((q) => {
        (q.lpcsaBuffer as { iProtocol: number }[])[2]!.iProtocol = 2 ** 31;
      }),
      'lpcsaBuffer[2].iProtocol: 2147483648 is not an INT (an integer -2147483648…2147483647)',
    ],
    [
      'a missing member',
      bad((q) => {
        delete q.dwOutputFlags;
      }),
      'dwOutputFlags: missing is not a DWORD (an integer 0…4294967295)',
    ],
    [
      'a string with U+0000',
      bad((q) => {
        q.lpszComment = 'a\u0000b';
      }),
      'lpszComment: U+0000 at index 1 would end the string early',
    ],
    [
      'a number for a string',
      bad((q) => {
        q.lpszContext = 5;
      }),
      'lpszContext: 5 is not a string or null',
    ],
    [
      'a bad GUID',
      bad((q) => {
        q.lpServiceClassId = '{nope}';
      }),
      'lpServiceClassId: "{nope}" is not a GUID ({XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}) or null',
    ],
    [
      'hex of the wrong length',
      bad((q) => {
        (q.lpBlob as { cbSize: number }).cbSize = 9;
      }),
      'lpBlob.pBlobData: 5 bytes of hex, but cbSize = 9',
    ],
    [
      'hex that is not hex',
      bad((q) => {
        (q.lpBlob as { pBlobData: string }).pBlobData = '01020304zz';
      }),
      'lpBlob.pBlobData: "01020304zz" is not hex (char 8)',
    ],
    [
      'a negative length behind a pointer',
      bad((q) => {
        (q.lpcsaBuffer as { LocalAddr: { iSockaddrLength: number; lpSockaddr: string } }[])[0]!.LocalAddr = {
          lpSockaddr: '',
          iSockaddrLength: -1,
        };
      }),
      'lpcsaBuffer[0].LocalAddr.lpSockaddr: iSockaddrLength = -1 is negative, but the pointer is not null',
    ],
    [
      'an array for a struct',
      bad((q) => {
        q.lpVersion = [];
      }),
      'lpVersion: an array of 0 is not a WSAVERSION object',
    ],
    [
      'a count that disagrees',
      bad((q) => {
        q.dwNumberOfProtocols = 3;
      }),
      'lpafpProtocols: 2 entries, but dwNumberOfProtocols = 3 (a non-null array has exactly that many)',
    ],
  ])('%s', (_, qs, message) => {
    for (const charset of ['W', 'A'] as const) {
      const e = error(() => encodeQuerySet(qs, { arch: 'x64', charset, base: 0x1000 }));
      expect(e).toBeInstanceOf(InvalidDataError);
      expect(e.message).toBe(message);
      expect(error(() => parseQuerySetJson(qs))).toBeInstanceOf(InvalidDataError);
    }
  });

  it('ANSI sets refuse chars above U+00FF; W sets take any code unit', () => {
    const qs = { ...nullSet(), lpszComment: 'x\u0100' };
    expect(error(() => encodedSize(qs, { arch: 'x86', charset: 'A' })).message).toBe(
      'lpszComment: char 1 (U+0100) is not a byte: ANSI strings are bytes as U+0001–U+00FF (see textToAnsi)',
    );
    expect(encodedSize(qs, { arch: 'x86', charset: 'W' })).toBeGreaterThan(60);
  });

  it('bad options and targets are UsageErrors', () => {
    const qs = nullSet();
    expect(error(() => encodeQuerySet(qs, { arch: 'x64', charset: 'W', base: 0x1001 }))).toBeInstanceOf(UsageError);
    expect(error(() => encodeQuerySet(qs, { arch: 'x86', charset: 'W', base: 2 ** 32 - 32 })).message).toMatch(
      /does not fit x86's 32-bit addresses/,
    );
    expect(error(() => encodeQuerySet(qs, { arch: 'x64', charset: 'W', base: 2 ** 53 }))).toBeInstanceOf(UsageError);
    expect(error(() => encodeQuerySet(qs, { arch: 'arm' as 'x64', charset: 'W', base: 0 }))).toBeInstanceOf(UsageError);
    expect(error(() => encodeInto(qs, new Uint8Array(10), 0, 0x1000, { arch: 'x64', charset: 'W' })).message).toBe(
      'the image needs 120 bytes at offset 0, but the target has 10 bytes',
    );
    expect(
      error(() => encodeInto(qs, [] as unknown as Uint8Array, 0, 0x1000, { arch: 'x64', charset: 'W' })),
    ).toBeInstanceOf(UsageError);
  });
});

describe('parseQuerySetJson', () => {
  it('returns a clean copy: member order, canonical GUIDs, lower-case hex, annotations dropped', () => {
    const messy = { $at: '0x1000', ...nullSet() } as Record<string, unknown>;
    messy.lpBlob = { pBlobData: 'ABCD', cbSize: 2, $pBlobData: '0x2000' };
    messy.lpServiceClassId = '5c3a1f77-0b2e-4d1a-9f10-3ac477215e0d';
    const clean = parseQuerySetJson(messy);
    expect(Object.keys(clean)).toEqual(Object.keys(nullSet()));
    expect(clean.lpServiceClassId).toBe('{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}');
    expect(clean.lpBlob).toStrictEqual({ cbSize: 2, pBlobData: 'abcd' });
  });

  it('refuses unknown members, non-objects and -0 sneaking through as a DWORD is normalised', () => {
    expect(error(() => parseQuerySetJson({ ...nullSet(), lpszComent: 'x' })).message).toMatch(
      /^unknown member "lpszComent"/,
    );
    expect(error(() => parseQuerySetJson([])).message).toBe('an array of 0 is not a WSAQUERYSET object');
    expect(error(() => parseQuerySetJson(null))).toBeInstanceOf(InvalidDataError);
    expect(Object.is(parseQuerySetJson({ ...nullSet(), dwSize: -0 }).dwSize, 0)).toBe(true);
  });
});
