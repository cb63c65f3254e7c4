import { layoutOf } from '../../src/abi/layout.js';
import { bufferLayoutOf, koffiTypeOf, restructureCodecOf } from '../../src/adapters/index.js';
import { loadKoffi } from '../../src/adapters/koffi.js';
import type { CsAddrInfoJson, QuerySetJson } from '../../src/codec/canonical.js';
import { decodeQuerySet, encodeQuerySet, setCodeGeneration } from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/region-list.js';
import type { BenchCase } from '../case.js';

/**
 * decode/encode of x64 WSAQUERYSETW (docs/codec.md, docs/benchmarks.md): `typical` is 4
 * addresses, 3 strings, a GUID and a version; `1000` is 1,000 addresses.
 * Baselines side by side: restructure with the schema generated from the
 * same table (whole pointer graph), buffer-layout and koffi (fixed parts
 * only: the set's struct and its CSADDR_INFO array, no pointees).
 * `@closures` is rnrkit's own codec built without code generation (the
 * path a page with a strict CSP gets), beside the generated one.
 */
const arch = 'x64';
const charset = 'W';
const BASE = 0x1_4000_0000;

function ipv4(i: number): string {
  const port = (8000 + (i % 1000)).toString(16).padStart(4, '0');
  const addr = [10, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `0200${port}${addr}0000000000000000`;
}
function ipv6(i: number): string {
  return `1700${(443).toString(16).padStart(4, '0')}00000000fe80000000000000${i.toString(16).padStart(16, '0')}05000000`;
}
function entry(i: number): CsAddrInfoJson {
  const local = i % 2 === 0 ? ipv4(i) : ipv6(i);
  return {
    LocalAddr: { lpSockaddr: local, iSockaddrLength: local.length / 2 },
    RemoteAddr: { lpSockaddr: null, iSockaddrLength: 0 },
    iSocketType: 1,
    iProtocol: 6,
  };
}
function querySet(addresses: number): QuerySetJson {
  return {
    dwSize: layoutOf('WSAQUERYSETW', arch).size,
    lpszServiceInstanceName: 'Printer on floor 3',
    lpServiceClassId: '{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}',
    lpVersion: { dwVersion: 2, ecHow: 0 },
    lpszComment: 'colour laser, duplex',
    dwNameSpace: 12,
    lpNSProviderId: null,
    lpszContext: 'corp.example.org',
    dwNumberOfProtocols: 0,
    lpafpProtocols: null,
    lpszQueryString: null,
    dwNumberOfCsAddrs: addresses,
    lpcsaBuffer: Array.from({ length: addresses }, (_, i) => entry(i)),
    dwOutputFlags: 0,
    lpBlob: null,
  };
}

/** Which way each case compiles the codec: set before it is timed, so no case inherits another's. */
const generated = () => setCodeGeneration('auto');
const closures = () => setCodeGeneration('closures');

function casesFor(label: string, addresses: number, withClosures: boolean): BenchCase[] {
  const qs = querySet(addresses);
  const image = encodeQuerySet(qs, { arch, charset, base: BASE });
  const space = RegionList.flat(image, BASE);
  const buffer = Buffer.from(image);
  const oracle = restructureCodecOf<QuerySetJson>(`WSAQUERYSET${charset}`, arch);
  const fixedSet = bufferLayoutOf('WSAQUERYSETW', arch);
  const fixedEntry = bufferLayoutOf('CSADDR_INFO', arch);
  const entrySize = layoutOf('CSADDR_INFO', arch).size;
  const annotated = decodeQuerySet(space, BASE, { arch, charset, annotate: true }) as unknown as Record<
    string,
    unknown
  >;
  const arrayOffset = Number(annotated.$lpcsaBuffer) - BASE;
  const fixedValues = fixedSet.decode(buffer, 0) as Record<string, number>;
  const entryValues = Array.from({ length: addresses }, (_, i) =>
    fixedEntry.decode(buffer, arrayOffset + i * entrySize),
  );
  const scratch = Buffer.alloc(image.length);

  const koffi = () => loadKoffi();
  const koffiSet = () => koffiTypeOf('WSAQUERYSETW', arch);
  const koffiEntry = () => koffiTypeOf('CSADDR_INFO', arch);

  const decode = () => decodeQuerySet(space, BASE, { arch, charset });
  const encode = () => encodeQuerySet(qs, { arch, charset, base: BASE });
  const own: BenchCase[] = withClosures
    ? [
        { name: `decode/${label}@closures`, unit: 'op', setup: closures, fn: decode },
        { name: `encode/${label}@closures`, unit: 'op', setup: closures, fn: encode },
      ]
    : [];

  const cases: BenchCase[] = [
    { name: `decode/${label}`, unit: 'op', fn: decode },
    { name: `decode/${label}@restructure`, unit: 'op', fn: () => oracle.decode(image, BASE, BASE) },
    {
      name: `decode/${label}@buffer-layout`,
      unit: 'op',
      fn: () => {
        const set = fixedSet.decode(buffer, 0);
        const entries = [];
        for (let i = 0; i < addresses; i++) entries.push(fixedEntry.decode(buffer, arrayOffset + i * entrySize));
        return [set, entries];
      },
    },
    {
      name: `decode/${label}@koffi`,
      unit: 'op',
      fn: () => {
        const k = koffi();
        const set = k.decode(buffer, 0, koffiSet());
        const entries = [];
        for (let i = 0; i < addresses; i++) entries.push(k.decode(buffer, arrayOffset + i * entrySize, koffiEntry()));
        return [set, entries];
      },
    },
    { name: `encode/${label}`, unit: 'op', fn: encode },
    { name: `encode/${label}@restructure`, unit: 'op', fn: () => oracle.encode(qs, BASE) },
    {
      name: `encode/${label}@buffer-layout`,
      unit: 'op',
      fn: () => {
        fixedSet.encode(fixedValues, scratch, 0);
        for (let i = 0; i < addresses; i++) fixedEntry.encode(entryValues[i], scratch, arrayOffset + i * entrySize);
        return scratch;
      },
    },
    {
      name: `encode/${label}@koffi`,
      unit: 'op',
      fn: () => {
        const k = koffi();
        k.encode(scratch, 0, koffiSet(), fixedValues);
        for (let i = 0; i < addresses; i++)
          k.encode(scratch, arrayOffset + i * entrySize, koffiEntry(), entryValues[i]);
        return scratch;
      },
    },
  ];
  return [...own, ...cases.map((c) => ({ ...c, setup: generated }))];
}

export const cases: BenchCase[] = [...casesFor('typical', 4, true), ...casesFor('1000', 1000, false)];
