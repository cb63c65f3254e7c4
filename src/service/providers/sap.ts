import { RNRSERVICE_REGISTER, SERVICE_MULTIPLE } from '../../abi/constants.js';
import { canonicalGuid } from '../../abi/guid.js';
import type { CsAddrInfoJson, QuerySetJson } from '../../codec/canonical.js';
import type { AddressSet } from '../../match/index.js';
import { checkOwner } from '../access.js';
import { notEnoughMemory } from '../errors.js';
import { objectKey, objectKeyString } from '../object-key.js';
import type { NamespaceProvider, NspCallContext, ProviderOutcome, SetServiceOperation } from '../provider.js';
import { applyTable, type ObjectState } from '../semantics.js';
import { addressErrorsAsWinsock } from './address-errors.js';
import { tableOutcome } from './outcome.js';

/** Timers, injectable so tests advance time by hand. */
export interface SapClock {
  /** The current time in ms (the default clock answers Date.now()). */
  now(): number;
  /** Calls `callback` every `ms` milliseconds until clearInterval gets the handle answered. */
  setInterval(callback: () => void, ms: number): unknown;
  /** Stops the timer setInterval answered `handle` for. */
  clearInterval(handle: unknown): void;
}

/** One broadcast: what a SAP agent would send for a registered service. */
export interface SapAdvertisement {
  readonly provider: string;
  readonly serviceClassId: string;
  readonly instanceName: string | null;
  readonly context: string | null;
  readonly addresses: CsAddrInfoJson[];
  /** clock.now() when it was sent. */
  readonly at: number;
}

/** How the SAP provider advertises and how much it holds; every member is optional. */
export interface SapOptions {
  /** Time between broadcasts in ms. Default 60000 (SAP's periodic broadcast is once a minute). */
  readonly intervalMs?: number;
  /** Default: the host's timers, unref'd so advertising never keeps a process alive. */
  readonly clock?: SapClock;
  /** Where broadcasts go. Default: nowhere (rnrkit sends nothing on a network). */
  readonly sink?: (advertisement: SapAdvertisement) => void;
  /** Most services at once; default 4096. */
  readonly maxObjects?: number;
  /** Most addresses per service; default 4096. */
  readonly maxAddressesPerObject?: number;
}

interface SapObject {
  readonly provider: string;
  readonly serviceClassId: string;
  instanceName: string | null;
  readonly context: string | null;
  state: ObjectState;
  readonly owner: string;
  addresses: AddressSet;
  timer?: unknown;
}

const hostClock: SapClock = {
  now: () => Date.now(),
  setInterval: (callback, ms) => {
    const handle = setInterval(callback, ms);
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

/**
 * The SAP namespace (NS_SAP): for SAP, REGISTER "means sending out a
 * periodic broadcast" and DEREGISTER "stop sending out the periodic
 * broadcast". The objects and their addresses follow the same table as the
 * persistent store (semantics.ts), but live in memory: advertisements end
 * with the registering process (`shutdown`).
 *
 * A service is advertised while it is REGISTERED and has addresses: a
 * REGISTER sends one broadcast at once and then one every `intervalMs`,
 * each with the addresses the service holds at that moment (so a
 * DEREGISTER with SERVICE_MULTIPLE that leaves some addresses keeps
 * advertising those); when the last address goes, or the service is
 * deregistered or deleted, the broadcasts stop.
 */
export class SapProvider implements NamespaceProvider {
  readonly intervalMs: number;
  private readonly clock: SapClock;
  private readonly sink: (advertisement: SapAdvertisement) => void;
  private readonly maxObjects: number;
  private readonly maxAddressesPerObject: number;
  private readonly objects = new Map<string, SapObject>();

  constructor(options: SapOptions = {}) {
    this.intervalMs = options.intervalMs ?? 60_000;
    if (!(this.intervalMs > 0)) throw new RangeError(`intervalMs ${this.intervalMs} must be positive`);
    this.clock = options.clock ?? hostClock;
    this.sink = options.sink ?? (() => {});
    this.maxObjects = options.maxObjects ?? 4096;
    this.maxAddressesPerObject = options.maxAddressesPerObject ?? 4096;
  }

  NSPSetService(
    providerId: string,
    _serviceClassInfo: unknown,
    qs: QuerySetJson,
    operation: SetServiceOperation,
    controlFlags: number,
    context: NspCallContext,
  ): ProviderOutcome {
    const multiple = (controlFlags & SERVICE_MULTIPLE) !== 0;
    const key = objectKeyString(
      objectKey(providerId, qs.lpServiceClassId!, qs.lpszServiceInstanceName, qs.lpszContext),
    );
    return addressErrorsAsWinsock((): ProviderOutcome => {
      const existing = this.objects.get(key);
      if (existing) checkOwner(existing.owner, context, `service ${JSON.stringify(existing.instanceName)}`);
      else if (operation === RNRSERVICE_REGISTER && this.objects.size >= this.maxObjects)
        throw notEnoughMemory(`the SAP agent advertises its quota of ${this.maxObjects} services`);
      // The table mutates the set it is given; work on a copy so a failed call changes nothing.
      const current = existing && { state: existing.state, addresses: existing.addresses.clone() };
      const action = applyTable(current, operation, multiple, qs.lpcsaBuffer ?? [], {
        maxAddressesPerObject: this.maxAddressesPerObject,
      });
      if (action.action === 'delete') {
        this.stop(existing!);
        this.objects.delete(key);
        return { ...tableOutcome(action), advertising: false };
      }
      const object: SapObject = existing ?? {
        provider: providerId,
        serviceClassId: canonicalGuid(qs.lpServiceClassId!),
        instanceName: qs.lpszServiceInstanceName,
        context: qs.lpszContext,
        state: action.state,
        owner: context.principal,
        addresses: action.addresses,
      };
      if (operation === RNRSERVICE_REGISTER) object.instanceName = qs.lpszServiceInstanceName;
      object.state = action.state;
      object.addresses = action.addresses;
      this.objects.set(key, object);
      const advertise = object.state === 'REGISTERED' && object.addresses.size > 0;
      if (!advertise) this.stop(object);
      else if (operation === RNRSERVICE_REGISTER) this.start(object);
      return { ...tableOutcome(action), advertising: advertise };
    });
  }

  shutdown(): void {
    for (const object of this.objects.values()) this.stop(object);
    this.objects.clear();
  }

  /** Every service the agent holds, advertised or not, oldest first. */
  list(): {
    serviceClassId: string;
    instanceName: string | null;
    context: string | null;
    state: ObjectState;
    owner: string;
    addresses: CsAddrInfoJson[];
    advertising: boolean;
  }[] {
    return [...this.objects.values()].map((o) => ({
      serviceClassId: o.serviceClassId,
      instanceName: o.instanceName,
      context: o.context,
      state: o.state,
      owner: o.owner,
      addresses: o.addresses.toCanonical(),
      advertising: o.timer !== undefined,
    }));
  }

  /** The services being advertised now. */
  advertised(): { serviceClassId: string; instanceName: string | null; addresses: CsAddrInfoJson[] }[] {
    return [...this.objects.values()]
      .filter((o) => o.timer !== undefined)
      .map((o) => ({
        serviceClassId: o.serviceClassId,
        instanceName: o.instanceName,
        addresses: o.addresses.toCanonical(),
      }));
  }

  private start(object: SapObject): void {
    this.stop(object);
    this.broadcast(object);
    object.timer = this.clock.setInterval(() => this.broadcast(object), this.intervalMs);
  }

  private stop(object: SapObject): void {
    if (object.timer === undefined) return;
    this.clock.clearInterval(object.timer);
    object.timer = undefined;
  }

  private broadcast(object: SapObject): void {
    this.sink({
      provider: object.provider,
      serviceClassId: object.serviceClassId,
      instanceName: object.instanceName,
      context: object.context,
      addresses: object.addresses.toCanonical(),
      at: this.clock.now(),
    });
  }
}
