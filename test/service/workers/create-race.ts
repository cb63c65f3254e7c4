/**
 * One of several processes that all open, for the first time, the same
 * not-yet-existing stores and register into them: store r is opened by
 * every process at start + r × gap ms, so their opens race. Prints
 * `ok r` or `fail r <message>` per store, then `done`.
 *
 *   node --import tsx create-race.ts DIR ROUNDS START_MS GAP_MS NAME
 */
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, WinsockRegistry } from '../../../src/service/index.js';
import { querySet, tcp } from '../helpers.js';

const [dir, roundsText, startText, gapText, name] = process.argv.slice(2);
const rounds = Number(roundsText);
const start = Number(startText);
const gap = Number(gapText);
for (let r = 0; r < rounds; r++) {
  // Spin rather than sleep: a timer's slack would spread the processes apart.
  while (Date.now() < start + r * gap);
  try {
    const store = openStore(join(dir!, `store-${r}.db`));
    const registry = new WinsockRegistry({ store, principal: name! });
    registry.startup();
    const rc = registry.setService(querySet([tcp(1)], { lpszServiceInstanceName: name! }), 0, 0);
    store.close();
    writeSync(1, rc === 0 ? `ok ${r}\n` : `fail ${r} WSA ${registry.getLastError()}\n`);
  } catch (e) {
    writeSync(1, `fail ${r} ${(e as Error).message.replace(/\n/g, ' ')}\n`);
  }
}
writeSync(1, 'done\n');
