import { RNRSERVICE_DEREGISTER, RNRSERVICE_REGISTER, SERVICE_MULTIPLE } from '../abi/constants.js';
import { canonicalGuid } from '../abi/guid.js';
import type { CsAddrInfoJson, QuerySetJson } from '../codec/canonical.js';
import { UsageError } from '../errors.js';
import { AddressSet } from '../match/index.js';
import { WinsockError } from './errors.js';
import { contextKey, foldInstanceName } from './object-key.js';
import type { CanonicalSource } from './query-set-source.js';
import type { SetServiceResult, WinsockRegistry } from './registry.js';
import type { ServiceStore } from './store.js';

/** Where a service keeps the addresses it registered, across its own restarts. */
export interface AddressJournal {
  /** The addresses last saved for `service` (a serviceKey), or undefined when none were. */
  load(service: string): AddressSet | undefined;
  /** Replaces what is recorded for `service`; it must be durable when this returns. */
  save(service: string, addresses: AddressSet): void;
  /** Forgets `service`; one never saved is left as it was. */
  remove(service: string): void;
}

/** A journal in the registry's store (table address_journal), each write its own durable transaction. */
export function storeJournal(store: ServiceStore): AddressJournal {
  return {
    load: (service) => store.journalLoad(service),
    save: (service, addresses) => store.transaction(() => store.journalSave(service, addresses)),
    remove: (service) => store.transaction(() => store.journalDelete(service)),
  };
}

/** What StaleAddressKeeper's `start` did: the stale addresses it found, and the two registry results. */
export interface StartResult {
  /** Addresses a previous run registered that this run does not: deregistered first. */
  readonly stale: CsAddrInfoJson[];
  /** The DEREGISTER of the stale addresses, when there were any (undefined if none, or the object was gone). */
  readonly deregistered?: SetServiceResult;
  readonly registered: SetServiceResult;
}

/**
 * The docs' advice for SERVICE_MULTIPLE, as a helper: "When a service
 * registers, it should store its addresses. On its next invocation, the
 * service should explicitly deregister these old stale addresses before
 * registering new addresses."
 *
 * `start` reads what the last run recorded, records the union of old and
 * new first (so a crash at any later point still leaves every address this
 * service may have registered in the journal), deregisters the old
 * addresses the new set does not contain (DEREGISTER | SERVICE_MULTIPLE,
 * matched exactly), registers the new set (REGISTER | SERVICE_MULTIPLE) and
 * records it. `stop` deregisters the recorded addresses and forgets them.
 */
export class StaleAddressKeeper {
  constructor(
    private readonly registry: WinsockRegistry,
    private readonly journal: AddressJournal,
  ) {}

  /** The journal key of a service: its object identity plus the scope it is registered in. */
  static serviceKey(qs: QuerySetJson): string {
    if (qs.lpServiceClassId === null)
      throw new UsageError('a service without lpServiceClassId has no identity to journal');
    return JSON.stringify([
      canonicalGuid(qs.lpServiceClassId),
      foldInstanceName(qs.lpszServiceInstanceName),
      contextKey(qs.lpszContext),
      qs.dwNameSpace,
      qs.lpNSProviderId === null ? null : canonicalGuid(qs.lpNSProviderId),
    ]);
  }

  /**
   * Deregisters the addresses a previous run recorded that this set no
   * longer has, registers the set, and records it (see the class comment).
   * Throws what the registry throws, except WSASERVICE_NOT_FOUND for the
   * stale addresses (the object is gone, and the addresses with it).
   */
  start(source: CanonicalSource & { querySet: QuerySetJson }): StartResult {
    const qs = source.querySet;
    const key = StaleAddressKeeper.serviceKey(qs);
    const current = AddressSet.fromCanonical(qs.lpcsaBuffer ?? []);
    const previous = this.journal.load(key) ?? new AddressSet();
    const stale = previous.difference(current);
    this.journal.save(key, previous.union(current));
    let deregistered: SetServiceResult | undefined;
    if (stale.size > 0) {
      const staleEntries = stale.toCanonical();
      try {
        deregistered = this.registry.setServiceTyped(
          withAddresses(source, staleEntries),
          RNRSERVICE_DEREGISTER,
          SERVICE_MULTIPLE,
        );
      } catch (e) {
        // Someone deleted the object meanwhile: the stale addresses are gone already.
        if (!WinsockError.is(e, 'WSASERVICE_NOT_FOUND')) throw e;
      }
    }
    const registered = this.registry.setServiceTyped(source, RNRSERVICE_REGISTER, SERVICE_MULTIPLE);
    this.journal.save(key, current);
    return { stale: stale.toCanonical(), ...(deregistered ? { deregistered } : {}), registered };
  }

  /** A clean shutdown: deregister what `start` recorded for this service, then forget it. */
  stop(source: CanonicalSource & { querySet: QuerySetJson }): SetServiceResult | undefined {
    const qs = source.querySet;
    const key = StaleAddressKeeper.serviceKey(qs);
    const recorded = this.journal.load(key);
    let result: SetServiceResult | undefined;
    if (recorded && recorded.size > 0) {
      const entries = recorded.toCanonical();
      try {
        result = this.registry.setServiceTyped(withAddresses(source, entries), RNRSERVICE_DEREGISTER, SERVICE_MULTIPLE);
      } catch (e) {
        if (!WinsockError.is(e, 'WSASERVICE_NOT_FOUND')) throw e;
      }
    }
    this.journal.remove(key);
    return result;
  }

  /** `start` for a registry whose Directory is remote (setServiceTypedAsync). */
  async startAsync(source: CanonicalSource & { querySet: QuerySetJson }): Promise<StartResult> {
    const qs = source.querySet;
    const key = StaleAddressKeeper.serviceKey(qs);
    const current = AddressSet.fromCanonical(qs.lpcsaBuffer ?? []);
    const previous = this.journal.load(key) ?? new AddressSet();
    const stale = previous.difference(current);
    this.journal.save(key, previous.union(current));
    let deregistered: SetServiceResult | undefined;
    if (stale.size > 0) {
      const staleEntries = stale.toCanonical();
      try {
        deregistered = await this.registry.setServiceTypedAsync(
          withAddresses(source, staleEntries),
          RNRSERVICE_DEREGISTER,
          SERVICE_MULTIPLE,
        );
      } catch (e) {
        // Someone deleted the object meanwhile: the stale addresses are gone already.
        if (!WinsockError.is(e, 'WSASERVICE_NOT_FOUND')) throw e;
      }
    }
    const registered = await this.registry.setServiceTypedAsync(source, RNRSERVICE_REGISTER, SERVICE_MULTIPLE);
    this.journal.save(key, current);
    return { stale: stale.toCanonical(), ...(deregistered ? { deregistered } : {}), registered };
  }

  /** `stop` for a registry whose Directory is remote. */
  async stopAsync(source: CanonicalSource & { querySet: QuerySetJson }): Promise<SetServiceResult | undefined> {
    const qs = source.querySet;
    const key = StaleAddressKeeper.serviceKey(qs);
    const recorded = this.journal.load(key);
    let result: SetServiceResult | undefined;
    if (recorded && recorded.size > 0) {
      const entries = recorded.toCanonical();
      try {
        result = await this.registry.setServiceTypedAsync(
          withAddresses(source, entries),
          RNRSERVICE_DEREGISTER,
          SERVICE_MULTIPLE,
        );
      } catch (e) {
        if (!WinsockError.is(e, 'WSASERVICE_NOT_FOUND')) throw e;
      }
    }
    this.journal.remove(key);
    return result;
  }
}

/** The service's query set carrying `entries` instead of its own addresses (the DEREGISTERs of start and stop). */
function withAddresses(
  source: CanonicalSource & { querySet: QuerySetJson },
  entries: CsAddrInfoJson[],
): CanonicalSource & { querySet: QuerySetJson } {
  return { ...source, querySet: { ...source.querySet, dwNumberOfCsAddrs: entries.length, lpcsaBuffer: entries } };
}
