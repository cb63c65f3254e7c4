import type { CsAddrInfoJson, QuerySetJson } from '../../src/codec/canonical.js';

/**
 * Hand-written canonical sets covering the corners docs/codec.md (canonical JSON) names. The
 * sockaddr bytes are written out field by field so a reader can check them.
 */
const IPV4_8080_192_168_0_1 = '0200' + '1f90' + 'c0a80001' + '0000000000000000';
const IPV6_443_FE80_1_SCOPE_7 = '1700' + '01bb' + '00000000' + 'fe800000000000000000000000000001' + '07000000';
const IPX = '0600' + '0a0b0c0d' + '0123456789ab' + '0451';

export function entry(local: string | null, remote: string | null, iSocketType = 1, iProtocol = 6): CsAddrInfoJson {
  return {
    LocalAddr: { lpSockaddr: local, iSockaddrLength: local === null ? 0 : local.length / 2 },
    RemoteAddr: { lpSockaddr: remote, iSockaddrLength: remote === null ? 0 : remote.length / 2 },
    iSocketType,
    iProtocol,
  };
}

export function fullSet(): QuerySetJson {
  return {
    dwSize: 120,
    lpszServiceInstanceName: 'printer on floor 3',
    lpServiceClassId: '{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}',
    lpVersion: { dwVersion: 3, ecHow: 1 },
    lpszComment: 'colour, duplex',
    dwNameSpace: 12,
    lpNSProviderId: '{22059D40-7E9E-11CF-AE5A-00AA00A7112B}',
    lpszContext: 'example.org',
    dwNumberOfProtocols: 2,
    lpafpProtocols: [
      { iAddressFamily: 2, iProtocol: 6 },
      { iAddressFamily: 23, iProtocol: 17 },
    ],
    lpszQueryString: 'q',
    dwNumberOfCsAddrs: 3,
    lpcsaBuffer: [
      entry(IPV4_8080_192_168_0_1, null),
      entry(IPV6_443_FE80_1_SCOPE_7, IPV6_443_FE80_1_SCOPE_7, 2, 17),
      entry(IPX, '', 5, 1256),
    ],
    dwOutputFlags: 0x10,
    lpBlob: { cbSize: 5, pBlobData: '0102030405' },
  };
}

export function nullSet(): QuerySetJson {
  return {
    dwSize: 60,
    lpszServiceInstanceName: null,
    lpServiceClassId: null,
    lpVersion: null,
    lpszComment: null,
    dwNameSpace: 0,
    lpNSProviderId: null,
    lpszContext: null,
    dwNumberOfProtocols: 0,
    lpafpProtocols: null,
    lpszQueryString: null,
    dwNumberOfCsAddrs: 0,
    lpcsaBuffer: null,
    dwOutputFlags: 0,
    lpBlob: null,
  };
}

/** Strings at their edges: "" is not NULL, lone surrogates (W) and high bytes (A) survive. */
export function edgeSet(charset: 'W' | 'A'): QuerySetJson {
  return {
    ...nullSet(),
    lpszServiceInstanceName: '',
    lpszComment:
      charset === 'W' ? 'lone \ud800 high, lone \udfff low, pair \ud83d\ude00' : 'caf\u00e9 \u0080\u009f\u00ff',
    lpszContext: charset === 'W' ? '\uffff\u0001' : '\u0001',
    // Counts kept as found: a count with a NULL array, an empty array.
    dwNumberOfProtocols: 7,
    lpafpProtocols: null,
    dwNumberOfCsAddrs: 0,
    lpcsaBuffer: [],
    lpBlob: { cbSize: 0, pBlobData: '' },
    dwOutputFlags: 0xffffffff,
    dwNameSpace: 0x80000000,
  };
}

/** Odd and zero sockaddr lengths, a NULL pointer with a non-zero length, negative and extreme INTs. */
export function oddSet(): QuerySetJson {
  return {
    ...nullSet(),
    dwNumberOfCsAddrs: 3,
    lpcsaBuffer: [
      entry('abcdef', '', -2147483648, 2147483647),
      {
        LocalAddr: { lpSockaddr: null, iSockaddrLength: 16 },
        RemoteAddr: { lpSockaddr: null, iSockaddrLength: -1 },
        iSocketType: 0,
        iProtocol: -1,
      },
      entry('00', 'ff'.repeat(127), 1, 6),
    ],
    lpBlob: { cbSize: 4096, pBlobData: null },
  };
}

export const SAMPLES: Record<string, (charset: 'W' | 'A') => QuerySetJson> = {
  full: () => fullSet(),
  nulls: () => nullSet(),
  edges: (charset) => edgeSet(charset),
  odd: () => oddSet(),
};
