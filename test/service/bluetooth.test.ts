import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CsAddrInfoJson, QuerySetJson } from '../../src/codec/canonical.js';
import { encodeQuerySet } from '../../src/codec/index.js';
import { RegionList } from '../../src/memory/region-list.js';
import { BTH_SDP_VERSION, PROVIDER_IDS, WinsockError, WinsockRegistry } from '../../src/service/index.js';
import { querySet } from './helpers.js';

const REGISTER = 0;
const DEREGISTER = 1;
const DELETE = 2;
const NS_BTH = 16;

/** SOCKADDR_BTH by hand (ws2bth.h, pack(1)): USHORT family 32, BTH_ADDR (8), GUID (16), ULONG port — 30 bytes. */
function sockaddrBth(port: number): string {
  const le32 = (n: number) => [0, 8, 16, 24].map((s) => ((n >>> s) & 0xff).toString(16).padStart(2, '0')).join('');
  return `2000${'00'.repeat(8)}${'00'.repeat(16)}${le32(port)}`;
}

function rfcomm(port: number): CsAddrInfoJson {
  return {
    LocalAddr: { lpSockaddr: sockaddrBth(port), iSockaddrLength: 30 },
    RemoteAddr: { lpSockaddr: null, iSockaddrLength: 0 },
    iSocketType: 1,
    iProtocol: 3,
  };
}

const bth = (addresses: CsAddrInfoJson[] | null, overrides: Partial<QuerySetJson> = {}) =>
  querySet(addresses, { dwNameSpace: NS_BTH, lpszServiceInstanceName: 'Chat', ...overrides });

/**
 * BTH_SET_SERVICE by hand (pack(1)): pSdpVersion, pRecordHandle (pointers),
 * ULONG fCodService, ULONG Reserved[5], ULONG ulRecordLength, then the record.
 */
function bthSetService(
  arch: 'x86' | 'x64',
  pSdpVersion: number,
  pRecordHandle: number,
  record: number[],
  reserved = 0,
): string {
  const bytes: number[] = [];
  const put = (value: number, size: number) => {
    for (let i = 0; i < size; i++) bytes.push(Number((BigInt(value) >> BigInt(8 * i)) & 0xffn));
  };
  const p = arch === 'x86' ? 4 : 8;
  put(pSdpVersion, p);
  put(pRecordHandle, p);
  put(0x00100000, 4); // fCodService
  put(reserved, 4);
  for (let i = 0; i < 4; i++) put(0, 4);
  put(record.length, 4);
  bytes.push(...record);
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
}

const SDP_RECORD = [0x35, 0x03, 0x09, 0x00, 0x01]; // a data-element sequence; its content is the application's business

let registry: WinsockRegistry;
beforeEach(() => {
  registry = new WinsockRegistry({ principal: 'alice' });
  registry.startup();
});
afterEach(() => {
  while (registry.started) registry.cleanup();
});

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof WinsockError) return e.name;
    throw e;
  }
  return 'success';
}

describe('Bluetooth (NS_BTH), by "Bluetooth and WSASetService"', () => {
  it('RNRSERVICE_DEREGISTER is not valid; dwControlFlags must be zero', () => {
    expect(code(() => registry.setServiceTyped(bth([rfcomm(5)]), DEREGISTER, 0))).toBe('WSAEINVAL');
    expect(code(() => registry.setServiceTyped(bth([rfcomm(5)]), REGISTER, 1))).toBe('WSAEINVAL');
    expect(registry.builtins.bluetooth!.list()).toEqual([]);
  });

  it('simple form: one SOCKADDR_BTH, a unique protocol and port, DELETE finds the record by them', () => {
    const r = registry.setServiceTyped(bth([rfcomm(5)]), REGISTER, 0);
    expect(r.providers[0]!.outcome).toMatchObject({ object: 'created', recordHandle: '0x10000' });
    expect(
      code(() => registry.setServiceTyped(bth([rfcomm(5)], { lpszServiceInstanceName: 'Other' }), REGISTER, 0)),
    ).toBe('WSAEINVAL');
    expect(code(() => registry.setServiceTyped(bth([rfcomm(6), rfcomm(7)]), REGISTER, 0))).toBe('WSAEINVAL');
    expect(
      code(() =>
        registry.setServiceTyped(
          bth([{ ...rfcomm(6), LocalAddr: { lpSockaddr: `0200005000000000${'00'.repeat(8)}`, iSockaddrLength: 16 } }]),
          REGISTER,
          0,
        ),
      ),
    ).toBe('WSAEINVAL');
    // IPROTOCOL_ANY on a stream socket is RFCOMM: the same endpoint.
    expect(code(() => registry.setServiceTyped(bth([{ ...rfcomm(5), iProtocol: -1 }]), REGISTER, 0))).toBe('WSAEINVAL');
    expect(registry.setServiceTyped(bth([rfcomm(5)]), DELETE, 0).providers[0]!.outcome).toMatchObject({
      object: 'deleted',
      recordHandle: '0x10000',
    });
    expect(code(() => registry.setServiceTyped(bth([rfcomm(5)]), DELETE, 0))).toBe('WSASERVICE_NOT_FOUND');
  });

  it('records live only as long as the registering registry (the last cleanup ends them)', () => {
    registry.setServiceTyped(bth([rfcomm(5)]), REGISTER, 0);
    registry.startup();
    registry.cleanup();
    expect(registry.builtins.bluetooth!.list()).toHaveLength(1);
    registry.cleanup();
    registry.startup();
    expect(registry.builtins.bluetooth!.list()).toEqual([]);
    expect(code(() => registry.setServiceTyped(bth([rfcomm(5)]), DELETE, 0))).toBe('WSASERVICE_NOT_FOUND');
  });

  it('another principal may not delete the record', () => {
    registry.setServiceTyped(bth([rfcomm(5)]), REGISTER, 0);
    registry.principal = 'bob';
    expect(code(() => registry.setServiceTyped(bth([rfcomm(5)]), DELETE, 0))).toBe('WSAEACCES');
  });

  describe.each(['x64', 'x86'] as const)('BTH_SET_SERVICE in lpBlob, raw %s image', (arch) => {
    const size = arch === 'x64' ? 120 : 60;
    const base = 0x400000;
    const variables = 0x7ff00000; // where the caller keeps its ULONG version and HANDLE
    const handleAt = variables + 8;

    function image(charset: 'W' | 'A' = 'W', handle = 0, reserved = 0) {
      const blob = bthSetService(arch, variables, handleAt, SDP_RECORD, reserved);
      // Only dwSize and dwNameSpace count: the rest is nonsense a provider must not look at.
      const qs = querySet(null, {
        dwSize: size,
        dwNameSpace: NS_BTH,
        lpServiceClassId: null,
        lpszServiceInstanceName: null,
        dwNumberOfCsAddrs: 0,
        lpBlob: { cbSize: blob.length / 2, pBlobData: blob },
      });
      const bytes = encodeQuerySet(qs, { arch, charset, base });
      // …and dangling: lpszServiceInstanceName points nowhere, dwNumberOfCsAddrs is 5 with a NULL array
      // (offsets by hand: x64 8 and 88, x86 4 and 44).
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      view.setUint32(arch === 'x64' ? 8 : 4, 0xdead0000, true);
      view.setUint32(arch === 'x64' ? 88 : 44, 5, true);
      const vars = new Uint8Array(16);
      new DataView(vars.buffer).setUint32(0, 0, true);
      new DataView(vars.buffer).setUint32(8, handle, true);
      const space = new RegionList([
        { base, bytes },
        { base: variables, bytes: vars },
      ]);
      return { source: { space, at: base, arch, charset }, vars };
    }
    const handleIn = (vars: Uint8Array) => new DataView(vars.buffer).getUint32(8, true);
    const versionIn = (vars: Uint8Array) => new DataView(vars.buffer).getUint32(0, true);

    it('REGISTER writes the record handle through pRecordHandle and BTH_SDP_VERSION through pSdpVersion; DELETE by that handle', () => {
      const { source, vars } = image();
      const r = registry.setServiceTyped(source, REGISTER, 0);
      expect(r.providers.map((p) => p.id)).toEqual([PROVIDER_IDS.bluetooth]);
      expect(r.providers[0]!.outcome).toMatchObject({
        object: 'created',
        recordHandle: '0x10000',
        recordHandleWrittenBack: true,
      });
      expect(handleIn(vars)).toBe(0x10000);
      expect(versionIn(vars)).toBe(1);
      expect(registry.builtins.bluetooth!.list()[0]).toMatchObject({
        sdpRecord: '3503090001',
        fCodService: 0x00100000,
      });
      // A second REGISTER with the same (now non-NULL) handle is not a new registration.
      expect(code(() => registry.setServiceTyped(source, REGISTER, 0))).toBe('WSAEINVAL');
      expect(registry.setService(source, DELETE, 0)).toBe(0);
      expect(registry.builtins.bluetooth!.list()).toEqual([]);
      expect(code(() => registry.setServiceTyped(source, DELETE, 0))).toBe('WSASERVICE_NOT_FOUND');
    });

    it('Reserved must be zero; a NULL handle cannot be deleted', () => {
      expect(code(() => registry.setServiceTyped(image('W', 0, 7).source, REGISTER, 0))).toBe('WSAEINVAL');
      expect(code(() => registry.setServiceTyped(image().source, DELETE, 0))).toBe('WSAEINVAL');
    });

    it('WSASetServiceA: the handle goes to the Unicode copy, not back to the caller (the documented ANSI limitation)', () => {
      const { source, vars } = image('A');
      const r = registry.setServiceTyped(source, REGISTER, 0);
      expect(r.providers[0]!.outcome).toMatchObject({ recordHandle: '0x10000', recordHandleWrittenBack: true });
      expect(handleIn(vars)).toBe(0);
      expect(versionIn(vars)).toBe(0);
      expect(r.unicodeQuerySet?.dwSize).toBe(size);
      expect(r.unreturnedWrites?.get(handleAt)).toBe(0x00);
      expect(r.unreturnedWrites?.get(handleAt + 2)).toBe(0x01);
      // So the ANSI caller cannot DELETE what it registered: its HANDLE is still NULL.
      expect(code(() => registry.setServiceTyped(source, DELETE, 0))).toBe('WSAEINVAL');
    });
  });

  it('canonical JSON with no memory: the handle is reported, not written back, and DELETE cannot follow pRecordHandle', () => {
    const blob = bthSetService('x64', 0x1000, 0x1008, SDP_RECORD);
    const qs = bth(null, { lpServiceClassId: null, lpBlob: { cbSize: blob.length / 2, pBlobData: blob } });
    expect(registry.setServiceTyped(qs, REGISTER, 0).providers[0]!.outcome).toMatchObject({
      recordHandle: '0x10000',
      recordHandleWrittenBack: false,
    });
    expect(code(() => registry.setServiceTyped(qs, DELETE, 0))).toBe('WSAEINVAL');
  });

  it('a blob shorter than its header or record is WSAEINVAL', () => {
    const blob = bthSetService('x64', 0x1000, 0x1008, SDP_RECORD).slice(0, -4);
    expect(
      code(() =>
        registry.setServiceTyped(bth(null, { lpBlob: { cbSize: blob.length / 2, pBlobData: blob } }), REGISTER, 0),
      ),
    ).toBe('WSAEINVAL');
    expect(
      code(() =>
        registry.setServiceTyped(bth(null, { lpBlob: { cbSize: 8, pBlobData: '00'.repeat(8) } }), REGISTER, 0),
      ),
    ).toBe('WSAEINVAL');
  });
});

describe('BTH_SDP_VERSION', () => {
  it('is the value ws2bth.h gives it (mingw-w64, compiled with -S)', (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'rnrkit-bth-'));
    try {
      writeFileSync(
        join(dir, 'v.c'),
        '#include <winsock2.h>\n#include <ws2bth.h>\nint probe_version = BTH_SDP_VERSION;\n',
      );
      try {
        execFileSync('x86_64-w64-mingw32-gcc', ['-S', '-o', join(dir, 'v.s'), join(dir, 'v.c')], { stdio: 'pipe' });
      } catch {
        ctx.skip();
      }
      const asm = readFileSync(join(dir, 'v.s'), 'utf8');
      const value = /probe_version:\s*\n\s*\.long\s+(\d+)/.exec(asm);
      expect(Number(value?.[1])).toBe(BTH_SDP_VERSION);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
