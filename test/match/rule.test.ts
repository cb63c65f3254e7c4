import { describe, expect, it } from 'vitest';
import type { CsAddrInfoJson } from '../../src/codec/canonical.js';
import { InvalidDataError } from '../../src/errors.js';
import {
  AddressSet,
  CsAddrArrayView,
  entriesMatch,
  ProtocolSubstitutionError,
  SEMANTIC_IGNORED,
  substituteProtocol,
} from '../../src/match/index.js';
import { RegionList } from '../../src/memory/index.js';
import { ImageBuilder } from '../helpers/image-builder.js';
import { entry, ipv4, ipv6, NONE, sa } from './canonical.js';

// Numbers as the Windows headers define them, written out here so the
// tests do not lean on the constants module they exercise.
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_RAW = 3;
const SOCK_SEQPACKET = 5;
const TCP = 6;
const UDP = 17;
const ANY = -1;
const NSPROTO_IPX = 1000;
const NSPROTO_SPX = 1256;
const NSPROTO_SPXII = 1257;
const BTHPROTO_RFCOMM = 3;

const HOST = [192, 0, 2, 7] as [number, number, number, number];
const V6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const tcp4 = (port = 80, sinZero?: number[]) => entry(sa(ipv4(HOST, port, sinZero)), NONE, SOCK_STREAM, TCP);
// SOCKADDR_IPX (family 6) and SOCKADDR_BTH (family 32) by their bytes.
const IPX = '0600' + '00000001' + '0a0b0c0d0e0f' + '4000';
const BTH = '2000' + '1122334455660000' + '00000000000000000000000000000000' + '04000000';

interface Row {
  readonly name: string;
  readonly a: CsAddrInfoJson;
  readonly b: CsAddrInfoJson;
  readonly exact: boolean;
  readonly semantic: boolean;
}

const rows: Row[] = [
  { name: 'identical IPv4 TCP entries', a: tcp4(), b: tcp4(), exact: true, semantic: true },
  {
    name: 'one byte of sin_zero differs',
    a: tcp4(80),
    b: tcp4(80, [0, 0, 0, 0, 0, 0x2a, 0, 0]),
    exact: false,
    semantic: true,
  },
  {
    name: 'sin6_flowinfo differs',
    a: entry(sa(ipv6(V6, 443, 0)), NONE, SOCK_STREAM, TCP),
    b: entry(sa(ipv6(V6, 443, 0x12345)), NONE, SOCK_STREAM, TCP),
    exact: false,
    semantic: true,
  },
  {
    name: 'sin6_scope_id differs (it names the link: meaningful)',
    a: entry(sa(ipv6(V6, 443, 0, 1)), NONE, SOCK_STREAM, TCP),
    b: entry(sa(ipv6(V6, 443, 0, 2)), NONE, SOCK_STREAM, TCP),
    exact: false,
    semantic: false,
  },
  { name: 'the port differs', a: tcp4(80), b: tcp4(81), exact: false, semantic: false },
  { name: 'a different iProtocol', a: tcp4(), b: { ...tcp4(), iProtocol: UDP }, exact: false, semantic: false },
  {
    name: 'a different iSocketType',
    a: tcp4(),
    b: { ...tcp4(), iSocketType: SOCK_DGRAM },
    exact: false,
    semantic: false,
  },
  {
    name: 'IPROTOCOL_ANY registered, IPv4 SOCK_STREAM, vs IPPROTO_TCP',
    a: { ...tcp4(), iProtocol: ANY },
    b: tcp4(),
    exact: true,
    semantic: true,
  },
  {
    name: 'IPPROTO_TCP registered vs IPROTOCOL_ANY requested',
    a: tcp4(),
    b: { ...tcp4(), iProtocol: ANY },
    exact: true,
    semantic: true,
  },
  {
    name: 'IPROTOCOL_ANY with SOCK_DGRAM is UDP, not TCP',
    a: entry(sa(ipv4(HOST, 53)), NONE, SOCK_DGRAM, ANY),
    b: entry(sa(ipv4(HOST, 53)), NONE, SOCK_DGRAM, TCP),
    exact: false,
    semantic: false,
  },
  {
    name: 'IPROTOCOL_ANY takes the family from RemoteAddr when LocalAddr has none',
    a: entry(NONE, sa(ipv6(V6, 53)), SOCK_DGRAM, ANY),
    b: entry(NONE, sa(ipv6(V6, 53)), SOCK_DGRAM, UDP),
    exact: true,
    semantic: true,
  },
  {
    name: 'IPROTOCOL_ANY, AF_IPX SOCK_SEQPACKET is NSPROTO_SPX',
    a: entry(sa(IPX), NONE, SOCK_SEQPACKET, ANY),
    b: entry(sa(IPX), NONE, SOCK_SEQPACKET, NSPROTO_SPX),
    exact: true,
    semantic: true,
  },
  {
    name: 'IPROTOCOL_ANY, AF_IPX SOCK_SEQPACKET is not SPXII',
    a: entry(sa(IPX), NONE, SOCK_SEQPACKET, ANY),
    b: entry(sa(IPX), NONE, SOCK_SEQPACKET, NSPROTO_SPXII),
    exact: false,
    semantic: false,
  },
  {
    name: 'IPROTOCOL_ANY, AF_IPX SOCK_DGRAM is NSPROTO_IPX',
    a: entry(sa(IPX), NONE, SOCK_DGRAM, ANY),
    b: entry(sa(IPX), NONE, SOCK_DGRAM, NSPROTO_IPX),
    exact: true,
    semantic: true,
  },
  {
    name: 'IPROTOCOL_ANY, AF_BTH SOCK_STREAM is BTHPROTO_RFCOMM',
    a: entry(sa(BTH), NONE, SOCK_STREAM, ANY),
    b: entry(sa(BTH), NONE, SOCK_STREAM, BTHPROTO_RFCOMM),
    exact: true,
    semantic: true,
  },
  {
    name: 'a different RemoteAddr',
    a: entry(sa(ipv4(HOST, 80)), sa(ipv4([198, 51, 100, 1], 1024)), SOCK_STREAM, TCP),
    b: entry(sa(ipv4(HOST, 80)), sa(ipv4([198, 51, 100, 2], 1024)), SOCK_STREAM, TCP),
    exact: false,
    semantic: false,
  },
  {
    name: 'a RemoteAddr against none',
    a: entry(sa(ipv4(HOST, 80)), sa(ipv4([198, 51, 100, 1], 1024)), SOCK_STREAM, TCP),
    b: tcp4(),
    exact: false,
    semantic: false,
  },
  {
    name: 'NULL lpSockaddr vs a non-NULL one of length 0',
    a: tcp4(),
    b: { ...tcp4(), RemoteAddr: sa('', 0) },
    exact: true,
    semantic: true,
  },
  {
    name: 'NULL lpSockaddr with a length vs length 0',
    a: { ...tcp4(), RemoteAddr: sa(null, 16) },
    b: { ...tcp4(), RemoteAddr: sa('', 0) },
    exact: true,
    semantic: true,
  },
  {
    name: 'equal leading bytes, different iSockaddrLength',
    a: tcp4(),
    b: entry(sa(`${ipv4(HOST, 80)}00000000`), NONE, SOCK_STREAM, TCP),
    exact: false,
    semantic: false,
  },
  {
    name: 'bytes past iSockaddrLength never count',
    a: entry(sa(ipv4(HOST, 80).slice(0, 24)), NONE, SOCK_STREAM, TCP),
    b: entry(sa(ipv4(HOST, 80, [0, 0, 0, 0, 1, 0, 0, 0]).slice(0, 24)), NONE, SOCK_STREAM, TCP),
    exact: true,
    semantic: true,
  },
  {
    name: 'a truncated sockaddr whose kept sin_zero bytes differ',
    a: entry(sa(ipv4(HOST, 80).slice(0, 22)), NONE, SOCK_STREAM, TCP),
    b: entry(sa(ipv4(HOST, 80, [9, 0, 0, 0, 0, 0, 0, 0]).slice(0, 22)), NONE, SOCK_STREAM, TCP),
    exact: false,
    semantic: true,
  },
  {
    name: 'sin_zero-like bytes of a non-IPv4 family are meaningful',
    a: entry(sa(IPX), NONE, SOCK_DGRAM, NSPROTO_IPX),
    b: entry(sa(`${IPX.slice(0, 18)}ff${IPX.slice(20)}`), NONE, SOCK_DGRAM, NSPROTO_IPX),
    exact: false,
    semantic: false,
  },
];

/** Build A in one image and B in another (different arch, base, pointers, padding) and match them through views. */
function matchThroughViews(
  a: CsAddrInfoJson,
  b: CsAddrInfoJson,
  archA: 'x86' | 'x64',
  archB: 'x86' | 'x64',
  mode: 'exact' | 'semantic',
): boolean {
  const imageA = new ImageBuilder(archA, 0x10000, { filler: 0xcc });
  const atA = imageA.csaddrArray([a]);
  const imageB = new ImageBuilder(archB, archB === 'x64' ? 0x7ff6_1234_0000 : 0x7f00_0000, { filler: 0x5a, gap: 13 });
  const atB = imageB.csaddrArray([tcp4(9999), b]); // b is entry 1, behind other pointers
  const viewA = new CsAddrArrayView(RegionList.flat(imageA.image(), imageA.base), atA, 1, archA);
  const viewB = new CsAddrArrayView(RegionList.flat(imageB.image(), imageB.base), atB, 2, archB);
  const result = AddressSet.fromView(viewA, { mode }).matchAll(viewB);
  return result.matched.includes(1);
}

describe('the match rule', () => {
  describe.each(rows)('$name', ({ a, b, exact, semantic }) => {
    it.each([
      ['exact', exact],
      ['semantic', semantic],
    ] as const)('%s mode: match = %s', (mode, expected) => {
      expect(entriesMatch(a, b, mode)).toBe(expected);
      expect(entriesMatch(b, a, mode)).toBe(expected);
      expect(AddressSet.fromCanonical([a], { mode }).has(b)).toBe(expected);
      for (const [archA, archB] of [
        ['x86', 'x64'],
        ['x64', 'x86'],
        ['x64', 'x64'],
        ['x86', 'x86'],
      ] as const) {
        expect(matchThroughViews(a, b, archA, archB, mode)).toBe(expected);
      }
    });
  });

  it('exact is the default mode', () => {
    expect(entriesMatch(tcp4(80), tcp4(80, [1, 0, 0, 0, 0, 0, 0, 0]))).toBe(false);
    expect(new AddressSet().mode).toBe('exact');
  });

  it('semantic mode ignores exactly sin_zero and sin6_flowinfo', () => {
    expect(SEMANTIC_IGNORED.map((r) => [r.family, r.member, r.start, r.end])).toEqual([
      [2, 'SOCKADDR_IN.sin_zero', 8, 16],
      [23, 'SOCKADDR_IN6.sin6_flowinfo', 4, 8],
    ]);
  });
});

describe('IPROTOCOL_ANY substitution', () => {
  it.each([
    [2, SOCK_STREAM, TCP],
    [2, SOCK_DGRAM, UDP],
    [23, SOCK_STREAM, TCP],
    [23, SOCK_DGRAM, UDP],
    [6, SOCK_DGRAM, NSPROTO_IPX],
    [6, SOCK_SEQPACKET, NSPROTO_SPX],
    [32, SOCK_STREAM, BTHPROTO_RFCOMM],
  ])('family %i, socket type %i → %i', (family, type, protocol) => {
    expect(substituteProtocol(family, type, ANY)).toBe(protocol);
  });

  it('leaves any other protocol alone, acceptable or not', () => {
    expect(substituteProtocol(2, SOCK_STREAM, UDP)).toBe(UDP);
    expect(substituteProtocol(99, 99, 12345)).toBe(12345);
  });

  it.each([
    [2, SOCK_RAW],
    [23, SOCK_SEQPACKET],
    [6, SOCK_STREAM],
    [32, SOCK_DGRAM],
    [17, SOCK_STREAM],
    [-1, SOCK_STREAM],
  ])('family %i with socket type %i has no acceptable protocol', (family, type) => {
    expect(() => substituteProtocol(family, type, ANY)).toThrow(ProtocolSubstitutionError);
  });

  it('is an InvalidDataError naming the entry, from JSON and from memory', () => {
    const bad = entry(sa(ipv4(HOST, 80)), NONE, SOCK_RAW, ANY);
    const err = (() => {
      try {
        AddressSet.fromCanonical([tcp4(), bad]);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ProtocolSubstitutionError);
    expect(err).toBeInstanceOf(InvalidDataError);
    expect((err as Error).message).toBe(
      '[1].iProtocol: iProtocol is IPROTOCOL_ANY (-1) but no protocol is acceptable for address family 2 with socket type 3',
    );

    const image = new ImageBuilder('x64', 0x1000);
    const at = image.csaddrArray([tcp4(), entry(NONE, NONE, SOCK_STREAM, ANY)]);
    const view = new CsAddrArrayView(RegionList.flat(image.image(), image.base), at, 2, 'x64');
    expect(() => AddressSet.fromView(view)).toThrow(
      'lpcsaBuffer[1].iProtocol: iProtocol is IPROTOCOL_ANY (-1) but neither LocalAddr nor RemoteAddr has a sockaddr to take the address family from',
    );
  });
});
