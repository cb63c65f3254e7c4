import { InvalidDataError } from '../errors.js';

/**
 * A minidump that cannot be read at all: not a minidump, an unknown format
 * version, a file shorter than its header. Everything less severe (a cut
 * stream, an inflated count, overlapping ranges) is a warning on the
 * Minidump instead, so one bad stream does not cost the whole dump.
 * `path` names the structure member (`MINIDUMP_HEADER.Signature`), and
 * `fileOffset` where in the file it is.
 */
export class MinidumpFormatError extends InvalidDataError {
  override name = 'MinidumpFormatError';
  constructor(
    detail: string,
    path: string,
    readonly fileOffset: number,
  ) {
    super(detail, path);
  }
}
