import fc from 'fast-check';
import type { BlobJson, CsAddrInfoJson, QuerySetJson, SocketAddressJson } from '../../src/codec/canonical.js';

/**
 * Random canonical query sets for property tests: every shape docs/codec.md (canonical JSON)
 * allows, including empty strings, NULLs, lone surrogates (W), high bytes
 * (A), zero-length and odd-length sockaddrs, counts with NULL arrays, NULL
 * pointers with non-zero lengths.
 */
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const i32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
const hexByte = (b: number) => b.toString(16).padStart(2, '0');

function text(charset: 'W' | 'A'): fc.Arbitrary<string> {
  // Code units, not code points: lone surrogates come up about 3% of the time.
  const unit =
    charset === 'W'
      ? fc.oneof(
          fc.integer({ min: 1, max: 0x7f }),
          fc.integer({ min: 0xd800, max: 0xdfff }),
          fc.integer({ min: 1, max: 0xffff }),
        )
      : fc.integer({ min: 1, max: 0xff });
  return fc.array(unit, { maxLength: 24 }).map((units) => String.fromCharCode(...units));
}

const nullableText = (charset: 'W' | 'A') => fc.oneof(fc.constant(null), fc.constant(''), text(charset));

const guid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  const h = Array.from(b, (x) => hexByte(x).toUpperCase()).join('');
  return `{${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}}`;
});

const bytesHex = (maxLength: number) => fc.uint8Array({ maxLength }).map((b) => Array.from(b, hexByte).join(''));

export const socketAddress: fc.Arbitrary<SocketAddressJson> = fc.oneof(
  i32.map((n) => ({ lpSockaddr: null, iSockaddrLength: n })),
  bytesHex(128).map((h) => ({ lpSockaddr: h, iSockaddrLength: h.length / 2 })),
);

export const csAddrInfo: fc.Arbitrary<CsAddrInfoJson> = fc.record(
  { LocalAddr: socketAddress, RemoteAddr: socketAddress, iSocketType: i32, iProtocol: i32 },
  { noNullPrototype: true },
);

/** A count and its array as found: a NULL array with any count, or an array of exactly count entries. */
function counted<T>(element: fc.Arbitrary<T>, maxLength: number): fc.Arbitrary<{ count: number; array: T[] | null }> {
  return fc.oneof(
    u32.map((count) => ({ count, array: null })),
    fc.array(element, { maxLength }).map((array) => ({ count: array.length, array })),
  );
}

const blob: fc.Arbitrary<BlobJson | null> = fc.oneof(
  fc.constant(null),
  u32.map((cbSize) => ({ cbSize, pBlobData: null })),
  bytesHex(64).map((h) => ({ cbSize: h.length / 2, pBlobData: h })),
);

export function querySet(charset: 'W' | 'A'): fc.Arbitrary<QuerySetJson> {
  return fc
    .record({
      dwSize: u32,
      lpszServiceInstanceName: nullableText(charset),
      lpServiceClassId: fc.option(guid, { nil: null }),
      lpVersion: fc.option(fc.record({ dwVersion: u32, ecHow: i32 }, { noNullPrototype: true }), { nil: null }),
      lpszComment: nullableText(charset),
      dwNameSpace: u32,
      lpNSProviderId: fc.option(guid, { nil: null }),
      lpszContext: nullableText(charset),
      protocols: counted(fc.record({ iAddressFamily: i32, iProtocol: i32 }, { noNullPrototype: true }), 4),
      lpszQueryString: nullableText(charset),
      addresses: counted(csAddrInfo, 6),
      dwOutputFlags: u32,
      lpBlob: blob,
    })
    .map((r) => ({
      dwSize: r.dwSize,
      lpszServiceInstanceName: r.lpszServiceInstanceName,
      lpServiceClassId: r.lpServiceClassId,
      lpVersion: r.lpVersion,
      lpszComment: r.lpszComment,
      dwNameSpace: r.dwNameSpace,
      lpNSProviderId: r.lpNSProviderId,
      lpszContext: r.lpszContext,
      dwNumberOfProtocols: r.protocols.count,
      lpafpProtocols: r.protocols.array,
      lpszQueryString: r.lpszQueryString,
      dwNumberOfCsAddrs: r.addresses.count,
      lpcsaBuffer: r.addresses.array,
      dwOutputFlags: r.dwOutputFlags,
      lpBlob: r.lpBlob,
    }));
}
