import { RNRSERVICE_REGISTER, SERVICE_MULTIPLE } from '../../abi/constants.js';
import type { CsAddrInfoJson, QuerySetJson } from '../../codec/canonical.js';
import { RnrError } from '../../errors.js';
import { checkOwner } from '../access.js';
import { notEnoughMemory } from '../errors.js';
import { type ObjectKey, objectKey } from '../object-key.js';
import type { NamespaceProvider, NspCallContext, ProviderOutcome, SetServiceOperation } from '../provider.js';
import { checkPrincipalQuota, type PrincipalQuotas, resolvePrincipalQuotas } from '../quotas.js';
import { applyTable, type TableAction, type TableLimits } from '../semantics.js';
import type { ServiceStore } from '../store.js';
import { addressErrorAsWinsock } from './address-errors.js';
import { tableOutcome } from './outcome.js';

/** Bounds of the Directory provider's store: object and address counts, and the per-principal quotas. */
export interface DirectoryOptions extends Partial<PrincipalQuotas> {
  /** Most objects this provider keeps; creating one more is WSA_NOT_ENOUGH_MEMORY. Default 1,000,000. */
  readonly maxObjects?: number;
  /** Most addresses one object holds; more is WSA_NOT_ENOUGH_MEMORY. Default 4096. */
  readonly maxAddressesPerObject?: number;
}

/**
 * The persistent data store (NS_NTDS): "for persistent data stores, [REGISTER]
 * means updating the address information", DEREGISTER "deleting address
 * information". Implements the whole operation × flags table (semantics.ts)
 * over a ServiceStore, one SQLite transaction per call: the object is read,
 * the owner checked, the table applied and the result written atomically,
 * so concurrent processes cannot lose each other's updates and a call that
 * returned is on disk.
 */
export class DirectoryProvider implements NamespaceProvider {
  readonly maxObjects: number;
  readonly maxAddressesPerObject: number;
  readonly quotas: PrincipalQuotas;
  private readonly limits: TableLimits;

  constructor(
    readonly store: ServiceStore,
    readonly namespace: number,
    options: DirectoryOptions = {},
  ) {
    this.maxObjects = options.maxObjects ?? 1_000_000;
    this.maxAddressesPerObject = options.maxAddressesPerObject ?? 4096;
    this.quotas = resolvePrincipalQuotas({
      maxObjectsPerPrincipal: options.maxObjectsPerPrincipal,
      maxAddressesPerPrincipal: options.maxAddressesPerPrincipal,
    });
    this.limits = { maxAddressesPerObject: this.maxAddressesPerObject };
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
    // ws2_32 validated lpServiceClassId before any provider is called.
    const key = objectKey(providerId, qs.lpServiceClassId!, qs.lpszServiceInstanceName, qs.lpszContext);
    const store = this.store;
    try {
      // Standalone, the call is its own IMMEDIATE transaction: the read, the
      // checks and the write see no other writer in between. Inside a batch
      // the batch's transaction already gives that, and no savepoint is
      // needed either: everything before the one write statement only reads,
      // and a statement that fails is undone by SQLite on its own.
      if (store.inTransaction) return this.operate(providerId, key, qs, operation, multiple, context);
      if (operation === RNRSERVICE_REGISTER) this.refuseBeforeLocking(key, qs, context);
      return store.transaction(() => this.operate(providerId, key, qs, operation, multiple, context));
    } catch (e) {
      throw addressErrorAsWinsock(e);
    }
  }

  /**
   * The quotas, checked against the last committed state before the write
   * lock is taken: a principal at its quota is refused without making
   * anyone else wait. Only what is certain is refused here — a new object
   * from a principal at its object quota, or one with addresses from a
   * principal at its address quota; `operate` checks everything again, exactly,
   * inside the transaction.
   */
  private refuseBeforeLocking(key: ObjectKey, qs: QuerySetJson, context: NspCallContext): void {
    const usage = this.store.usageOf(context.principal);
    const atObjects = usage.objects >= this.quotas.maxObjectsPerPrincipal;
    const atAddresses = usage.addresses >= this.quotas.maxAddressesPerPrincipal && (qs.lpcsaBuffer?.length ?? 0) > 0;
    if (!atObjects && !atAddresses) return;
    if (this.store.find(key) !== undefined) return;
    checkPrincipalQuota(context.principal, usage, 1, qs.lpcsaBuffer?.length ?? 0, this.quotas);
  }

  private operate(
    providerId: string,
    key: ObjectKey,
    qs: QuerySetJson,
    operation: SetServiceOperation,
    multiple: boolean,
    context: NspCallContext,
  ): ProviderOutcome {
    const store = this.store;
    const requested = qs.lpcsaBuffer ?? [];
    if (operation === RNRSERVICE_REGISTER && store.countObjects(providerId) < this.maxObjects) {
      const created = this.createIfNew(providerId, key, qs, multiple, requested, context);
      if (created) return created;
    }
    const existing = store.find(key);
    if (existing) {
      checkOwner(existing.owner, context, `service ${JSON.stringify(existing.instanceName)}`);
    } else if (operation === RNRSERVICE_REGISTER && store.countObjects(providerId) >= this.maxObjects) {
      throw notEnoughMemory(`the provider holds its quota of ${this.maxObjects} objects`);
    }
    const sizeBefore = existing?.addresses.size ?? 0;
    const action = applyTable(existing, operation, multiple, requested, this.limits);
    if (action.action === 'write') {
      const owner = existing?.owner ?? context.principal;
      checkPrincipalQuota(
        owner,
        store.usageOf(owner),
        existing ? 0 : 1,
        action.addresses.size - sizeBefore,
        this.quotas,
      );
    }
    if (action.action === 'delete') {
      store.remove(existing!.id);
      return tableOutcome(action);
    }
    const registering = operation === RNRSERVICE_REGISTER;
    const fields = {
      // A REGISTER (over) takes the name's spelling and the optional properties it brings.
      instanceName: registering || !existing ? qs.lpszServiceInstanceName : existing.instanceName,
      context: qs.lpszContext,
      state: action.state,
      owner: existing?.owner ?? context.principal,
      addresses: action.addresses,
      properties:
        registering || !existing ? { lpszComment: qs.lpszComment, lpVersion: qs.lpVersion } : existing.properties,
    };
    if (existing) store.update(existing.id, fields);
    else
      store.insert({
        key,
        provider: providerId,
        namespace: this.namespace,
        serviceClassId: key.serviceClassId,
        ...fields,
      });
    const changed =
      action.created ||
      action.added.length > 0 ||
      action.removed.length > 0 ||
      existing?.state !== action.state ||
      registering;
    return tableOutcome(action, { unchanged: !changed });
  }

  /**
   * A REGISTER's "does not exist" cell, tried first: the table's create
   * action written with one INSERT that leaves an existing object alone, so
   * a new object costs no separate lookup. Undefined when the object exists
   * (nothing was written) or when the request is bad: then `operate` takes
   * the general path, which raises what is wrong in the table's order (an
   * object someone else owns is WSAEACCES before its addresses are looked
   * at). The caller checked the object quota.
   */
  private createIfNew(
    providerId: string,
    key: ObjectKey,
    qs: QuerySetJson,
    multiple: boolean,
    requested: readonly CsAddrInfoJson[],
    context: NspCallContext,
  ): ProviderOutcome | undefined {
    let action: TableAction;
    try {
      action = applyTable(undefined, RNRSERVICE_REGISTER, multiple, requested, this.limits);
    } catch (e) {
      if (e instanceof RnrError) return undefined;
      throw e;
    }
    if (action.action !== 'write') throw new Error('RNRSERVICE_REGISTER of a new object is a write');
    // Over a quota, or perhaps not new at all: the general path finds out which, and answers.
    const usage = this.store.usageOf(context.principal);
    if (
      usage.objects + 1 > this.quotas.maxObjectsPerPrincipal ||
      usage.addresses + action.addresses.size > this.quotas.maxAddressesPerPrincipal
    )
      return undefined;
    const id = this.store.insertIfNew({
      key,
      provider: providerId,
      namespace: this.namespace,
      serviceClassId: key.serviceClassId,
      instanceName: qs.lpszServiceInstanceName,
      context: qs.lpszContext,
      state: action.state,
      owner: context.principal,
      addresses: action.addresses,
      properties: { lpszComment: qs.lpszComment, lpVersion: qs.lpVersion },
    });
    if (id === undefined) return undefined;
    return tableOutcome(action);
  }
}
