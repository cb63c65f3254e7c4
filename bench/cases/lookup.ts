import Database from 'better-sqlite3';
import { LUP } from '../../src/abi/constants.js';
import type { QuerySetJson } from '../../src/codec/canonical.js';
import { PROVIDER_IDS, ServiceLookup, WinsockError } from '../../src/service/index.js';
import type { BenchCase } from '../case.js';
import { CLASS_ID, freshStoreFile, openBenchRegistry, printer } from '../store-setup.js';

/**
 * lookup/next: results per second through the buffer path — one whole
 * lookup per call over OBJECTS stored objects (WSALookupServiceBegin,
 * WSALookupServiceNext with LUP_RETURN_ALL into a caller's 64 KiB buffer
 * until WSA_E_NO_MORE, WSALookupServiceEnd): snapshot, paging, matching,
 * result building and the flat image written at the buffer's address.
 * Baseline lookup/next@json: the same rows read with one plain SQL query
 * and each turned into JSON with JSON.stringify — what a reader of the
 * store does without Winsock's contract.
 */
const OBJECTS = 10_000;
/** Every printer of the class: a printer's query set without its name, comment or addresses. */
const RESTRICTIONS: QuerySetJson = {
  ...printer(0),
  lpszServiceInstanceName: null,
  lpszComment: null,
  dwNumberOfCsAddrs: 0,
  lpcsaBuffer: null,
};

let path = '';
let lookup: ServiceLookup | undefined;
const buffer = new Uint8Array(64 * 1024);
const BUFFER_ADDRESS = 0x7ff6_0000_0000;

function setup(): void {
  if (lookup) return;
  path = freshStoreFile('lookup');
  const registry = openBenchRegistry(path, { synchronous: 'NORMAL' });
  registry.batch(() => {
    for (let i = 0; i < OBJECTS; i++)
      if (registry.setService(printer(i, { dwVersion: 1, ecHow: 0 }), 0, 0) !== 0)
        throw new Error(`REGISTER ${i} failed: ${registry.getLastError()}`);
  });
  lookup = new ServiceLookup(registry);
}

function throughBuffer(): number {
  const l = lookup!;
  const handle = l.begin(RESTRICTIONS, LUP.LUP_RETURN_ALL);
  const length = { value: buffer.length };
  const target = { bytes: buffer, address: BUFFER_ADDRESS };
  let results = 0;
  try {
    while (l.lookupServiceNext(handle, LUP.LUP_RETURN_ALL, length, target) === 0) results++;
    const code = l.registry.getLastError();
    if (code !== 10110) throw new WinsockError('WSAEINVAL', `the lookup ended with ${code}, not WSA_E_NO_MORE`);
  } finally {
    l.end(handle);
  }
  if (results !== OBJECTS) throw new Error(`${results} results, expected ${OBJECTS}`);
  return results;
}

let plain: Database.Statement | undefined;
function setupPlain(): void {
  setup();
  plain ??= new Database(path, { readonly: true }).prepare(
    'SELECT * FROM service_object WHERE provider = ? AND service_class_id = ? ORDER BY id',
  );
}

function plainJson(): number {
  let bytes = 0;
  let rows = 0;
  for (const row of plain!.iterate(PROVIDER_IDS.directory, CLASS_ID) as Iterable<Record<string, unknown>>) {
    bytes += JSON.stringify({ ...row, addresses: Buffer.from(row.addresses as Uint8Array).toString('hex') }).length;
    rows++;
  }
  if (rows !== OBJECTS) throw new Error(`${rows} rows, expected ${OBJECTS}`);
  return bytes;
}

export const cases: BenchCase[] = [
  { name: 'lookup/next', unit: 'entry', unitsPerCall: OBJECTS, setup, fn: throughBuffer },
  { name: 'lookup/next@json', unit: 'entry', unitsPerCall: OBJECTS, setup: setupPlain, fn: plainJson },
];
