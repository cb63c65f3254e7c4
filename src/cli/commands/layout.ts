import { parseArgs } from 'node:util';
import { layoutOf } from '../../abi/layout.js';
import { PUBLIC_STRUCTS } from '../../abi/structs.js';
import { layoutTable } from '../layout-table.js';
import { archOption, json } from '../options.js';
import type { Command } from '../run.js';
import { CliUsageError } from '../usage-error.js';

/** rnrkit layout STRUCT --arch x86|x64 [--json] | rnrkit layout --list */
export const layout: Command = ({ args, stdout }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { arch: { type: 'string' }, json: { type: 'boolean' }, list: { type: 'boolean' } },
  });
  if (values.list) {
    stdout(`${PUBLIC_STRUCTS.join('\n')}\n`);
    return 0;
  }
  const [name, ...extra] = positionals;
  if (name === undefined || extra.length > 0)
    throw new CliUsageError(`layout takes one structure: one of ${PUBLIC_STRUCTS.join(', ')}`);
  if (!PUBLIC_STRUCTS.includes(name))
    throw new CliUsageError(`unknown structure ${JSON.stringify(name)}: one of ${PUBLIC_STRUCTS.join(', ')}`);
  const arch = archOption(values.arch, 'x64');
  const l = layoutOf(name, arch);
  if (values.json) {
    stdout(
      json({
        name: l.name,
        arch: l.arch,
        size: l.size,
        align: l.align,
        fields: l.fields.map((f) => ({ name: f.name, offset: f.offset, size: f.size, type: f.type })),
      }),
    );
  } else {
    stdout(layoutTable(l));
  }
  return 0;
};
