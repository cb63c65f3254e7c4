import { parseArgs } from 'node:util';
import type { Charset } from '../../codec/canonical.js';
import { decodeQuerySet } from '../../codec/decode.js';
import { parseAddress } from '../../memory/address-space.js';
import { openCapture } from '../capture.js';
import { archOption, charsetOption, json } from '../options.js';
import type { Command } from '../run.js';
import { CliUsageError } from '../usage-error.js';

/**
 * rnrkit decode FILE [--arch A] [--charset W|A] [--base ADDR] [--at ADDR] [--lenient] [--annotate]
 *
 * FILE is a minidump (arch from its system info) or a raw image whose first
 * byte is at --base. --at defaults to what the capture suggests (a raw
 * image's base). Prints the canonical JSON of the WSAQUERYSETW/A there; a
 * capture that cannot be decoded exits 1 with one line naming the field and
 * address.
 */
export const decode: Command = ({ args, stdout }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      arch: { type: 'string' },
      charset: { type: 'string' },
      base: { type: 'string' },
      at: { type: 'string' },
      lenient: { type: 'boolean' },
      annotate: { type: 'boolean' },
    },
  });
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw new CliUsageError('decode takes one FILE: rnrkit decode FILE [--arch x86|x64] [--charset W|A] [--base ADDR] [--at ADDR] [--lenient] [--annotate]');
  const at = values.at === undefined ? undefined : addressOption(values.at, '--at');
  const capture = openCapture(file, { ...(values.base !== undefined ? { base: values.base } : {}) });
  try {
    const arch = archOption(values.arch, capture.arch);
    // A capture whose scanner found the set also knows its charset.
    const hinted = (capture as { readonly defaultCharset?: Charset }).defaultCharset;
    const charset = values.charset === undefined && hinted !== undefined ? hinted : charsetOption(values.charset);
    const where = at ?? capture.defaultAt;
    if (where === undefined) throw new CliUsageError(`${file}: no query set found; give --at ADDR`);
    const qs = decodeQuerySet(capture.space, where, { arch, charset, lenient: values.lenient === true, annotate: values.annotate === true });
    stdout(json(qs));
    return 0;
  } finally {
    capture.close();
  }
};

function addressOption(text: string, option: string): number {
  try {
    return parseAddress(text);
  } catch (e) {
    throw new CliUsageError(`${option} ${JSON.stringify(text)}: ${(e as Error).message}`);
  }
}
