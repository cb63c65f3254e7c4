import type { ProviderOutcome } from '../provider.js';
import type { TableAction } from '../semantics.js';

export interface TableOutcomeOptions {
  /** The write changed nothing the caller could see (a Directory REGISTER | SERVICE_MULTIPLE of addresses it already held). */
  readonly unchanged?: boolean;
  /** Addresses the object keeps beyond the table's set: values an LDAP directory holds that rnrkit cannot read. */
  readonly addressesBeyondTable?: number;
}

/**
 * The typed form's report of a table action (semantics.ts), the same for
 * every stateful provider: what happened to the object, its state and
 * address count afterwards, and which requested addresses changed it.
 * Providers add what only they know (SAP: whether it advertises).
 */
export function tableOutcome(action: TableAction, options: TableOutcomeOptions = {}): ProviderOutcome {
  if (action.action === 'delete') return { object: 'deleted', removed: action.removed, unmatched: action.unmatched };
  return {
    object: action.created ? 'created' : options.unchanged ? 'unchanged' : 'updated',
    state: action.state,
    addressCount: action.addresses.size + (options.addressesBeyondTable ?? 0),
    added: action.added,
    removed: action.removed,
    unmatched: action.unmatched,
    alreadyPresent: action.alreadyPresent,
  };
}
