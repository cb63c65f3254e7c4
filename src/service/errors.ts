import { WSA_ERRORS, type WsaErrorName } from '../abi/constants.js';
import { RnrError } from '../errors.js';

const NAME_BY_CODE = new Map<number, WsaErrorName>(
  Object.entries(WSA_ERRORS).map(([name, code]) => [code, name as WsaErrorName]),
);

/** The WSA name of a code (`10108` → `WSASERVICE_NOT_FOUND`), or undefined for a code rnrkit never raises. */
export function wsaErrorName(code: number): WsaErrorName | undefined {
  return NAME_BY_CODE.get(code);
}

/**
 * A Winsock error as `WSAGetLastError` would report it, thrown by the typed
 * form of WSASetService (`setServiceTyped`) and by providers. `code` is the
 * real number (WSAEINVAL 10022); `name` is its WSA name, so callers can
 * switch on either:
 *
 *   catch (e) { if (e instanceof WinsockError && e.name === 'WSASERVICE_NOT_FOUND') … }
 *
 * `path` names the query-set member at fault when there is one
 * (`lpcsaBuffer[1].LocalAddr`), like every rnrkit error.
 */
export class WinsockError extends RnrError {
  override name: WsaErrorName;
  readonly code: number;
  /** What each provider in scope answered, when the error is the combined result of several. */
  providers?: readonly unknown[];

  constructor(name: WsaErrorName, detail: string, path = '') {
    super(detail, path);
    this.name = name;
    this.code = WSA_ERRORS[name];
  }

  /** True when `e` is a WinsockError (with that WSA name, when given). */
  static is(e: unknown, name?: WsaErrorName): e is WinsockError {
    return e instanceof WinsockError && (name === undefined || e.name === name);
  }
}

/** Shorthands, so call sites read like the table in the docs. */
export const invalid = (detail: string, path = ''): WinsockError => new WinsockError('WSAEINVAL', detail, path);
export const notFound = (detail: string): WinsockError => new WinsockError('WSASERVICE_NOT_FOUND', detail);
export const accessDenied = (detail: string): WinsockError => new WinsockError('WSAEACCES', detail);
export const notEnoughMemory = (detail: string, path = ''): WinsockError =>
  new WinsockError('WSA_NOT_ENOUGH_MEMORY', detail, path);
export const notSupported = (detail: string): WinsockError => new WinsockError('WSAEOPNOTSUPP', detail);
export const notInitialised = (detail: string): WinsockError => new WinsockError('WSANOTINITIALISED', detail);

/**
 * The store file cannot be used: not SQLite, another application's
 * database, a newer rnrkit schema, unreadable. The file is never modified
 * when this is raised.
 */
export class StoreError extends RnrError {
  override name = 'StoreError';
}

/**
 * Another process held the store's write lock for longer than the busy
 * timeout. The operation did not begin, so nothing was changed; it can be
 * tried again.
 */
export class StoreBusyError extends StoreError {
  override name = 'StoreBusyError';
}
