import { describe, expect, it } from 'vitest';
import { entriesMatch } from '../../src/match/index.js';
import { escapeDnValue, parseDirectoryUrl, unescapeDnValue } from '../../src/service/ldap/dn.js';
import {
  generalizedTime,
  objectFromEntry,
  objectRdn,
  parkedPrefix,
  parkedRdn,
} from '../../src/service/ldap/mapping.js';
import { decodeAddress, encodeAddresses, encodeNormalised } from '../../src/service/ldap/winsock-addresses.js';
import { objectKey } from '../../src/service/object-key.js';
import { CLASS_ID, sockaddrIn, tcp } from './helpers.js';

const V6 = {
  LocalAddr: {
    lpSockaddr: `17000050${'00000000'}${'fe800000000000000000000000000001'}${'00000000'}`,
    iSockaddrLength: 28,
  },
  RemoteAddr: { lpSockaddr: sockaddrIn(10, 0, 0, 9, 53), iSockaddrLength: 16 },
  iSocketType: 2,
  iProtocol: 17,
};

describe('winsockAddresses values (format version 1)', () => {
  it('lays out tag, socket type, protocol, both lengths and both sockaddrs, little-endian', () => {
    const [value] = encodeAddresses([V6]);
    expect(value!.subarray(0, 16).toString('hex')).toBe(`524e5201${'02000000'}${'11000000'}${'1c00'}${'1000'}`);
    expect(value!.length).toBe(16 + 28 + 16);
    expect(decodeAddress(value!)).toEqual(V6);
  });

  it('value equality is the exact-match rule: equal bytes exactly when the entries match', () => {
    const variants = [
      tcp(1),
      tcp(2),
      tcp(1, 81),
      { ...tcp(1), iProtocol: -1 },
      { ...tcp(1), iSocketType: 2, iProtocol: 17 },
      { ...tcp(1), LocalAddr: { lpSockaddr: sockaddrIn(10, 0, 0, 1, 80, '0000000000000001'), iSockaddrLength: 16 } },
      { ...tcp(1), RemoteAddr: { lpSockaddr: null, iSockaddrLength: 16 } },
      { ...tcp(1), RemoteAddr: { lpSockaddr: '', iSockaddrLength: 0 } },
      V6,
    ];
    for (const a of variants) {
      for (const b of variants) {
        const same = encodeAddresses([a])[0]!.equals(encodeAddresses([b])[0]!);
        expect(same, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(entriesMatch(a, b));
      }
    }
  });

  it('anything not in its one canonical form is opaque: other tags, versions, lengths, an unsubstituted IPROTOCOL_ANY', () => {
    const good = encodeNormalised(tcp(1));
    const bad = [
      Buffer.from('010203', 'hex'),
      Buffer.concat([Buffer.from('524e5202', 'hex'), good.subarray(4)]),
      good.subarray(0, good.length - 1),
      Buffer.concat([good, Buffer.from([0])]),
      (() => {
        const b = Buffer.from(good);
        b.writeInt32LE(-1, 8);
        return b;
      })(),
    ];
    for (const value of bad) expect(decodeAddress(value)).toBeUndefined();
  });
});

describe('DNs', () => {
  it('escapes RFC 4514 specials as hex pairs and unescapes them back', () => {
    for (const value of [' ,+"\\<>;=# x ', '#start', 'end ', 'plain', 'ümlaut ☃', 'a\u0000b']) {
      const escaped = escapeDnValue(value);
      expect(escaped).not.toMatch(/(?<!\\[0-9a-f]?),/);
      expect(unescapeDnValue(escaped)).toBe(value);
    }
    expect(escapeDnValue(' a,b ')).toBe('\\20a\\2cb\\20');
  });

  it('the RDN is a pure function of the identity, fits cn (64), and differs for identities Windows tells apart', () => {
    const rdn = (name: string | null, context: string | null = null) =>
      objectRdn(objectKey('p', CLASS_ID, name, context));
    expect(rdn('Printer')).toBe(rdn('PRINTER'));
    expect(rdn('straße')).not.toBe(rdn('STRASSE'));
    expect(rdn('Printer', null)).not.toBe(rdn('Printer', ''));
    for (const name of ['x'.repeat(300), '\uD800', null, ' ', '#,+;'] as const) {
      const value = unescapeDnValue(rdn(name).slice(3));
      expect(value.length).toBeLessThanOrEqual(64);
    }
  });

  it('a directory URL names the container: the domain gets CN=WinsockServices,CN=System; a container at or below it is used as is', () => {
    expect(parseDirectoryUrl('ldaps://dc1.example.com/DC=example,DC=com')).toMatchObject({
      serverUrl: 'ldaps://dc1.example.com:636',
      containerDn: 'CN=WinsockServices,CN=System,DC=example,DC=com',
    });
    expect(parseDirectoryUrl('ldaps://127.0.0.1:1636/CN=Team,CN=WinsockServices,CN=System,DC=x').containerDn).toBe(
      'CN=Team,CN=WinsockServices,CN=System,DC=x',
    );
    expect(() => parseDirectoryUrl('ldap://dc1/DC=x')).toThrow(/ldaps/);
    expect(() => parseDirectoryUrl('ldaps://u:p@dc1/DC=x')).toThrow(/credentials/);
    expect(() => parseDirectoryUrl('ldaps://dc1/')).toThrow(/base DN/);
  });

  it('a parked RDN fits cn (64) and starts with the prefix a later write to the same identity searches for', () => {
    const key = objectKey('p', CLASS_ID, 'x'.repeat(300), 'ctx');
    const rdn = parkedRdn(key, 'ffffffffffffffff');
    expect(rdn.length - 'CN='.length).toBeLessThanOrEqual(64);
    expect(rdn.startsWith(`CN=${parkedPrefix(key)}`)).toBe(true);
    expect(parkedPrefix(key)).toBe(parkedPrefix(objectKey('p', CLASS_ID, 'X'.repeat(300), 'ctx')));
    expect(parkedPrefix(key)).not.toBe(parkedPrefix(objectKey('p', CLASS_ID, 'x'.repeat(300), null)));
    // Only hex and hyphens: safe in a substring filter without escaping.
    expect(parkedPrefix(key)).toMatch(/^rnrkit-removing-[0-9a-f]{20}-$/);
  });

  it("whom an object's quota charges: a SID in the owner keyword, and nothing else written there", () => {
    const entry = (keywords: string[]) => objectFromEntry({ dn: 'CN=x', keywords, whenChanged: '20261203132436.0Z' });
    expect(entry(['rnrkit:owner=S-1-5-21-1-2-3-1104']).quotaOwner).toBe('S-1-5-21-1-2-3-1104');
    for (const forged of [
      'rnrkit:owner=*)(cn=*',
      'rnrkit:owner=',
      'rnrkit:owner=S-1-5-21-1-2-3-1104 ',
      'rnrkit:owner=alice',
    ])
      expect(entry([forged]).quotaOwner, forged).toBeUndefined();
    // A forged value beside a real one (rnrkit adds the real one when it finds none) does not hide it.
    expect(entry(['rnrkit:owner=alice', 'rnrkit:owner=S-1-5-21-9-1104']).quotaOwner).toBe('S-1-5-21-9-1104');
    expect(entry([]).changed).toBe(Date.UTC(2026, 11, 3, 13, 24, 36));
    expect(generalizedTime('yesterday')).toBeNaN();
  });
});
