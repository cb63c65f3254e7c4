import { readFileSync } from 'node:fs';
import type { MappedRange } from '../memory/address-space.js';
import { ADDRESS_LIMIT } from '../memory/address-space.js';
import { mergeRanges, type ReadableMemory, readableLengthIn } from './readable-memory.js';

/**
 * Linux: the process's own memory map, `/proc/self/maps`. A line is
 * `start-end perms offset dev inode path`; a range is readable when perms
 * begins with `r`. Ranges at or beyond 2^53 (x64's `[vsyscall]` page) are
 * left out: rnrkit addresses are exact numbers below 2^53.
 */
export function parseProcMaps(text: string): MappedRange[] {
  const ranges: MappedRange[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (r)/.exec(line);
    if (!m) continue;
    const start = Number.parseInt(m[1]!, 16);
    const end = Number.parseInt(m[2]!, 16);
    if (!(end > start) || end > ADDRESS_LIMIT) continue;
    ranges.push({ base: start, length: end - start });
  }
  return mergeRanges(ranges);
}

/**
 * The map is read once and kept until `forget()`: LiveMemory forgets it
 * after every synchronous run of JavaScript, so one decode reads the file
 * once and the next decode sees mappings made or removed in between.
 */
export class ProcSelfMaps implements ReadableMemory {
  private snapshot: MappedRange[] | undefined;

  constructor(private readonly path = '/proc/self/maps') {}

  private current(): MappedRange[] {
    this.snapshot ??= parseProcMaps(readFileSync(this.path, 'latin1'));
    return this.snapshot;
  }

  readableLength(address: number, max: number): number {
    return readableLengthIn(this.current(), address, max);
  }

  ranges(): readonly MappedRange[] {
    return this.current();
  }

  forget(): void {
    this.snapshot = undefined;
  }
}
