import { fileSource } from './file-source.js';
import { Minidump } from './minidump.js';

/** Open a minidump file; memory is read from it lazily, so close() it when done. */
export function openMinidump(path: string): Minidump {
  const source = fileSource(path);
  try {
    return new Minidump(source, path);
  } catch (e) {
    source.close();
    throw e;
  }
}
