import { parseArgs } from 'node:util';
import { annotateQuerySet } from '../../dump/annotate.js';
import { AddressLocator } from '../../dump/where-is.js';
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
 * --at, a minidump's best scan candidate (and its charset) is used. In a
 * minidump every pointer is labelled with what holds its target.
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
    // A minidump says what holds each address; raw images cannot.
    const locator = capture.minidump ? new AddressLocator(capture.minidump) : undefined;
    const where = locator ? (address: number) => informative(locator.label(address)) : undefined;
    stdout(annotateQuerySet(capture.space, at, { arch, charset, ...(where ? { where } : {}) }));
    return 0;
  } finally {
    capture.close();
  }
};

/** Labels that add nothing to the line they would go on are left out. */
function informative(label: string): string | undefined {
  return label === 'captured memory' || label === 'not in the dump' ? undefined : label;
}
