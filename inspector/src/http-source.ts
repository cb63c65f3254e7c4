import type { ByteSource } from '../../src/dump/source.js';
import { InvalidDataError } from '../../src/errors.js';

/**
 * A file served by `rnrkit inspect FILE` as a positional ByteSource: HTTP
 * range requests, synchronous (allowed in workers), so the file stays on
 * the user's disk and only the pieces the scan or a decode needs travel.
 */
export function httpSource(url: string, label: string): ByteSource {
  const head = new XMLHttpRequest();
  head.open('HEAD', url, false);
  head.send();
  if (head.status !== 200) throw new InvalidDataError(`${label} could not be fetched: HTTP ${head.status}`);
  const size = Number(head.getResponseHeader('Content-Length'));
  if (!Number.isSafeInteger(size) || size < 0)
    throw new InvalidDataError(`${label}: the server gave no usable Content-Length`);
  return {
    size,
    readInto(target, position) {
      if (position >= size || target.length === 0) return 0;
      const end = Math.min(size, position + target.length);
      const xhr = new XMLHttpRequest();
      xhr.open('GET', url, false);
      xhr.responseType = 'arraybuffer';
      xhr.setRequestHeader('Range', `bytes=${position}-${end - 1}`);
      xhr.send();
      if (xhr.status !== 206)
        throw new InvalidDataError(`${label}: bytes ${position}-${end - 1} could not be fetched: HTTP ${xhr.status}`);
      const bytes = new Uint8Array(xhr.response as ArrayBuffer);
      const n = Math.min(bytes.length, end - position);
      target.set(bytes.subarray(0, n));
      return n;
    },
    close() {},
  };
}
