import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { layoutOf } from '../../abi/layout.js';
import { readPointer } from '../../abi/pointer.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../../codec/limits.js';
import { parseQuerySetJson } from '../../codec/parse.js';
import { formatAddress, InvalidDataError, RnrError } from '../../errors.js';
import { AddressSet, type EntrySource } from '../../match/address-set.js';
import { CsAddrArrayView } from '../../match/csaddr-view.js';
import type { Located } from '../../memory/address-space.js';
import { type Capture, captureOptions, openCapture } from '../capture.js';
import { codecLimits, limitOptions } from '../codec-limits.js';
import { JSON_INPUT_OPTIONS, jsonInputOptions, readJsonInput } from '../json-input.js';
import { addressOption, archOption, charsetOption, json, LARGEST_QUERY_SET } from '../options.js';
import type { Command } from '../run.js';
import { CliUsageError } from '../usage-error.js';

const USAGE =
  'match A B [--semantic] [--arch x86|x64]… [--charset W|A] [--base ADDR]… [--at ADDR]… [--max-input BYTES] [--max-count N] [--max-sockaddr-length N] [--max-string-units N] [--max-blob-size BYTES]';

/**
 * rnrkit match A B: which lpcsaBuffer entries of query set B match an entry
 * of query set A (the rule in src/match/rule.ts; --semantic for its
 * semantic mode). A and B are canonical query-set JSON files or memory
 * images (a raw image at --base, or a minidump); an image's query set is at
 * --at (default: where the capture says, for a raw image its first byte).
 * --arch, --base and --at given once apply to both files, given twice the
 * first is A's and the second B's (an x86 image against an x64 one). Prints {"matched":[…],"unmatched":[…]}: indices
 * into B's lpcsaBuffer.
 *
 * A JSON file is read up to --max-input. In an image, --max-count bounds
 * dwNumberOfCsAddrs and --max-sockaddr-length each sockaddr, as they bound
 * decode, so a set `rnrkit decode` refuses is not matched either; with
 * --max-string-units and --max-blob-size they also bound the search for a
 * minidump's set, as in scan.
 */
export const match: Command = async ({ args, stdout }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      semantic: { type: 'boolean' },
      arch: { type: 'string', multiple: true },
      charset: { type: 'string' },
      base: { type: 'string', multiple: true },
      at: { type: 'string', multiple: true },
      'max-inflated': { type: 'string' },
      ...JSON_INPUT_OPTIONS,
      // No byte budget: entries are read in place, never copied out.
      ...limitOptions('maxStringUnits', 'maxCount', 'maxSockaddrLength', 'maxBlobSize'),
    },
  });
  if (positionals.length !== 2) throw new CliUsageError(`match takes two query sets: ${USAGE}`);
  const perFile = (name: string, list: string[] | undefined): [string | undefined, string | undefined] => {
    if (list === undefined || list.length === 0) return [undefined, undefined];
    if (list.length === 1) return [list[0], list[0]];
    if (list.length === 2) return [list[0], list[1]];
    throw new CliUsageError(`--${name} is given ${list.length} times: once for both files or twice (A, then B)`);
  };
  const arches = perFile('arch', values.arch);
  const bases = perFile('base', values.base);
  const ats = perFile('at', values.at);
  const charset = charsetOption(values.charset);
  const mode = values.semantic ? 'semantic' : 'exact';
  const jsonInput = jsonInputOptions(values);
  const limits = codecLimits(values);

  const opened: Capture[] = [];
  try {
    const load = async (k: 0 | 1): Promise<EntrySource> => {
      const file = positionals[k]!;
      if (looksLikeJson(file)) return parseQuerySetJson(readJsonInput(file, jsonInput)).lpcsaBuffer ?? [];
      const atText = ats[k];
      const given = atText !== undefined ? addressOption(atText, '--at', LARGEST_QUERY_SET) : undefined;
      const capture = await openCapture(
        file,
        captureOptions({ base: bases[k], 'max-inflated': values['max-inflated'] }, limits),
      );
      opened.push(capture);
      const arch = archOption(arches[k] ?? capture.arch);
      const at = given ?? capture.defaultAt;
      if (at === undefined) throw new CliUsageError(`${file}: --at ADDR is required (where the query set is)`);
      return csAddrsInMemory(capture, at, arch, charset, limits);
    };
    const registered = new AddressSet({ mode });
    const a = await load(0);
    named(a, () => registered.addAll(a));
    const b = await load(1);
    const result = named(b, () => registered.matchAll(b));
    stdout(json(result));
    return 0;
  } finally {
    for (const c of opened) c.close();
  }
};

/**
 * Errors about JSON entries say `[i]…`; views name their array themselves.
 * A view's sockaddr over its limit also says which option raises it.
 */
function named<T>(source: EntrySource, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof RnrError)) throw e;
    if (Array.isArray(source) && e.path.startsWith('[')) throw e.withContext('lpcsaBuffer');
    if (e instanceof InvalidDataError && e.path.endsWith('.iSockaddrLength') && e.detail.includes('over the limit'))
      throw new InvalidDataError(`${e.detail}; --max-sockaddr-length N raises it`, e.path, e.address);
    throw e;
  }
}

/**
 * Whether FILE starts (after a UTF-8 byte order mark and white space) with
 * '{': reads only its first bytes, since the other kind may be a large
 * dump. A pipe or device is no capture (those need a size): it is read as
 * JSON, whose reader caps what it takes.
 */
function looksLikeJson(file: string): boolean {
  if (!statSync(file).isFile()) return true;
  const head = new Uint8Array(4096);
  const fd = openSync(file, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  for (const b of head.subarray(bom, n)) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b === 0x7b; // '{'
  }
  return false;
}

/**
 * The lpcsaBuffer of the query set at `at`, as a view: only the two
 * members of the fixed part that locate it are read (offsets from layoutOf).
 * Its count and sockaddrs are held to decode's limits (maxCount,
 * maxSockaddrLength), with decode's words.
 */
function csAddrsInMemory(
  capture: Capture,
  at: number,
  arch: 'x86' | 'x64',
  charset: 'W' | 'A',
  limits: Partial<DecodeLimits>,
): EntrySource {
  const { maxCount, maxSockaddrLength } = { ...DEFAULT_DECODE_LIMITS, ...limits };
  const layout = layoutOf(charset === 'A' ? 'WSAQUERYSETA' : 'WSAQUERYSETW', arch);
  const count = layout.field('dwNumberOfCsAddrs');
  const buffer = layout.field('lpcsaBuffer');
  let located: Located;
  try {
    located = capture.space.locate(at, layout.size);
  } catch (e) {
    throw e instanceof RnrError ? e.withContext(layout.name) : e;
  }
  const n = located.view.getUint32(located.offset + count.offset, true);
  let pointer: number;
  try {
    pointer = readPointer(located.view, located.offset + buffer.offset, arch);
  } catch (e) {
    throw e instanceof RnrError ? e.withContext('lpcsaBuffer') : e;
  }
  // A NULL lpcsaBuffer holds no entries whatever the count says (canonical JSON keeps such a count too).
  if (pointer === 0) return new CsAddrArrayView(capture.space, pointer, 0, arch);
  if (n > maxCount)
    throw new InvalidDataError(
      `dwNumberOfCsAddrs = ${n} exceeds maxCount (${maxCount}) for the array at ${formatAddress(pointer)}; --max-count N raises it`,
      'lpcsaBuffer',
      BigInt(pointer),
    );
  return new CsAddrArrayView(capture.space, pointer, n, arch, { maxSockaddrLength });
}
