import type { SlicingSource } from '../../src/dump/source-regions.js';

/**
 * A File or Blob as a positional ByteSource, for the worker: each read is
 * one Blob.slice read with FileReaderSync (synchronous reads are allowed in
 * workers), so the codec and the scanner run unchanged and a multi-GiB file
 * is never loaded whole.
 */
export function blobSource(blob: Blob): SlicingSource {
  const reader = new FileReaderSync();
  return {
    size: blob.size,
    slice(position, length) {
      const end = Math.min(blob.size, position + length);
      return position >= end ? new Uint8Array(0) : new Uint8Array(reader.readAsArrayBuffer(blob.slice(position, end)));
    },
    readInto(target, position) {
      if (position >= blob.size) return 0;
      const end = Math.min(blob.size, position + target.length);
      const bytes = new Uint8Array(reader.readAsArrayBuffer(blob.slice(position, end)));
      target.set(bytes);
      return bytes.length;
    },
    close() {},
  };
}
