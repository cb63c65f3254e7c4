import type { StreamContext } from './streams.js';

/**
 * The newer list streams (MemoryInfoList, UnloadedModuleList, HandleData)
 * say how big their header and each entry are, so a later, longer entry
 * version still reads. Where the entries are and how many of them the
 * stream really holds, checked before anything is allocated for them: an
 * entry size smaller than the structure rnrkit reads, or a header that
 * claims more than the stream, ends the list with a warning.
 */
export function sizedList(
  ctx: StreamContext,
  stream: string,
  streamLength: number,
  sizeOfHeader: number,
  sizeOfEntry: number,
  declared: number,
  minHeader: number,
  minEntry: number,
  max: number,
): { count: number; entriesAt: number; stride: number } {
  const none = { count: 0, entriesAt: 0, stride: minEntry };
  if (sizeOfHeader < minHeader || sizeOfHeader > streamLength) {
    ctx.warn(
      `${stream}: SizeOfHeader ${sizeOfHeader} is not between ${minHeader} and the stream's ${streamLength} bytes: no entries read`,
    );
    return none;
  }
  if (sizeOfEntry < minEntry) {
    ctx.warn(
      `${stream}: SizeOfEntry ${sizeOfEntry} is smaller than the ${minEntry} bytes of an entry: no entries read`,
    );
    return none;
  }
  const fits = Math.floor((streamLength - sizeOfHeader) / sizeOfEntry);
  let count = declared;
  if (count > fits) {
    ctx.warn(
      `${stream}: the count is ${declared} but the stream holds only ${fits} entries of ${sizeOfEntry} bytes: reading ${fits}`,
    );
    count = fits;
  }
  if (count > max) {
    ctx.warn(`${stream}: ${count} entries: reading the first ${max} (rnrkit's limit)`);
    count = max;
  }
  return { count, entriesAt: sizeOfHeader, stride: sizeOfEntry };
}
