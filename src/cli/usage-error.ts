/** A command line that cannot be run as written: exit 2 (docs/architecture.md, Errors). */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}
