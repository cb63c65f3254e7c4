import { parseArgs } from 'node:util';
import { annotateQuerySet } from '../../dump/annotate.js';
import { parseAddress } from '../../memory/address-space.js';
import { CAPTURE_OPTIONS, openCapture } from '../capture.js';
import { archOption, charsetOption } from '../options.js';
import type { Command } from '../run.js';
import { CliUsageError } from '../usage-error.js';

const USAGE = 'annotate FILE --at ADDR [--arch x86|x64] [--charset W|A] [--base ADDR] [--region ADDR=FILE]…';

/**
 * rnrkit annotate FILE --at ADDR: the query set at ADDR and everything it
 * points to as a labelled hex dump, member by member (WinDbg's `dt -r`,
 * with the bytes). The arch comes from a minidump unless --arch; without
 * --at, a minidump's best scan candidate (and its charset) is used.
 */
export const annotate: Command = ({ args, stdout }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...CAPTURE_OPTIONS, at: { type: 'string' }, arch: { type: 'string' }, charset: { type: 'string' } },
  });
  if (positionals.length > 1) throw new CliUsageError(`annotate takes one capture: ${USAGE}`);
  const capture = openCapture(positionals[0], { base: values.base, regions: values.region });
  try {
    const arch = archOption(values.arch ?? capture.arch);
    let at: number | undefined;
    try {
      at = values.at !== undefined ? parseAddress(values.at) : capture.defaultAt;
    } catch (e) {
      throw new CliUsageError(`--at ${JSON.stringify(values.at)}: ${(e as Error).message}`);
    }
    if (at === undefined) throw new CliUsageError(`--at ADDR is required (where the query set is): ${USAGE}`);
    const charset = values.charset !== undefined ? charsetOption(values.charset) : values.at === undefined ? (capture.defaultCharset ?? 'W') : 'W';
    stdout(annotateQuerySet(capture.space, at, { arch, charset }));
    return 0;
  } finally {
    capture.close();
  }
};
