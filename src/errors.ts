/**
 * rnrkit's error classes, by cause. Callers check them by class or `name`;
 * the CLI maps them to exit codes (docs/architecture.md, Errors). As an error crosses a
 * layer it gains context at the front of its field path, so the message a
 * user sees reads `lpcsaBuffer[2].LocalAddr.lpSockaddr: 0x…+16 is not in the
 * captured memory` even though the memory layer only knew the address.
 */
export class RnrError extends Error {
  override name = 'RnrError';
  /** Where in the decoded structure the problem is (`lpcsaBuffer[2].LocalAddr`), or ''. */
  path: string;
  /** The problem itself, without the path. */
  readonly detail: string;

  constructor(detail: string, path = '') {
    super(path ? `${path}: ${detail}` : detail);
    this.detail = detail;
    this.path = path;
  }

  /**
   * Put `outer` in front of the path: `withContext('lpcsaBuffer[2]')` turns
   * `LocalAddr.lpSockaddr` into `lpcsaBuffer[2].LocalAddr.lpSockaddr`.
   * Returns this, so `throw e.withContext(…)` keeps the class and stack.
   */
  withContext(outer: string): this {
    if (!outer) return this;
    this.path = !this.path ? outer : this.path.startsWith('[') ? outer + this.path : `${outer}.${this.path}`;
    this.message = `${this.path}: ${this.detail}`;
    return this;
  }
}

/** Bytes that were needed are not in the address space (unmapped or cut short). */
export class MemoryError extends RnrError {
  override name = 'MemoryError';
  constructor(
    readonly address: bigint,
    readonly length: number,
    detail = `${formatAddress(address)}+${length} is not in the captured memory`,
    path = '',
  ) {
    super(detail, path);
  }
}

/** The bytes are there but make no sense: a negative length, a count over a limit, an unterminated string. */
export class InvalidDataError extends RnrError {
  override name = 'InvalidDataError';
  constructor(
    detail: string,
    path = '',
    readonly address?: bigint,
  ) {
    super(detail, path);
  }
}

/** The caller asked for something impossible: an unknown structure, a bad option, malformed canonical JSON. */
export class UsageError extends RnrError {
  override name = 'UsageError';
}

/** Lowercase `0x…` hex, the form every message and JSON annotation uses. */
export function formatAddress(address: bigint | number): string {
  return `0x${address.toString(16)}`;
}
