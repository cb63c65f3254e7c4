import { canonicalGuid, isGuid } from '../abi/guid.js';
import { UsageError } from '../errors.js';
import type { NamespaceProvider } from './provider.js';

/** One row of the namespace provider catalog (what `WSCEnumNameSpaceProviders` lists). */
export interface CatalogEntry {
  /** The provider's GUID, canonical upper-case form. */
  readonly id: string;
  /** The NS_* value it serves. */
  readonly namespace: number;
  readonly name: string;
  enabled: boolean;
  readonly provider: NamespaceProvider;
}

/** What `rnrkit service providers` prints for each entry. */
export interface CatalogEntryJson {
  id: string;
  namespace: number;
  name: string;
  enabled: boolean;
  implementsSetService: boolean;
}

/**
 * The namespace provider catalog, in installation order (the order ws2_32
 * calls providers in when a call's scope covers several).
 */
export class ProviderCatalog {
  private readonly entries: CatalogEntry[] = [];

  /** Install a provider (WSCInstallNameSpace). Its id must be new. */
  install(entry: {
    id: string;
    namespace: number;
    name: string;
    enabled?: boolean;
    provider: NamespaceProvider;
  }): CatalogEntry {
    if (!isGuid(entry.id)) throw new UsageError(`provider id ${JSON.stringify(entry.id)} is not a GUID`);
    const id = canonicalGuid(entry.id);
    if (this.find(id)) throw new UsageError(`a provider with id ${id} is already installed`);
    if (!Number.isInteger(entry.namespace) || entry.namespace < 0 || entry.namespace > 0xffffffff) {
      throw new UsageError(`provider ${entry.name}: namespace ${entry.namespace} is not a DWORD`);
    }
    const installed: CatalogEntry = {
      id,
      namespace: entry.namespace,
      name: entry.name,
      enabled: entry.enabled ?? true,
      provider: entry.provider,
    };
    this.entries.push(installed);
    return installed;
  }

  /** WSCEnableNSProvider. */
  setEnabled(id: string, enabled: boolean): void {
    const entry = this.find(id);
    if (!entry) throw new UsageError(`no provider with id ${id} is installed`);
    entry.enabled = enabled;
  }

  /** The entry with that id (any case, braces optional), or undefined. */
  find(id: string): CatalogEntry | undefined {
    if (!isGuid(id)) return undefined;
    const canonical = canonicalGuid(id);
    return this.entries.find((e) => e.id === canonical);
  }

  /** Every entry, enabled or not, in installation order. */
  all(): readonly CatalogEntry[] {
    return this.entries;
  }

  /** Every entry as `rnrkit service providers` prints it, in installation order. */
  toJson(): CatalogEntryJson[] {
    return this.entries.map((e) => ({
      id: e.id,
      namespace: e.namespace,
      name: e.name,
      enabled: e.enabled,
      implementsSetService:
        typeof e.provider.NSPSetService === 'function' || typeof e.provider.NSPSetServiceAsync === 'function',
    }));
  }
}
