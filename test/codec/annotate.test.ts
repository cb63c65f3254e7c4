import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NS_BTH } from '../../src/abi/constants.js';
import type { Arch } from '../../src/abi/types.js';
import { decodeQuerySet, describeSockaddr } from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/region-list.js';
import { offsetOf, sizeOf } from '../helpers/ground-truth.js';
import { ImageBuilder } from '../helpers/image-builder.js';
import { entry, fullSet, nullSet } from '../helpers/samples.js';

const hexToBytes = (h: string) =>
  Uint8Array.from({ length: h.length / 2 }, (_, i) => parseInt(h.slice(i * 2, i * 2 + 2), 16));
const describeHex = (h: string) => describeSockaddr(hexToBytes(h), 0, h.length / 2);

describe('$sockaddr', () => {
  it('IPv4, IPv6 with scope id, IPX, Bluetooth, unknown families and short buffers', () => {
    expect(describeHex('02001f90c0a800010000000000000000')).toEqual({
      family: 'AF_INET',
      port: 8080,
      address: '192.168.0.1',
      text: '192.168.0.1:8080',
    });
    expect(describeHex('170001bb00000000fe80000000000000000000000000000107000000')).toEqual({
      family: 'AF_INET6',
      port: 443,
      flowinfo: 0,
      address: 'fe80::1',
      scopeId: 7,
      text: '[fe80::1%7]:443',
    });
    expect(describeHex('0600' + '0a0b0c0d' + '0123456789ab' + '0451')).toEqual({
      family: 'AF_IPX',
      network: '0a0b0c0d',
      node: '0123456789ab',
      socket: 0x0451,
    });
    // SOCKADDR_BTH (pack 1): family 32, btAddr 0x001122334455 little-endian, a class GUID, port 3.
    const bth = '2000' + '5544332211000000' + '01110000' + '0000' + '0010' + '800000805f9b34fb' + '03000000';
    expect(describeHex(bth)).toEqual({
      family: 'AF_BTH',
      address: '00:11:22:33:44:55',
      serviceClassId: '{00001101-0000-1000-8000-00805F9B34FB}',
      port: 3,
    });
    expect(describeHex('0200' + '1f90')).toEqual({
      family: 'AF_INET',
      error: 'iSockaddrLength 4 is shorter than SOCKADDR_IN (16)',
    });
    expect(describeHex('9999')).toEqual({ family: 0x9999 });
    expect(describeHex('02')).toBeUndefined();
  });

  it('IPv6 text agrees with the WHATWG URL serializer (RFC 5952 compression, lower case)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }),
        (groups) => {
          // IPv4-mapped addresses are written dotted by rnrkit (RFC 5952 §5), in hex by WHATWG.
          fc.pre(!(groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff));
          const hex = `1700005000000000${groups.map((g) => g.toString(16).padStart(4, '0')).join('')}00000000`;
          const note = describeHex(hex) as { address: string };
          expect(`[${note.address}]`).toBe(
            new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname,
          );
        },
      ),
      { numRuns: 300 },
    );
    expect(
      (describeHex('1700005000000000' + '00000000000000000000ffffc0000201' + '00000000') as { address: string })
        .address,
    ).toBe('::ffff:192.0.2.1');
  });
});

describe.each(['x86', 'x64'] as Arch[])('annotated decode (%s)', (arch) => {
  it('$at on every struct, $member after every non-NULL pointer member, $sockaddr after a sockaddr', () => {
    const b = new ImageBuilder(arch, 0x50000);
    const at = b.querySet(fullSet(), 'W');
    const r = decodeQuerySet(RegionList.flat(b.image(), 0x50000), at, {
      arch,
      charset: 'W',
      annotate: true,
    }) as unknown as Record<string, unknown>;
    expect(Object.keys(r).slice(0, 4)).toEqual([
      '$at',
      'dwSize',
      'lpszServiceInstanceName',
      '$lpszServiceInstanceName',
    ]);
    expect(r.$at).toBe(`0x${at.toString(16)}`);
    expect(r).not.toHaveProperty('$lpNSProviderId', null);
    // Annotations stripped, the canonical JSON is what a plain decode gives.
    const strip = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(strip)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .filter(([k]) => !k.startsWith('$'))
                .map(([k, x]) => [k, strip(x)]),
            )
          : v;
    expect(strip(r)).toStrictEqual(fullSet());
    // Each address annotation is where the builder put the thing.
    const csaddr = r.lpcsaBuffer as Record<string, Record<string, unknown>>[];
    expect(Number(csaddr[1]!.$at)).toBe(Number(r.$lpcsaBuffer) + sizeOf(arch, 'CSADDR_INFO'));
    expect(Number(csaddr[1]!.RemoteAddr!.$at)).toBe(
      Number(csaddr[1]!.$at) + offsetOf(arch, 'CSADDR_INFO', 'RemoteAddr'),
    );
    expect(csaddr[1]!.RemoteAddr!.$sockaddr).toMatchObject({ family: 'AF_INET6', scopeId: 7 });
    expect(csaddr[0]!.RemoteAddr).not.toHaveProperty('$sockaddr');
  });

  it('NS_BTH: the BTH_SET_SERVICE in lpBlob, with its inner pointers followed', () => {
    const b = new ImageBuilder(arch, 0x60000);
    const ptr = arch === 'x86' ? 4 : 8;
    const sdpVersion = b.reserve(4);
    b.u32(sdpVersion, 0x100);
    const recordHandle = b.reserve(ptr);
    b.pointer(recordHandle, 0x1234);
    // The blob: header (pack 1) then the SDP record inline.
    const record = '3509' + '0a0b0c0d0e0f1011';
    const S = 'BTH_SET_SERVICE';
    const header = new Uint8Array(offsetOf(arch, S, 'pRecord'));
    const v = new DataView(header.buffer);
    const put = (member: string, value: number) => v.setUint32(offsetOf(arch, S, member), value, true);
    put('pSdpVersion', sdpVersion);
    put('pRecordHandle', recordHandle);
    put('fCodService', 0x200000);
    for (let i = 0; i < 5; i++) v.setUint32(offsetOf(arch, S, 'Reserved') + i * 4, i, true);
    put('ulRecordLength', record.length / 2);
    const blobHex = Array.from(header, (x) => x.toString(16).padStart(2, '0')).join('') + record;
    const qs = {
      ...nullSet(),
      dwNameSpace: NS_BTH,
      dwNumberOfCsAddrs: 1,
      lpcsaBuffer: [entry(`2000${'00'.repeat(28)}`, null, 1, 3)],
      lpBlob: { cbSize: blobHex.length / 2, pBlobData: blobHex },
    };
    const at = b.querySet(qs, 'W');
    const r = decodeQuerySet(RegionList.flat(b.image(), 0x60000), at, { arch, charset: 'W', annotate: true });
    expect(r.lpBlob!.$BTH_SET_SERVICE).toStrictEqual({
      $at: r.lpBlob!.$pBlobData,
      pSdpVersion: 0x100,
      $pSdpVersion: `0x${sdpVersion.toString(16)}`,
      pRecordHandle: '0x1234',
      $pRecordHandle: `0x${recordHandle.toString(16)}`,
      fCodService: 0x200000,
      Reserved: [0, 1, 2, 3, 4],
      ulRecordLength: record.length / 2,
      pRecord: record,
    });
    // Without NS_BTH, or without --annotate, there is no such annotation.
    expect(decodeQuerySet(RegionList.flat(b.image(), 0x60000), at, { arch, charset: 'W' }).lpBlob).not.toHaveProperty(
      '$BTH_SET_SERVICE',
    );
  });

  it('an NS_BTH blob that is no BTH_SET_SERVICE says so in the annotation, and the decode still succeeds', () => {
    const b = new ImageBuilder(arch, 0x60000);
    const at = b.querySet({ ...nullSet(), dwNameSpace: NS_BTH, lpBlob: { cbSize: 3, pBlobData: '010203' } }, 'A');
    const r = decodeQuerySet(RegionList.flat(b.image(), 0x60000), at, { arch, charset: 'A', annotate: true });
    expect(r.lpBlob!.$BTH_SET_SERVICE).toEqual({
      $error: expect.stringMatching(/^cbSize = 3 is shorter than a BTH_SET_SERVICE header/) as unknown,
    });
  });
});
