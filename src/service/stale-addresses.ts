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
    return runSteps(startSteps(this.journal, source), (call) =>
      this.registry.setServiceTyped(call.source, call.operation, SERVICE_MULTIPLE),
    );
  }

  /** A clean shutdown: deregister what `start` recorded for this service, then forget it. */
  stop(source: CanonicalSource & { querySet: QuerySetJson }): SetServiceResult | undefined {
    return runSteps(stopSteps(this.journal, source), (call) =>
      this.registry.setServiceTyped(call.source, call.operation, SERVICE_MULTIPLE),
    );
  }

  /** `start` for a registry whose Directory is remote (setServiceTypedAsync). */
  startAsync(source: CanonicalSource & { querySet: QuerySetJson }): Promise<StartResult> {
    return runStepsAsync(startSteps(this.journal, source), (call) =>
      this.registry.setServiceTypedAsync(call.source, call.operation, SERVICE_MULTIPLE),
    );
  }

  /** `stop` for a registry whose Directory is remote. */
  stopAsync(source: CanonicalSource & { querySet: QuerySetJson }): Promise<SetServiceResult | undefined> {
    return runStepsAsync(stopSteps(this.journal, source), (call) =>
      this.registry.setServiceTypedAsync(call.source, call.operation, SERVICE_MULTIPLE),
    );
  }
}

type ServiceSource = CanonicalSource & { querySet: QuerySetJson };

/** One registry call that start or stop makes: `operation` | SERVICE_MULTIPLE on `source`. */
interface KeeperCall {
  readonly source: ServiceSource;
  readonly operation: typeof RNRSERVICE_REGISTER | typeof RNRSERVICE_DEREGISTER;
}

/**
 * What start or stop decides, written once for the sync and the async
 * registry: a generator that does the journal's reads and writes itself,
 * yields each registry call for its runner to make, and receives the
 * call's result back (or its error, thrown in at the yield).
 */
type KeeperSteps<T> = Generator<KeeperCall, T, SetServiceResult>;

/** `start`'s decisions (see the class comment for the order and why). */
function* startSteps(journal: AddressJournal, source: ServiceSource): KeeperSteps<StartResult> {
  const qs = source.querySet;
  const key = StaleAddressKeeper.serviceKey(qs);
  const current = AddressSet.fromCanonical(qs.lpcsaBuffer ?? []);
  const previous = journal.load(key) ?? new AddressSet();
  const stale = previous.difference(current);
  journal.save(key, previous.union(current));
  const deregistered = stale.size > 0 ? yield* deregisterUnlessGone(source, stale) : undefined;
  const registered = yield { source, operation: RNRSERVICE_REGISTER };
  journal.save(key, current);
  return { stale: stale.toCanonical(), ...(deregistered ? { deregistered } : {}), registered };
}

/** `stop`'s decisions: deregister what was recorded, then forget it. */
function* stopSteps(journal: AddressJournal, source: ServiceSource): KeeperSteps<SetServiceResult | undefined> {
  const key = StaleAddressKeeper.serviceKey(source.querySet);
  const recorded = journal.load(key);
  const result = recorded && recorded.size > 0 ? yield* deregisterUnlessGone(source, recorded) : undefined;
  journal.remove(key);
  return result;
}

/** DEREGISTER | SERVICE_MULTIPLE of `addresses`; undefined when someone deleted the object meanwhile (the addresses are gone already). */
function* deregisterUnlessGone(
  source: ServiceSource,
  addresses: AddressSet,
): KeeperSteps<SetServiceResult | undefined> {
  try {
    return yield { source: withAddresses(source, addresses.toCanonical()), operation: RNRSERVICE_DEREGISTER };
  } catch (e) {
    if (!WinsockError.is(e, 'WSASERVICE_NOT_FOUND')) throw e;
    return undefined;
  }
}

/** Runs `steps` against a synchronous registry: each call's result or error goes back into the steps. */
function runSteps<T>(steps: KeeperSteps<T>, call: (c: KeeperCall) => SetServiceResult): T {
  let step = steps.next();
  while (!step.done) {
    let result: SetServiceResult;
    try {
      result = call(step.value);
    } catch (e) {
      step = steps.throw(e);
      continue;
    }
    step = steps.next(result);
  }
  return step.value;
}

/** The same for an asynchronous registry: the steps wait for each call to settle. */
async function runStepsAsync<T>(steps: KeeperSteps<T>, call: (c: KeeperCall) => Promise<SetServiceResult>): Promise<T> {
  let step = steps.next();
  while (!step.done) {
    const pending = step.value;
    step = await new Promise<SetServiceResult>((resolve) => resolve(call(pending))).then(
      (result) => steps.next(result),
      (e: unknown) => steps.throw(e),
    );
  }
  return step.value;
}

/** The service's query set carrying `entries` instead of its own addresses (the DEREGISTERs of start and stop). */
function withAddresses(source: ServiceSource, entries: CsAddrInfoJson[]): ServiceSource {
  return { ...source, querySet: { ...source.querySet, dwNumberOfCsAddrs: entries.length, lpcsaBuffer: entries } };
}
