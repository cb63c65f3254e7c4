import { accessDenied } from './errors.js';
import type { NspCallContext } from './provider.js';

/**
 * Every service object has an owner: the principal whose REGISTER created
 * it. Another principal may not REGISTER over it, DEREGISTER or DELETE it
 * (WSAEACCES, "the calling routine does not have sufficient privileges")
 * unless it administers the store — the model of the ACLs that restrict
 * publishing to a directory ("Security Issues for Service Publication").
 */
export function checkOwner(owner: string, context: NspCallContext, what: string): void {
  if (owner === context.principal || context.isAdministrator(context.principal)) return;
  throw accessDenied(
    `${what} belongs to ${JSON.stringify(owner)}; ${JSON.stringify(context.principal)} does not own or administer it`,
  );
}
