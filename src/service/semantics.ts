import { RNRSERVICE_DELETE, RNRSERVICE_DEREGISTER, RNRSERVICE_REGISTER } from '../abi/constants.js';
import type { CsAddrInfoJson } from '../codec/canonical.js';
import { AddressSet } from '../match/index.js';
import { notEnoughMemory, notFound } from './errors.js';
import type { SetServiceOperation } from './provider.js';

/** A stored service object's state: a DEREGISTERED object still exists until DELETE removes it, and a REGISTER makes it REGISTERED again. */
export type ObjectState = 'REGISTERED' | 'DEREGISTERED';

/** A service object as the table sees it: its state and its address set. */
export interface TableObject {
  readonly state: ObjectState;
  readonly addresses: AddressSet;
}

/** What the table says to do with the object. */
export type TableAction =
  | {
      readonly action: 'write';
      readonly created: boolean;
      readonly state: ObjectState;
      readonly addresses: AddressSet;
      readonly added: CsAddrInfoJson[];
      readonly removed: CsAddrInfoJson[];
      readonly unmatched: CsAddrInfoJson[];
      readonly alreadyPresent: CsAddrInfoJson[];
    }
  | { readonly action: 'delete'; readonly removed: CsAddrInfoJson[]; readonly unmatched: CsAddrInfoJson[] };

/** Bounds applyTable enforces, with the Winsock error a caller gets beyond them. */
export interface TableLimits {
  /** Most addresses one object may hold; more is WSA_NOT_ENOUGH_MEMORY. */
  readonly maxAddressesPerObject: number;
}

/**
 * The twelve cells of the WSASetService / NSPSetService table, as one pure
 * function every stateful provider (Directory, SAP) shares:
 *
 * | operation  | flags    | object exists                                         | does not exist       |
 * |------------|----------|-------------------------------------------------------|----------------------|
 * | REGISTER   | none     | overwrite: only the given addresses, REGISTERED       | create, REGISTERED   |
 * | REGISTER   | MULTIPLE | add the given addresses (no duplicates), REGISTERED   | create, REGISTERED   |
 * | DEREGISTER | none     | remove all addresses, keep the object, DEREGISTERED   | WSASERVICE_NOT_FOUND |
 * | DEREGISTER | MULTIPLE | remove the given ones; DEREGISTERED only if none left | WSASERVICE_NOT_FOUND |
 * | DELETE     | none     | remove the object                                     | WSASERVICE_NOT_FOUND |
 * | DELETE     | MULTIPLE | remove the given ones; the object only if none left   | WSASERVICE_NOT_FOUND |
 *
 * "Remove the given addresses" is AddressSet.deleteExact: an address goes
 * only when it matches exactly the CSADDR_INFO that was registered (the
 * DELETE rule of the docs; DEREGISTER uses the same rule, there being no
 * other way to say which registered address a request names). Requested
 * addresses that match nothing change nothing and come back in `unmatched`.
 *
 * `existing` may be mutated (its set loses the removed addresses); callers
 * pass a set they loaded for this call. Throws WinsockError
 * (WSASERVICE_NOT_FOUND, WSA_NOT_ENOUGH_MEMORY) and ProtocolSubstitutionError
 * (from AddressSet, for an IPROTOCOL_ANY entry with no acceptable protocol).
 */
export function applyTable(
  existing: TableObject | undefined,
  operation: SetServiceOperation,
  multiple: boolean,
  requested: readonly CsAddrInfoJson[],
  limits: TableLimits,
): TableAction {
  // A request longer than the quota cannot fit whatever it overlaps: refuse before building a set from it.
  if (operation === RNRSERVICE_REGISTER && requested.length > limits.maxAddressesPerObject && !multiple) {
    throw notEnoughMemory(
      `${requested.length} addresses exceed the quota of ${limits.maxAddressesPerObject} per object`,
      'lpcsaBuffer',
    );
  }

  if (operation === RNRSERVICE_REGISTER) {
    // Never built larger than an object may be: past the quota, the set stops with SetQuotaError (WSA_NOT_ENOUGH_MEMORY).
    const given = AddressSet.fromCanonical(requested, { maxEntries: limits.maxAddressesPerObject });
    if (!existing) {
      return {
        action: 'write',
        created: true,
        state: 'REGISTERED',
        addresses: checkSize(given, limits),
        added: given.toCanonical(),
        removed: [],
        unmatched: [],
        alreadyPresent: [],
      };
    }
    // matchAll compares in place: no further sets are built for the report.
    const givenEntries = given.toCanonical();
    const inExisting = existing.addresses.matchAll(given);
    if (!multiple) {
      const oldEntries = existing.addresses.toCanonical();
      return {
        action: 'write',
        created: false,
        state: 'REGISTERED',
        addresses: checkSize(given, limits),
        added: inExisting.unmatched.map((i) => givenEntries[i]!),
        removed: given.matchAll(existing.addresses).unmatched.map((i) => oldEntries[i]!),
        unmatched: [],
        alreadyPresent: [],
      };
    }
    if (existing.addresses.size + inExisting.unmatched.length > limits.maxAddressesPerObject) {
      throw notEnoughMemory(
        `the object would hold ${existing.addresses.size + inExisting.unmatched.length} addresses; the quota is ${limits.maxAddressesPerObject} per object`,
        'lpcsaBuffer',
      );
    }
    existing.addresses.addAll(given);
    return {
      action: 'write',
      created: false,
      state: 'REGISTERED',
      addresses: existing.addresses,
      added: inExisting.unmatched.map((i) => givenEntries[i]!),
      removed: [],
      unmatched: [],
      alreadyPresent: inExisting.matched.map((i) => givenEntries[i]!),
    };
  }

  const name = operation === RNRSERVICE_DEREGISTER ? 'DEREGISTER' : 'DELETE';
  if (!existing) throw notFound(`RNRSERVICE_${name}: no such service is registered with this provider`);

  if (operation === RNRSERVICE_DEREGISTER) {
    if (!multiple) {
      return {
        action: 'write',
        created: false,
        state: 'DEREGISTERED',
        addresses: new AddressSet(),
        added: [],
        removed: existing.addresses.toCanonical(),
        unmatched: [],
        alreadyPresent: [],
      };
    }
    const { removed, unmatched } = removeExact(existing.addresses, requested);
    const state: ObjectState = existing.addresses.size === 0 ? 'DEREGISTERED' : existing.state;
    return {
      action: 'write',
      created: false,
      state,
      addresses: existing.addresses,
      added: [],
      removed,
      unmatched,
      alreadyPresent: [],
    };
  }

  if (operation !== RNRSERVICE_DELETE) throw new RangeError(`operation ${String(operation)}`);
  if (!multiple) return { action: 'delete', removed: existing.addresses.toCanonical(), unmatched: [] };
  const { removed, unmatched } = removeExact(existing.addresses, requested);
  if (existing.addresses.size === 0) return { action: 'delete', removed, unmatched };
  return {
    action: 'write',
    created: false,
    state: existing.state,
    addresses: existing.addresses,
    added: [],
    removed,
    unmatched,
    alreadyPresent: [],
  };
}

function checkSize(set: AddressSet, limits: TableLimits): AddressSet {
  if (set.size > limits.maxAddressesPerObject) {
    throw notEnoughMemory(
      `the object would hold ${set.size} addresses; the quota is ${limits.maxAddressesPerObject} per object`,
      'lpcsaBuffer',
    );
  }
  return set;
}

function removeExact(
  set: AddressSet,
  requested: readonly CsAddrInfoJson[],
): { removed: CsAddrInfoJson[]; unmatched: CsAddrInfoJson[] } {
  const { matched, unmatched } = set.deleteExact(requested);
  return { removed: matched.map((i) => requested[i]!), unmatched: unmatched.map((i) => requested[i]!) };
}
