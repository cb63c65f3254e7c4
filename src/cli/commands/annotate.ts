import { parseArgs } from 'node:util';
import { annotateQuerySet } from '../../dump/annotate.js';
import { AddressLocator } from '../../dump/where-is.js';
import { CAPTURE_OPTIONS, captureOptions, openCapture } from '../capture.js';
import { codecLimits, SCAN_LIMIT_OPTIONS } from '../codec-limits.js';
import { addressOption, archOption, charsetOption, LARGEST_QUERY_SET } from '../options.js';
import type { Command } from '../run.js';
import { CliUsageError } from '../usage-error.js';

const USAGE =
  'annotate FILE --at ADDR [--arch x86|x64] [--charset W|A] [--base ADDR] [--region ADDR=FILE]… [--max-string-units N] [--max-count N] [--max-blob-size BYTES]';

/**
 * rnrkit annotate FILE --at ADDR: the query set at ADDR and everything it
 * points to as a labelled hex dump, member by member (WinDbg's `dt -r`,
 * with the bytes). The arch comes from a minidump unless --arch; without
 * --at, a minidump's best scan candidate (and its charset) is used. In a
 * minidump every pointer is labelled with what holds its target. A set
 * only partly captured is shown as far as it is (the rest as `??`, exit 0)
 * with a warning on stderr. Annotating follows the schema, not the codec,
 * so no codec limit stops it; --max-string-units, --max-count and
 * --max-blob-size bound only the search for a minidump's set, as in scan.
 */
export const annotate: Command = async ({ args, stdout, stderr }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...CAPTURE_OPTIONS,
      at: { type: 'string' },
      arch: { type: 'string' },
      charset: { type: 'string' },
      ...SCAN_LIMIT_OPTIONS,
    },
  });
  if (positionals.length > 1) throw new CliUsageError(`annotate takes one capture: ${USAGE}`);
  const at0 = values.at === undefined ? undefined : addressOption(values.at, '--at', LARGEST_QUERY_SET);
  const capture = await openCapture(positionals[0], captureOptions(values, codecLimits(values)));
  try {
    const arch = archOption(values.arch ?? capture.arch);
    const at = at0 ?? capture.defaultAt;
    if (at === undefined) throw new CliUsageError(`--at ADDR is required (where the query set is): ${USAGE}`);
    const charset =
      values.charset !== undefined
        ? charsetOption(values.charset)
        : values.at === undefined
          ? (capture.defaultCharset ?? 'W')
          : 'W';
    // A minidump says what holds each address; raw images cannot.
    const locator = capture.minidump ? new AddressLocator(capture.minidump) : undefined;
    const where = locator ? (address: number) => informative(locator.label(address)) : undefined;
    const warn = (message: string) => stderr(`rnrkit: warning: ${message}\n`);
    stdout(annotateQuerySet(capture.space, at, { arch, charset, warn, ...(where ? { where } : {}) }));
    return 0;
  } finally {
    capture.close();
  }
};

/** Labels that add nothing to the line they would go on are left out. */
function informative(label: string): string | undefined {
  return label === 'captured memory' || label === 'not in the dump' ? undefined : label;
}
