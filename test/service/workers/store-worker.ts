/**
 * A process that writes to a store and says so: `ack <i> <result> <error>`
 * on stdout after call i returned — that is, after its transaction
 * committed. The crash test kills it with SIGKILL at a random point; the
 * concurrency test runs two at once.
 *
 *   node --import tsx store-worker.ts STORE script SEED COUNT
 *   node --import tsx store-worker.ts STORE append NAME COUNT
 */
import { writeSync } from 'node:fs';
import { openStore, WinsockRegistry } from '../../../src/service/index.js';
import { querySet, tcp } from '../helpers.js';
import { script } from './op-script.js';

const [storePath, mode, arg, countText] = process.argv.slice(2);
const count = Number(countText);
const store = openStore(storePath!);
const registry = new WinsockRegistry({ store, principal: 'worker' });
registry.startup();
const ack = (line: string) => writeSync(1, `${line}\n`);

if (mode === 'script') {
  script(Number(arg), count).forEach((op, i) => {
    const rc = registry.setService(
      querySet(op.addresses, { lpszServiceInstanceName: op.instance }),
      op.operation,
      op.flags,
    );
    ack(`ack ${i} ${rc} ${rc === 0 ? 0 : registry.getLastError()}`);
  });
} else if (mode === 'append') {
  // Every worker adds its own addresses to one shared object, and creates objects of its own.
  const base = arg === 'A' ? 1000 : 2000;
  for (let i = 0; i < count; i++) {
    const shared = registry.setService(querySet([tcp(1, base + i)], { lpszServiceInstanceName: 'shared' }), 0, 1);
    const own = registry.setService(querySet([tcp(2, base + i)], { lpszServiceInstanceName: `${arg}-${i}` }), 0, 0);
    ack(`ack ${i} ${shared} ${own}`);
  }
}
ack('done');
store.close();
