import type { Arch } from '../abi/types.js';
import type { CsAddrInfoJson, QuerySetJson } from '../codec/canonical.js';
import type { AddressSpace } from '../memory/address-space.js';

/** WSAESETSERVICEOP. */
export type SetServiceOperation = 0 | 1 | 2;

/**
 * What a provider is told besides the NSPSetService arguments: who is
 * calling and where the caller's memory is. ws2_32 knows both (the thread's
 * token, the process's address space); NSPSetService's signature does not
 * carry them, so the model hands them over here.
 */
export interface NspCallContext {
  /** The calling principal (the owner of anything this call creates). */
  readonly principal: string;
  /** Whether `principal` may change objects other principals own. */
  readonly isAdministrator: (principal: string) => boolean;
  /** The arch of the caller's structures (pointer size in lpBlob payloads). */
  readonly arch: Arch;
  /**
   * The caller's memory, when the query set came as a raw image (or the
   * caller passed one): providers that return results through pointers
   * (Bluetooth's pRecordHandle) write here. For WSASetServiceA this is a
   * private copy, so nothing reaches the caller (the documented ANSI
   * limitation).
   */
  readonly memory?: WritableAddressSpace;
}

/** An address space providers may write results into. */
export interface WritableAddressSpace extends AddressSpace {
  /**
   * Copies `bytes` to `address`. Throws MemoryError when any of them falls
   * outside the space, UsageError when the space only hands out copies.
   */
  write(address: number, bytes: Uint8Array): void;
}

/**
 * What a provider reports about a successful NSPSetService call, for the
 * typed form's per-provider results. Every member is optional: a no-op
 * provider reports `{ noop: true }`.
 */
export interface ProviderOutcome {
  /** The provider did nothing, as documented (DNS REGISTER/DEREGISTER). */
  noop?: true;
  /** What happened to the service object. */
  object?: 'created' | 'updated' | 'deleted' | 'unchanged';
  /** The object's state afterwards (absent when it was deleted). */
  state?: 'REGISTERED' | 'DEREGISTERED';
  /** Addresses the object holds afterwards. */
  addressCount?: number;
  /** Requested addresses the operation added or removed. */
  added?: CsAddrInfoJson[];
  removed?: CsAddrInfoJson[];
  /**
   * Requested addresses that matched nothing (DEREGISTER/DELETE with
   * SERVICE_MULTIPLE) or were already there (REGISTER with SERVICE_MULTIPLE):
   * they change nothing and do not make the call fail.
   */
  unmatched?: CsAddrInfoJson[];
  alreadyPresent?: CsAddrInfoJson[];
  /** Bluetooth: the SDP record handle of the registered record. */
  recordHandle?: string;
  /** Bluetooth: whether the handle was written back through pRecordHandle. */
  recordHandleWrittenBack?: boolean;
  /** SAP: whether the service is being advertised after the call. */
  advertising?: boolean;
}

/**
 * A namespace provider as ws2_32 sees it: NSPSetService is optional, as in
 * a real NSPROC_TABLE whose entry may be missing — ws2_32 then answers
 * WSAEOPNOTSUPP for that provider.
 *
 * NSPSetService returns what it did, or throws a WinsockError carrying the
 * code it would set with WSASetLastError. It receives the Unicode query set
 * (WSASetServiceA converts first).
 */
export interface NamespaceProvider {
  /**
   * Registers, deregisters or deletes (`operation`) the service the
   * Unicode `querySet` describes, as NSPSetService does; returns what it
   * did, or throws a WinsockError with the code the provider would set.
   */
  NSPSetService?(
    providerId: string,
    serviceClassInfo: unknown,
    querySet: QuerySetJson,
    operation: SetServiceOperation,
    controlFlags: number,
    context: NspCallContext,
  ): ProviderOutcome;
  /**
   * NSPSetService for a provider whose objects live elsewhere (the
   * Directory over LDAP): the same arguments and the same outcome or
   * WinsockError, later. The registry's async forms (`setServiceAsync`,
   * `setServiceTypedAsync`) call this when a provider has it and
   * NSPSetService otherwise; its sync forms refuse a provider that only has
   * this one (UsageError), rather than block on the network.
   */
  NSPSetServiceAsync?(
    providerId: string,
    serviceClassInfo: unknown,
    querySet: QuerySetJson,
    operation: SetServiceOperation,
    controlFlags: number,
    context: NspCallContext,
  ): Promise<ProviderOutcome>;
  /**
   * The registry's last WSACleanup: whatever lives only as long as the
   * registering process (Bluetooth SDP records, SAP broadcasts) ends here.
   */
  shutdown?(): void;
}
