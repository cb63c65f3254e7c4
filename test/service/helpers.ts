import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { CsAddrInfoJson, QuerySetJson } from '../../src/codec/canonical.js';
import {
  openStore,
  type RegistryOptions,
  type ServiceStore,
  WinsockError,
  WinsockRegistry,
} from '../../src/service/index.js';

/**
 * Test data written by hand (not through the layouts under test): a
 * SOCKADDR_IN is family 2 little-endian, port big-endian, four address
 * bytes, eight zero bytes — 16 bytes, as winsock2.h declares it.
 */
export function sockaddrIn(
  a: number,
  b: number,
  c: number,
  d: number,
  port: number,
  zeroTail = '0000000000000000',
): string {
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  return `0200${hex(port, 4)}${hex(a, 2)}${hex(b, 2)}${hex(c, 2)}${hex(d, 2)}${zeroTail}`;
}

/** A CSADDR_INFO for a TCP listener on 10.0.0.<host>:<port>. */
export function tcp(host: number, port = 80, protocol = 6): CsAddrInfoJson {
  return {
    LocalAddr: { lpSockaddr: sockaddrIn(10, 0, 0, host, port), iSockaddrLength: 16 },
    RemoteAddr: { lpSockaddr: null, iSockaddrLength: 0 },
    iSocketType: 1,
    iProtocol: protocol,
  };
}

export const CLASS_ID = '{5C3A1F77-0B2E-4D1A-9F10-3AC477215E0D}';

/** A WSAQUERYSETW (x64 unless dwSize says otherwise) registering `addresses`. */
export function querySet(addresses: CsAddrInfoJson[] | null, overrides: Partial<QuerySetJson> = {}): QuerySetJson {
  return {
    dwSize: 120,
    lpszServiceInstanceName: 'Printer',
    lpServiceClassId: CLASS_ID,
    lpVersion: null,
    lpszComment: null,
    dwNameSpace: 32, // NS_NTDS
    lpNSProviderId: null,
    lpszContext: null,
    dwNumberOfProtocols: 0,
    lpafpProtocols: null,
    lpszQueryString: null,
    dwNumberOfCsAddrs: addresses?.length ?? 0,
    lpcsaBuffer: addresses,
    dwOutputFlags: 0,
    lpBlob: null,
    ...overrides,
  };
}

/** A temporary directory, removed by the returned function. */
export function tempDir(): { dir: string; file: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rnrkit-service-'));
  return { dir, file: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A fresh store file and a started registry (principal alice) per test:
 * `const env = freshRegistry();` then `env.registry`, `env.store`, `env.temp`.
 */
export function freshRegistry(options: Omit<RegistryOptions, 'store'> = {}): {
  readonly registry: WinsockRegistry;
  readonly store: ServiceStore;
  readonly temp: ReturnType<typeof tempDir>;
} {
  const env = {} as { registry: WinsockRegistry; store: ServiceStore; temp: ReturnType<typeof tempDir> };
  beforeEach(() => {
    env.temp = tempDir();
    env.store = openStore(env.temp.file('store.db'));
    env.registry = new WinsockRegistry({ principal: 'alice', ...options, store: env.store });
    env.registry.startup();
  });
  afterEach(() => {
    while (env.registry.started) env.registry.cleanup();
    env.store.close();
    env.temp.remove();
  });
  return env;
}

/** The WinsockError `f` throws (anything else, or nothing, fails the test). */
export function winsockError(f: () => unknown): WinsockError {
  try {
    f();
  } catch (e) {
    if (e instanceof WinsockError) return e;
    throw e;
  }
  throw new Error('expected a WinsockError');
}
