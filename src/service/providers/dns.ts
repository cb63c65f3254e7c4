import type { NamespaceProvider, ProviderOutcome } from '../provider.js';

/**
 * The DNS namespace (NS_DNS). WSASetService's documentation: REGISTER "is a
 * NOP for the DNS namespace", and so is DEREGISTER. It says nothing of
 * DELETE; rnrkit makes it a NOP too: this provider never holds a
 * registration (DNS records are not published through WSASetService), so
 * there is nothing to delete, and answering WSASERVICE_NOT_FOUND would make
 * every REGISTER/DELETE pair scoped to NS_DNS fail on its second half.
 * The call is still validated by ws2_32 first, like any other.
 */
export class DnsProvider implements NamespaceProvider {
  /** Succeeds without doing anything, whatever the operation: `{ noop: true }`. */
  NSPSetService(): ProviderOutcome {
    return { noop: true };
  }
}
