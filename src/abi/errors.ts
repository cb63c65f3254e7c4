import { UsageError } from '../errors.js';

/** A question the schema cannot answer: an unknown structure, type or member. */
export class AbiError extends UsageError {
  override name = 'AbiError';
}
