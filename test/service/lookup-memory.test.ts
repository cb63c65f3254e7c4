/**
 * A lookup over a million stored objects reads them a page at a time:
 * the heap while walking all of them stays within a few MB of where it
 * started, however many objects there are. Building the store takes a
 * while (rows are copied with SQL, not registered one by one), so this
 * runs only with RNRKIT_TEST_MILLION=1; it prints what it measured.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LUP } from '../../src/abi/constants.js';
import { openStore, ServiceLookup, type ServiceStore, WinsockRegistry } from '../../src/service/index.js';
import { querySet, tcp, tempDir } from './helpers.js';
import { restrictions } from './lookup-helpers.js';

const OBJECTS = 1_000_000;
const skip = process.env.RNRKIT_TEST_MILLION !== '1';
if (skip)
  console.log(
    'lookup over a million objects skipped: RNRKIT_TEST_MILLION is not 1 (building the store takes about a minute)',
  );

describe.skipIf(skip)(`a lookup over ${OBJECTS.toLocaleString('en')} objects`, () => {
  let temp: ReturnType<typeof tempDir>;
  let store: ServiceStore;
  let registry: WinsockRegistry;

  beforeAll(() => {
    temp = tempDir();
    const path = temp.file('million.db');
    store = openStore(path, { synchronous: 'NORMAL' });
    registry = new WinsockRegistry({ store, principal: 'alice', directory: { maxObjects: OBJECTS + 10 } });
    registry.startup();
    expect(
      registry.setService(
        querySet([tcp(1), tcp(2)], { lpszServiceInstanceName: 'seed', lpszComment: 'a comment of some length' }),
        0,
        0,
      ),
    ).toBe(0);
    // Copies of the seed row under distinct names, written by SQLite itself.
    const db = new Database(path);
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${OBJECTS - 1})
      INSERT INTO service_object (provider, namespace, service_class_id, instance_key, context_key, instance_name, context, state, owner, address_count, addresses, properties)
      SELECT s.provider, s.namespace, s.service_class_id, '"OBJECT-' || i || '"', s.context_key, '"object-' || i || '"', s.context, s.state, s.owner, s.address_count, s.addresses, s.properties
      FROM n, (SELECT * FROM service_object WHERE id = 1) AS s`);
    db.close();
  }, 600_000);

  afterAll(() => {
    while (registry?.started) registry.cleanup();
    store?.close();
    temp?.remove();
  });

  it("walks every object through the caller's buffer with a flat heap", () => {
    const lookup = new ServiceLookup(registry);
    globalThis.gc?.();
    const before = process.memoryUsage();
    const started = performance.now();
    const handle = lookup.begin(restrictions(), LUP.LUP_RETURN_ALL);
    const buffer = new Uint8Array(4096);
    const target = { bytes: buffer, address: 0x7ff6_0000_0000 };
    const length = { value: buffer.length };
    let results = 0;
    let peakHeap = 0;
    while (lookup.lookupServiceNext(handle, LUP.LUP_RETURN_ALL, length, target) === 0) {
      if (++results % 50_000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
    expect(registry.getLastError()).toBe(10110);
    lookup.end(handle);
    const seconds = (performance.now() - started) / 1000;
    const after = process.memoryUsage();
    const growth = (peakHeap - before.heapUsed) / 2 ** 20;
    console.log(
      `lookup over ${results} objects: ${seconds.toFixed(1)} s (${Math.round(results / seconds)} results/s), heap ${(before.heapUsed / 2 ** 20).toFixed(1)} MiB before, peak ${(peakHeap / 2 ** 20).toFixed(1)} MiB while walking (+${growth.toFixed(1)}), rss ${(before.rss / 2 ** 20).toFixed(0)} → ${(after.rss / 2 ** 20).toFixed(0)} MiB`,
    );
    expect(results).toBe(OBJECTS);
    // A million canonical results would be hundreds of MB; one page of 256 rows is well under 1 MB. 64 MiB leaves room for the collector's lag.
    expect(growth).toBeLessThan(64);
  }, 600_000);
});
