/**
 * One process of the load test (load.test.ts).
 *
 *   node --import tsx load-worker.ts STORE honest NAME OPS SYNC
 *     OPS mixed operations on its own objects, in blocks of four: REGISTER
 *     obj-k with address A; REGISTER|SERVICE_MULTIPLE adding B;
 *     DEREGISTER|SERVICE_MULTIPLE of A; then DELETE the object (even
 *     blocks) or REGISTER over it with C (odd blocks). Prints one JSON line:
 *     {failures, latenciesMs}.
 *   node --import tsx load-worker.ts STORE hostile NAME 0 SYNC
 *     Floods until killed: new objects past its quota, calls over the size
 *     limits, and SERVICE_MULTIPLE registrations of 4,096 addresses.
 *     Prints `refused N accepted M` when it gets SIGTERM.
 */
import { writeSync } from 'node:fs';
import { openStore, WinsockRegistry } from '../../../src/service/index.js';
import { querySet, tcp } from '../helpers.js';

const [storePath, role, name, opsText, sync] = process.argv.slice(2);
const store = openStore(storePath!, { synchronous: sync === 'FULL' ? 'FULL' : 'NORMAL', busyTimeoutMs: 60_000 });
const LOAD_QUOTAS = { maxObjectsPerPrincipal: 300, maxAddressesPerPrincipal: 8192 };
const registry = new WinsockRegistry({ store, principal: name!, directory: LOAD_QUOTAS });
registry.startup();
const worker = Number(name!.replace(/\D/g, '') || 0);

if (role === 'honest') {
  const ops = Number(opsText);
  const latencies: number[] = [];
  const failures: string[] = [];
  const A = tcp(1, 1000 + worker);
  const B = tcp(2, 1000 + worker);
  const C = tcp(3, 1000 + worker);
  for (let k = 0; k < ops; k++) {
    const block = Math.floor(k / 4);
    const instance = `${name}-obj-${block}`;
    let args: [ReturnType<typeof querySet>, number, number];
    switch (k % 4) {
      case 0:
        args = [querySet([A], { lpszServiceInstanceName: instance }), 0, 0];
        break;
      case 1:
        args = [querySet([B], { lpszServiceInstanceName: instance }), 0, 1];
        break;
      case 2:
        args = [querySet([A], { lpszServiceInstanceName: instance }), 1, 1];
        break;
      default:
        args =
          block % 2 === 0
            ? [querySet(null, { lpszServiceInstanceName: instance }), 2, 0]
            : [querySet([C], { lpszServiceInstanceName: instance }), 0, 0];
    }
    const started = process.hrtime.bigint();
    const rc = registry.setService(...args);
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (rc !== 0) failures.push(`op ${k}: ${registry.getLastError()}`);
  }
  writeSync(1, `${JSON.stringify({ failures, latenciesMs: latencies })}\n`);
  store.close();
} else {
  let refused = 0;
  let accepted = 0;
  let stop = false;
  process.on('SIGTERM', () => {
    stop = true;
  });
  const many = Array.from({ length: 4096 }, (_, i) => tcp(1 + (i % 250), 2000 + Math.floor(i / 250)));
  const huge = 'x'.repeat(1 << 20);
  const tick = () => {
    for (let i = 0; i < 20 && !stop; i++) {
      const n = accepted + refused;
      const call: [ReturnType<typeof querySet>, number, number] =
        n % 3 === 0
          ? [querySet([tcp(9)], { lpszServiceInstanceName: `flood-${n}` }), 0, 0]
          : n % 3 === 1
            ? [querySet([tcp(9)], { lpszServiceInstanceName: `flood-big-${n}`, lpszComment: huge }), 0, 0]
            : [querySet(many, { lpszServiceInstanceName: 'flood-many' }), 0, 1];
      if (registry.setService(...call) === 0) accepted++;
      else refused++;
    }
    if (stop) {
      writeSync(1, `refused ${refused} accepted ${accepted}\n`);
      store.close();
      process.exit(0);
    }
    setImmediate(tick);
  };
  writeSync(1, 'flooding\n');
  tick();
}
