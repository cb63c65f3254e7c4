import { layoutOf } from '../../abi/layout.js';
import { layoutTable } from '../layout-table.js';
import type { Command } from '../run.js';

/**
 * What `npm start` runs. Until the codec and the minidump reader land it
 * shows the two layouts everything else rests on.
 */
export const demo: Command = ({ stdout }) => {
  for (const arch of ['x86', 'x64'] as const) stdout(`${layoutTable(layoutOf('WSAQUERYSETW', arch))}\n`);
  stdout(layoutTable(layoutOf('CSADDR_INFO', 'x64')));
  return 0;
};
