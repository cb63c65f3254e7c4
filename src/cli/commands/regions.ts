import { parseArgs } from 'node:util';
import { forensicReport } from '../../dump/report.js';
import { AddressLocator } from '../../dump/where-is.js';
import { formatAddress } from '../../errors.js';
import { CAPTURE_OPTIONS, captureOptions, openCapture } from '../capture.js';
import type { Command } from '../run.js';
import { CliUsageError } from '../usage-error.js';

const USAGE = 'regions FILE [--base ADDR] [--region ADDR=FILE]…';

/**
 * rnrkit regions FILE: what a capture holds, as one JSON document — kind,
 * arch, the mapped ranges (adjacent ones merged), and for a minidump its
 * header, streams, system info, modules, the unified memory index (each
 * segment with its file offset, the descriptor it came from, and whether
 * truncation cut it), threads, exception, module identities, memory info,
 * handles (docs/forensics.md has the shape) and the reader's warnings.
 */
export const regions: Command = async ({ args, stdout }) => {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...CAPTURE_OPTIONS } });
  if (positionals.length > 1) throw new CliUsageError(`regions takes one capture: ${USAGE}`);
  const capture = await openCapture(positionals[0], captureOptions(values));
  try {
    const ranges = capture.space
      .ranges()
      .map((r) => ({ base: formatAddress(r.base), end: formatAddress(r.base + r.length), length: r.length }));
    const mapped = capture.space.ranges().reduce((n, r) => n + r.length, 0);
    const md = capture.minidump;
    const report =
      md === undefined
        ? { file: capture.space.label, kind: capture.kind, arch: null, mapped, ranges }
        : {
            file: md.label,
            kind: capture.kind,
            arch: md.arch ?? null,
            header: {
              ...md.header,
              version: `0x${md.header.version.toString(16)}`,
              flags: `0x${md.header.flags.toString(16)}`,
            },
            systemInfo: md.systemInfo ?? null,
            streams: md.streams.map((s) => ({
              index: s.index,
              type: s.typeName,
              rva: s.rva,
              dataSize: s.dataSize,
              ...(s.available < s.dataSize ? { available: s.available } : {}),
            })),
            ...forensicReport(md, new AddressLocator(md)),
            mapped,
            ranges,
            segments: md.memoryRanges().map((s) => ({
              base: formatAddress(s.base),
              length: s.length,
              fileOffset: s.fileOffset,
              origin: s.origin,
              ...(s.cut ? { cut: true } : {}),
            })),
            warnings: md.warnings,
          };
    stdout(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } finally {
    capture.close();
  }
};
