import { parseArgs } from 'node:util';
import { decodeQuerySet } from '../../codec/decode.js';
import type { UnresolvedPart } from '../../codec/decode-context.js';
import { CAPTURE_OPTIONS, captureOptions, openCapture } from '../capture.js';
import { CODEC_LIMIT_OPTIONS, codecLimits, withLimitOption } from '../codec-limits.js';
import { addressOption, archOption, charsetOption, json, LARGEST_QUERY_SET } from '../options.js';
import type { Command } from '../run.js';
import { CliUsageError } from '../usage-error.js';

/**
 * rnrkit decode FILE [--arch A] [--charset W|A] [--base ADDR] [--region ADDR=FILE]… [--at ADDR] [--lenient] [--annotate] [--max-count N …]
 *
 * FILE is a minidump (arch from its system info) or a raw image whose first
 * byte is at --base; --region adds more raw files at their own addresses.
 * --at defaults to what the capture suggests (a raw image's base, a
 * minidump's best scan candidate, whose charset then applies too). Prints the canonical JSON of the WSAQUERYSETW/A there; a
 * capture that cannot be decoded exits 1 with one line naming the field and
 * address. The --max-… options set the codec's limits (docs/limits/codec.md)
 * and bound what the search for a minidump's set believes one holds.
 */
export const decode: Command = async ({ args, stdout, stderr }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      arch: { type: 'string' },
      charset: { type: 'string' },
      ...CAPTURE_OPTIONS,
      at: { type: 'string' },
      lenient: { type: 'boolean' },
      annotate: { type: 'boolean' },
      ...CODEC_LIMIT_OPTIONS,
    },
  });
  const [file, ...extra] = positionals;
  const regions = values.region ?? [];
  if ((file === undefined && regions.length === 0) || extra.length > 0) {
    throw new CliUsageError(
      'decode takes one FILE: rnrkit decode FILE [--arch x86|x64] [--charset W|A] [--base ADDR] [--region ADDR=FILE]… [--at ADDR] [--lenient] [--annotate] [codec limits]',
    );
  }
  const at = values.at === undefined ? undefined : addressOption(values.at, '--at', LARGEST_QUERY_SET);
  const limits = codecLimits(values);
  const capture = await openCapture(file, captureOptions(values, limits));
  try {
    const arch = archOption(values.arch, capture.arch);
    // A capture whose scanner found the set also knows its charset, but
    // only for that set: with --at, --charset (default W) decides.
    const hinted = at === undefined ? capture.defaultCharset : undefined;
    const charset = values.charset === undefined && hinted !== undefined ? hinted : charsetOption(values.charset);
    const where = at ?? capture.defaultAt;
    if (where === undefined) throw new CliUsageError(`${file}: no query set found; give --at ADDR`);
    let qs: ReturnType<typeof decodeQuerySet>;
    try {
      qs = decodeQuerySet(capture.space, where, {
        arch,
        charset,
        lenient: values.lenient === true,
        annotate: values.annotate === true,
        limits,
      });
    } catch (e) {
      throw withLimitOption(e);
    }
    stdout(json(qs));
    // A set cut off by the end of the capture still decodes (lenient): say so once.
    const unresolved = (qs as { $unresolved?: UnresolvedPart[] }).$unresolved ?? [];
    const cut = unresolved.filter((u) => u.reason.startsWith('not captured'));
    if (cut.length > 0)
      stderr(
        `rnrkit: warning: the set at 0x${where.toString(16)} is only partly captured: ${cut.map((u) => u.path).join(', ')} not captured (null, see $unresolved)\n`,
      );
    return 0;
  } finally {
    capture.close();
  }
};
