import { parseArgs } from 'node:util';
import { ARCHES, type Arch } from '../../abi/types.js';
import type { Charset } from '../../codec/canonical.js';
import { DEFAULT_SCAN_KEEP, scanQuerySetsReport } from '../../dump/scan.js';
import { AddressLocator } from '../../dump/where-is.js';
import { formatAddress } from '../../errors.js';
import { CAPTURE_OPTIONS, captureOptions, openCapture } from '../capture.js';
import { codecLimits, SCAN_LIMIT_OPTIONS, scanLimits } from '../codec-limits.js';
import { archOption, charsetOption, json } from '../options.js';
import type { Command } from '../run.js';
import { errorLine } from '../terminal-text.js';
import { CliUsageError } from '../usage-error.js';

const USAGE =
  'scan FILE [--base ADDR] [--region ADDR=FILE]… [--arch x86|x64]… [--charset W|A] [--limit N] [--min-score N] [--max-string-units N] [--max-count N] [--max-blob-size BYTES]';

/**
 * rnrkit scan FILE: candidate WSAQUERYSETW/A sets, best first, one JSON
 * object per line: {"at","arch","charset","score","reasons","name"?,"where"?}
 * (`where`, for a minidump: what holds the candidate, docs/forensics.md).
 * Looks for the dump's own arch when it declares one, both otherwise
 * (--arch, repeatable, overrides); both charsets unless --charset. A
 * progress bar goes to stderr when stderr is a terminal. At most --limit
 * candidates are kept (default 1000, whatever the capture holds); when
 * more were left out, without a --limit, one line on stderr says how many.
 * --max-string-units, --max-count and --max-blob-size replace the bounds
 * of what a candidate may hold (docs/limits/captures.md, Scanning), so a
 * set larger than heap noise usually is can still be found.
 */
export const scan: Command = async ({ args, stdout, stderr, interactive }) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...CAPTURE_OPTIONS,
      arch: { type: 'string', multiple: true },
      charset: { type: 'string' },
      limit: { type: 'string' },
      'min-score': { type: 'string' },
      ...SCAN_LIMIT_OPTIONS,
    },
  });
  if (positionals.length > 1) throw new CliUsageError(`scan takes one capture: ${USAGE}`);
  const limits = scanLimits(codecLimits(values));
  const capture = await openCapture(positionals[0], captureOptions(values));
  try {
    const arches: readonly Arch[] = values.arch?.map((a) => archOption(a)) ?? (capture.arch ? [capture.arch] : ARCHES);
    const charsets: readonly Charset[] = values.charset === undefined ? ['W', 'A'] : [charsetOption(values.charset)];
    const progress = interactive ? progressBar(stderr, 'scanning') : undefined;
    const report = scanQuerySetsReport(capture.space, {
      arches,
      charsets,
      limits,
      ...(values.limit !== undefined ? { limit: integerOption(values.limit, '--limit', 1) } : {}),
      ...(values['min-score'] !== undefined
        ? { minScore: integerOption(values['min-score'], '--min-score', -1000) }
        : {}),
      ...(progress ? { onProgress: progress.update } : {}),
    });
    progress?.done();
    const locator = capture.minidump && report.candidates.length > 0 ? new AddressLocator(capture.minidump) : undefined;
    for (const c of report.candidates) {
      stdout(
        json({
          at: formatAddress(c.at),
          arch: c.arch,
          charset: c.charset,
          score: c.score,
          reasons: c.reasons,
          ...(c.name !== undefined ? { name: c.name } : {}),
          ...(locator ? { where: locator.label(c.at) } : {}),
        }),
      );
    }
    // Scanning a damaged or crafted dump is still useful, but not silently: what the reader refused or cut is listed by `regions`.
    const warnings = capture.minidump?.warnings.length ?? 0;
    if (warnings > 0)
      stderr(
        errorLine(
          `${capture.space.label}: ${warnings} warning${warnings === 1 ? '' : 's'} about the dump's structure (ranges refused or cut, counts inflated), first: ${capture.minidump!.warnings[0]}; rnrkit regions lists them all`,
        ),
      );
    // With --limit the user chose to see fewer; only the default cap is worth a line.
    if (report.skipped > 0 && values.limit === undefined) {
      stderr(
        `rnrkit: scan: ${report.skipped} more candidate${report.skipped === 1 ? '' : 's'} scored at or below the best ${DEFAULT_SCAN_KEEP} shown and ${report.skipped === 1 ? 'was' : 'were'} left out (at most ${DEFAULT_SCAN_KEEP} are kept unless --limit N says otherwise)\n`,
      );
    }
    return 0;
  } finally {
    capture.close();
  }
};

function integerOption(text: string, option: string, min: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min)
    throw new CliUsageError(`${option} ${JSON.stringify(text)}: expected an integer ≥ ${min}`);
  return n;
}

/**
 * A one-line progress bar, redrawn in place on stderr. Only created when
 * stderr is a terminal, so pipes and logs never see carriage returns.
 */
function progressBar(
  write: (text: string) => void,
  label: string,
): { update: (done: number, total: number) => void; done: () => void } {
  const WIDTH = 30;
  let shown = -1;
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  return {
    update(done, total) {
      const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
      if (percent === shown) return;
      shown = percent;
      const filled = Math.round((percent / 100) * WIDTH);
      write(
        `\r${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${String(percent).padStart(3)}% ${mib(done)}/${mib(total)} MiB`,
      );
    },
    done() {
      if (shown >= 0) write(`\r${' '.repeat(label.length + WIDTH + 32)}\r`);
    },
  };
}
