import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeQuerySet } from '../../codec/encode.js';
import { parseQuerySetJson } from '../../codec/parse.js';
import { formatAddress, UsageError } from '../../errors.js';
import { CODEC_LIMIT_OPTIONS, codecLimits, withLimitOption } from '../codec-limits.js';
import { JSON_INPUT_OPTIONS, jsonInputOptions, readJsonInput } from '../json-input.js';
import { addressOption, archOption, charsetOption, json } from '../options.js';
import type { Command } from '../run.js';
import { CliUsageError } from '../usage-error.js';

/**
 * rnrkit encode JSON|- --arch A --base ADDR [--charset W|A] [--max-input BYTES] [--max-count N …] -o OUT
 *
 * Reads canonical JSON (a file, or stdin for `-`), validates it, writes the
 * flat image with the struct at --base to OUT and prints
 * `{"at":"0x…","size":n}`. Invalid JSON exits 1 naming the member path;
 * input over --max-input (default 64 MiB, docs/limits/captures.md) exits 1,
 * and so does a set over one of the codec's limits (the --max-… options,
 * docs/limits/codec.md), since decode would refuse the image it made.
 */
export const encode: Command = ({ args, stdout }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      arch: { type: 'string' },
      charset: { type: 'string' },
      base: { type: 'string' },
      output: { type: 'string', short: 'o' },
      ...JSON_INPUT_OPTIONS,
      ...CODEC_LIMIT_OPTIONS,
    },
  });
  const [input, ...extra] = positionals;
  if (input === undefined || extra.length > 0)
    throw new CliUsageError(
      'encode takes one JSON file (or - for stdin): rnrkit encode JSON|- --arch x86|x64 --base ADDR [--charset W|A] [--max-input BYTES] [codec limits] -o OUT',
    );
  const arch = archOption(values.arch);
  const charset = charsetOption(values.charset);
  if (values.base === undefined) throw new CliUsageError('--base ADDR is required: where the struct will be in memory');
  if (values.output === undefined) throw new CliUsageError('-o OUT is required: where to write the image');
  const base = addressOption(values.base, '--base');
  const limits = codecLimits(values);
  const qs = parseQuerySetJson(readJsonInput(input, jsonInputOptions(values)));
  let image: Uint8Array;
  try {
    image = encodeQuerySet(qs, { arch, charset, base, limits });
  } catch (e) {
    // The codec's UsageErrors here are about --base (alignment, range).
    if (e instanceof UsageError) throw new CliUsageError(`--base ${values.base}: ${e.message}`);
    throw withLimitOption(e);
  }
  writeFileSync(values.output, image);
  stdout(json({ at: formatAddress(base), size: image.length }));
  return 0;
};
