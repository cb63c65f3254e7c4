import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RNRSERVICE_DELETE, RNRSERVICE_DEREGISTER, RNRSERVICE_REGISTER, SERVICE_MULTIPLE } from '../abi/constants.js';
import type { Arch } from '../abi/types.js';
import type { Charset, CsAddrInfoJson, QuerySetJson } from '../codec/canonical.js';
import { WinsockError } from './errors.js';
import { type LookupDemo, runLookupDemo } from './lookup-demo.js';
import { PROVIDER_IDS, type SetServiceResult, WinsockRegistry } from './registry.js';
import { openStore, type ServiceObjectJson } from './store.js';

/** One step of the registry walk-through: the call made, what it returned, the store afterwards. */
export interface RegistryDemoStep {
  readonly title: string;
  /** e.g. "RNRSERVICE_REGISTER | SERVICE_MULTIPLE". */
  readonly call: string;
  readonly lpcsaBuffer: CsAddrInfoJson[];
  readonly result: SetServiceResult | { result: -1; error: string; code: number; message: string };
  readonly state: ServiceObjectJson[];
}

export interface RegistryDemo {
  /** The fresh store file the walk-through used (deleted by `dispose`). */
  readonly storePath: string;
  readonly steps: RegistryDemoStep[];
  /** Last, the set registered again and looked up into a caller's buffer (lookup-demo.ts). */
  readonly lookup: LookupDemo;
  dispose(): void;
}

/**
 * What `npm start` shows of the registry: a decoded query set registered in
 * a fresh store (a temporary file), then the table at work on its
 * addresses — REGISTER with half of them, REGISTER | SERVICE_MULTIPLE with
 * all of them (the rest are added, none twice), DEREGISTER |
 * SERVICE_MULTIPLE of the first, and DELETE | SERVICE_MULTIPLE of a near
 * miss (the first remaining address with its last sockaddr byte changed,
 * which exact matching refuses) plus every remaining address exactly, which
 * removes them and then the object. The set is directed at the Directory
 * provider (lpNSProviderId), whatever provider it named when captured.
 */
export function runRegistryDemo(
  querySet: QuerySetJson,
  options: { arch?: Arch; charset?: Charset } = {},
): RegistryDemo {
  const dir = mkdtempSync(join(tmpdir(), 'rnrkit-demo-'));
  const storePath = join(dir, 'rnrkit.db');
  const store = openStore(storePath);
  const registry = new WinsockRegistry({ store, principal: 'demo', ...(options.arch ? { arch: options.arch } : {}) });
  registry.startup();
  const all = querySet.lpcsaBuffer ?? [];
  const half = all.slice(0, Math.max(1, Math.floor(all.length / 2)));
  const steps: RegistryDemoStep[] = [];
  let lookup: LookupDemo;
  const run = (title: string, operation: number, flags: number, addresses: CsAddrInfoJson[]): void => {
    const qs: QuerySetJson = {
      ...querySet,
      lpNSProviderId: PROVIDER_IDS.directory,
      dwNumberOfCsAddrs: addresses.length,
      lpcsaBuffer: addresses,
    };
    let result: RegistryDemoStep['result'];
    try {
      result = registry.setServiceTyped(
        {
          querySet: qs,
          ...(options.arch ? { arch: options.arch } : {}),
          ...(options.charset ? { charset: options.charset } : {}),
        },
        operation,
        flags,
      );
    } catch (e) {
      if (!(e instanceof WinsockError)) throw e;
      result = { result: -1, error: e.name, code: e.code, message: e.message };
    }
    steps.push({ title, call: describeCall(operation, flags), lpcsaBuffer: addresses, result, state: registry.list() });
  };
  try {
    run('register the decoded set with half of its addresses', RNRSERVICE_REGISTER, 0, half);
    run('add all of its addresses: the new ones join, none twice', RNRSERVICE_REGISTER, SERVICE_MULTIPLE, all);
    run('deregister the first address only', RNRSERVICE_DEREGISTER, SERVICE_MULTIPLE, all.slice(0, 1));
    const remaining = registry.list()[0]?.lpcsaBuffer ?? [];
    const nearMiss = remaining.slice(0, 1).map(nearMissOf);
    run(
      'delete a near miss (one byte off: not an exact match) and every remaining address exactly',
      RNRSERVICE_DELETE,
      SERVICE_MULTIPLE,
      [...nearMiss, ...remaining],
    );
    lookup = runLookupDemo(registry, querySet, options.arch ?? registry.arch, options.charset ?? 'W');
  } finally {
    registry.cleanup();
    store.close();
  }
  return { storePath, steps, lookup, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

function describeCall(operation: number, flags: number): string {
  const op = ['RNRSERVICE_REGISTER', 'RNRSERVICE_DEREGISTER', 'RNRSERVICE_DELETE'][operation] ?? String(operation);
  return flags & SERVICE_MULTIPLE ? `${op} | SERVICE_MULTIPLE` : op;
}

/** The entry with the last byte of its LocalAddr flipped (or its socket type changed when it has none). */
function nearMissOf(entry: CsAddrInfoJson): CsAddrInfoJson {
  const hex = entry.LocalAddr.lpSockaddr;
  if (hex === null || hex.length < 2) return { ...entry, iSocketType: entry.iSocketType + 1 };
  const last = (parseInt(hex.slice(-2), 16) ^ 0x01).toString(16).padStart(2, '0');
  return { ...entry, LocalAddr: { ...entry.LocalAddr, lpSockaddr: hex.slice(0, -2) + last } };
}
