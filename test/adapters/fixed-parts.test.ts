import { describe, expect, it } from 'vitest';
import { layoutOf } from '../../src/abi/layout.js';
import type { Arch } from '../../src/abi/types.js';
import { bufferLayoutOf, koffiTypeOf } from '../../src/adapters/index.js';
import { loadKoffi } from '../../src/adapters/koffi.js';
import { decodeQuerySet, encodeQuerySet } from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/region-list.js';
import { groundTruth } from '../helpers/ground-truth.js';
import { fullSet } from '../helpers/samples.js';

/** The structs whose fixed parts the adapters describe (no unions, no bit-fields). */
const STRUCTS = [
  'GUID',
  'WSAVERSION',
  'AFPROTOCOLS',
  'BLOB',
  'SOCKET_ADDRESS',
  'CSADDR_INFO',
  'WSAQUERYSETW',
  'WSAQUERYSETA',
  'WSANSCLASSINFOW',
  'WSANSCLASSINFOA',
  'WSASERVICECLASSINFOW',
  'WSASERVICECLASSINFOA',
  'BTH_SET_SERVICE',
  'SOCKADDR',
  'SOCKADDR_IPX',
  'SOCKADDR_BTH',
  'SOCKADDR_STORAGE',
];
const ARCHES: Arch[] = ['x86', 'x64'];
const cases = ARCHES.flatMap((arch) => STRUCTS.map((name) => ({ arch, name })));

describe('buffer-layout and koffi types place every member where the compilers do', () => {
  it.each(cases)('$name on $arch', ({ arch, name }) => {
    const truth = groundTruth(arch)[name]!;
    const bl = bufferLayoutOf(name, arch);
    const koffi = loadKoffi();
    const kt = koffiTypeOf(name, arch);
    // The flexible pRecord[1] counts in sizeof; both libraries agree on that too.
    expect(bl.span).toBe(truth.size);
    expect(koffi.sizeof(kt)).toBe(truth.size);
    for (const [member, where] of Object.entries(truth.members)) {
      expect(bl.offsetOf(member), `${member} (buffer-layout)`).toBe(where.offset);
      expect(koffi.offsetof(kt, member), `${member} (koffi)`).toBe(where.offset);
      expect(layoutOf(name, arch).field(member).offset).toBe(where.offset);
    }
  });
});

describe.each(ARCHES)('fixed parts of an rnrkit image read the same through buffer-layout and koffi (%s)', (arch) => {
  const base = arch === 'x86' ? 0x0040_0000 : 0x1_8000_0000;
  const qs = fullSet();
  const image = encodeQuerySet(qs, { arch, charset: 'W', base });
  const annotated = decodeQuerySet(RegionList.flat(image, base), base, {
    arch,
    charset: 'W',
    annotate: true,
  }) as unknown as Record<string, unknown>;
  const pointer = (member: string) => (annotated[`$${member}`] === undefined ? 0 : Number(annotated[`$${member}`]));
  const expected = {
    dwSize: qs.dwSize,
    dwNameSpace: qs.dwNameSpace,
    dwNumberOfProtocols: qs.dwNumberOfProtocols,
    dwNumberOfCsAddrs: qs.dwNumberOfCsAddrs,
    dwOutputFlags: qs.dwOutputFlags,
    lpszServiceInstanceName: pointer('lpszServiceInstanceName'),
    lpServiceClassId: pointer('lpServiceClassId'),
    lpVersion: pointer('lpVersion'),
    lpszComment: pointer('lpszComment'),
    lpNSProviderId: pointer('lpNSProviderId'),
    lpszContext: pointer('lpszContext'),
    lpafpProtocols: pointer('lpafpProtocols'),
    lpszQueryString: pointer('lpszQueryString'),
    lpcsaBuffer: pointer('lpcsaBuffer'),
    lpBlob: pointer('lpBlob'),
  };

  it('WSAQUERYSETW via buffer-layout', () => {
    expect(
      bufferLayoutOf('WSAQUERYSETW', arch).decode(Buffer.from(image.buffer, image.byteOffset, image.byteLength), 0),
    ).toEqual(expected);
  });

  it('WSAQUERYSETW via koffi.decode', () => {
    const koffi = loadKoffi();
    const buffer = Buffer.from(image);
    const decoded = koffi.decode(buffer, 0, koffiTypeOf('WSAQUERYSETW', arch)) as Record<string, unknown>;
    expect(Object.fromEntries(Object.entries(decoded).map(([k, v]) => [k, Number(v)]))).toEqual(expected);
  });

  it('CSADDR_INFO entries via both', () => {
    const koffi = loadKoffi();
    const size = layoutOf('CSADDR_INFO', arch).size;
    const first = pointer('lpcsaBuffer') - base;
    const buffer = Buffer.from(image);
    const entries = annotated.lpcsaBuffer as Record<string, Record<string, unknown>>[];
    entries.forEach((e, i) => {
      const want = {
        LocalAddr: {
          lpSockaddr: e.LocalAddr!.$lpSockaddr === undefined ? 0 : Number(e.LocalAddr!.$lpSockaddr),
          iSockaddrLength: e.LocalAddr!.iSockaddrLength,
        },
        RemoteAddr: {
          lpSockaddr: e.RemoteAddr!.$lpSockaddr === undefined ? 0 : Number(e.RemoteAddr!.$lpSockaddr),
          iSockaddrLength: e.RemoteAddr!.iSockaddrLength,
        },
        iSocketType: e.iSocketType,
        iProtocol: e.iProtocol,
      };
      expect(bufferLayoutOf('CSADDR_INFO', arch).decode(buffer, first + i * size)).toEqual(want);
      const k = koffi.decode(buffer, first + i * size, koffiTypeOf('CSADDR_INFO', arch)) as typeof want;
      expect({
        ...k,
        LocalAddr: { ...k.LocalAddr, lpSockaddr: Number(k.LocalAddr.lpSockaddr) },
        RemoteAddr: { ...k.RemoteAddr, lpSockaddr: Number(k.RemoteAddr.lpSockaddr) },
      }).toEqual(want);
    });
  });
});
