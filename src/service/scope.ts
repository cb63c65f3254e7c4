import { NS_ALL } from '../abi/constants.js';
import type { CatalogEntry, ProviderCatalog } from './catalog.js';
import { invalid, notFound } from './errors.js';

/**
 * Which providers a call affects, by the scope table of WSASetService:
 *
 * | dwNameSpace         | lpNSProviderId | scope                                   |
 * |---------------------|----------------|-----------------------------------------|
 * | ignored             | non-NULL       | that provider                            |
 * | a namespace         | NULL           | every enabled provider of that namespace |
 * | NS_ALL              | NULL           | every enabled provider                   |
 *
 * An unknown provider id is WSAEINVAL (a parameter is invalid); so is a
 * disabled one, which ws2_32 would not load. A namespace no enabled provider
 * serves is WSASERVICE_NOT_FOUND: the service cannot be found in it.
 */
export function providersInScope(
  catalog: ProviderCatalog,
  dwNameSpace: number,
  lpNSProviderId: string | null,
): CatalogEntry[] {
  if (lpNSProviderId !== null) {
    const entry = catalog.find(lpNSProviderId);
    if (!entry) throw invalid(`no namespace provider with id ${lpNSProviderId} is installed`, 'lpNSProviderId');
    if (!entry.enabled) throw invalid(`namespace provider ${entry.name} (${entry.id}) is disabled`, 'lpNSProviderId');
    return [entry];
  }
  const enabled = catalog.all().filter((e) => e.enabled);
  if (dwNameSpace === NS_ALL) {
    if (enabled.length === 0) throw notFound('no namespace provider is enabled');
    return enabled;
  }
  const serving = enabled.filter((e) => e.namespace === dwNameSpace);
  if (serving.length === 0) throw notFound(`no enabled namespace provider serves namespace ${dwNameSpace}`);
  return serving;
}
