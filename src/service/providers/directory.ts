import { RNRSERVICE_REGISTER, SERVICE_MULTIPLE } from '../../abi/constants.js';
import type { QuerySetJson } from '../../codec/canonical.js';
import { checkOwner } from '../access.js';
import { notEnoughMemory } from '../errors.js';
import { objectKey } from '../object-key.js';
import type { NamespaceProvider, NspCallContext, ProviderOutcome, SetServiceOperation } from '../provider.js';
import { applyTable } from '../semantics.js';
import type { ServiceStore } from '../store.js';
import { addressErrorsAsWinsock } from './address-errors.js';

export interface DirectoryOptions {
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

  constructor(readonly store: ServiceStore, readonly namespace: number, options: DirectoryOptions = {}) {
    this.maxObjects = options.maxObjects ?? 1_000_000;
    this.maxAddressesPerObject = options.maxAddressesPerObject ?? 4096;
  }

  NSPSetService(providerId: string, _serviceClassInfo: unknown, qs: QuerySetJson, operation: SetServiceOperation, controlFlags: number, context: NspCallContext): ProviderOutcome {
    const multiple = (controlFlags & SERVICE_MULTIPLE) !== 0;
    // ws2_32 validated lpServiceClassId before any provider is called.
    const key = objectKey(providerId, qs.lpServiceClassId!, qs.lpszServiceInstanceName, qs.lpszContext);
    const requested = qs.lpcsaBuffer ?? [];
    const store = this.store;
    const operate = (): ProviderOutcome => {
      const existing = store.find(key);
      if (existing) {
        checkOwner(existing.owner, context, `service ${JSON.stringify(existing.instanceName)}`);
      } else if (operation === RNRSERVICE_REGISTER && store.countObjects(providerId) >= this.maxObjects) {
        throw notEnoughMemory(`the provider holds its quota of ${this.maxObjects} objects`);
      }
      const action = applyTable(existing, operation, multiple, requested, { maxAddressesPerObject: this.maxAddressesPerObject });
      if (action.action === 'delete') {
        store.remove(existing!.id);
        return { object: 'deleted', removed: action.removed, unmatched: action.unmatched };
      }
      const registering = operation === RNRSERVICE_REGISTER;
      const fields = {
        // A REGISTER (over) takes the name's spelling and the optional properties it brings.
        instanceName: registering || !existing ? qs.lpszServiceInstanceName : existing.instanceName,
        context: qs.lpszContext,
        state: action.state,
        owner: existing?.owner ?? context.principal,
        addresses: action.addresses,
        properties: registering || !existing ? { lpszComment: qs.lpszComment, lpVersion: qs.lpVersion } : existing.properties,
      };
      if (existing) store.update(existing.id, fields);
      else store.insert({ key, provider: providerId, namespace: this.namespace, serviceClassId: key.serviceClassId, ...fields });
      const changed = action.created || action.added.length > 0 || action.removed.length > 0 || existing?.state !== action.state || registering;
      return {
        object: action.created ? 'created' : changed ? 'updated' : 'unchanged',
        state: action.state,
        addressCount: action.addresses.size,
        added: action.added,
        removed: action.removed,
        unmatched: action.unmatched,
        alreadyPresent: action.alreadyPresent,
      };
    };
    // Standalone, the call is its own IMMEDIATE transaction: the read, the
    // checks and the write see no other writer in between. Inside a batch
    // the batch's transaction already gives that, and no savepoint is
    // needed either: everything before the one write statement only reads,
    // and a statement that fails is undone by SQLite on its own.
    return addressErrorsAsWinsock(() => (store.inTransaction ? operate() : store.transaction(operate)));
  }
}
