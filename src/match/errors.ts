import { InvalidDataError, RnrError } from '../errors.js';

/**
 * An entry's iProtocol is IPROTOCOL_ANY and no acceptable protocol exists
 * for its address family and socket type (NSPSetService: "the namespace
 * provider should substitute an acceptable value"). The service maps it to
 * WSAEINVAL.
 */
export class ProtocolSubstitutionError extends InvalidDataError {
  override name = 'ProtocolSubstitutionError';
}

/**
 * An AddressSet would hold more than its `maxEntries`. The operation that
 * hit the quota changed nothing. The service maps it to WSA_NOT_ENOUGH_MEMORY.
 */
export class SetQuotaError extends RnrError {
  override name = 'SetQuotaError';
  constructor(
    readonly limit: number,
    path = '',
  ) {
    super(`the address set would exceed its quota of ${limit} entries`, path);
  }
}
