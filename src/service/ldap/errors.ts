import { RnrError } from '../../errors.js';

/**
 * Why the directory could not be used. These are not Winsock results: the
 * call did not reach NSPSetService's table, and the CLI exits with the
 * kind's own code (docs/directory.md, "Failures").
 */
export type DirectoryFailure = 'unreachable' | 'tls' | 'bind' | 'timeout' | 'referral' | 'schema' | 'server';

export const DIRECTORY_EXIT_CODES: Readonly<Record<DirectoryFailure, number>> = {
  unreachable: 3,
  tls: 4,
  bind: 5,
  timeout: 6,
  referral: 7,
  schema: 8,
  server: 9,
};

/**
 * The directory failed as a service: it could not be reached, its
 * certificate did not verify, the bind was refused, an operation timed out,
 * it answered with a referral, its schema lacks what the mapping needs, or
 * it failed in a way no Winsock code describes. Nothing was acknowledged.
 */
export class DirectoryError extends RnrError {
  override name = 'DirectoryError';
  readonly exitCode: number;

  constructor(
    readonly failure: DirectoryFailure,
    detail: string,
  ) {
    super(detail);
    this.exitCode = DIRECTORY_EXIT_CODES[failure];
  }
}
