/** A command line that cannot be run as written: exit 2 (DESIGN.md §4). */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}
