import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as constants from '../../src/abi/constants.js';
import * as guid from '../../src/abi/guid.js';

const abi = { ...constants, ...guid };

const truth = (arch: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/abi/${arch}.json`, import.meta.url), 'utf8')) as {
    constants: Record<string, number>;
    guids: Record<string, string>;
  };

describe.each(['x86', 'x64'])('constants vs the %s headers', (arch) => {
  const t = truth(arch);
  // Every header constant is reachable by its own name, top level or in its group.
  const ours: Record<string, unknown> = {
    ...abi.NS,
    ...abi.WSA_ERRORS,
    ...abi.AF,
    ...abi.SOCK,
    ...abi.PROTO,
    ...abi.RESULT_FLAGS,
    ...(abi as unknown as Record<string, unknown>),
  };

  it.each(Object.entries(t.constants))('%s = %i', (name, value) => {
    expect(ours[name]).toBe(value);
  });

  it('has every NS_* of winsock2.h', () => {
    const headerNs = Object.keys(t.constants).filter((k) => k.startsWith('NS_'));
    expect(Object.keys(abi.NS).sort()).toEqual(headerNs.sort());
  });

  it('every constant of a group is also exported by its own name, with the same value', () => {
    const flat = abi as unknown as Record<string, unknown>;
    for (const group of [abi.NS, abi.WSA_ERRORS, abi.AF, abi.SOCK, abi.PROTO, abi.RESULT_FLAGS]) {
      for (const [name, value] of Object.entries(group)) expect(flat[name], name).toBe(value);
    }
  });

  it('the named GUIDs', () => {
    for (const [name, guid] of Object.entries(abi.GUIDS)) expect(guid, name).toBe(t.guids[name]);
    expect(abi.svcidTcp(80)).toBe(t.guids.SVCID_TCP_80);
    expect(abi.svcidUdp(53)).toBe(t.guids.SVCID_UDP_53);
    expect(abi.svcidNetware(4)).toBe(t.guids.SVCID_NETWARE_4);
  });
});

describe('IPROTOCOL_ANY', () => {
  it("is rnrkit's documented choice, the value of FROM_PROTOCOL_INFO", () => {
    expect(abi.IPROTOCOL_ANY).toBe(-1);
    expect(abi.IPROTOCOL_ANY).toBe(abi.FROM_PROTOCOL_INFO);
  });
});

describe('GUID text', () => {
  it('round-trips through bytes in Windows order and rejects junk', () => {
    const g = '{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}';
    const b = abi.guidToBytes(g);
    expect(Array.from(b.slice(0, 4))).toEqual([0x77, 0x1f, 0x3a, 0x5c]);
    expect(abi.guidFromBytes(b)).toBe(g);
    expect(abi.canonicalGuid(g.toLowerCase())).toBe(g);
    expect(() => abi.guidToBytes('{5C3A1F77}')).toThrow(/is not a GUID/);
  });
});
