import { UsageError } from '../errors.js';
import { notEnoughMemory } from './errors.js';

/**
 * What one principal may own in a persistent provider, so that no caller
 * can fill the provider for everyone else (the provider-wide object quota
 * stays as a ceiling on the whole). Exceeding either answers
 * WSA_NOT_ENOUGH_MEMORY (limits.ts says why that code). Any backend that
 * can say what a principal owns applies them with `checkPrincipalQuota`
 * (docs/limits/registry.md).
 */
export interface PrincipalQuotas {
  /** Most objects one principal owns. Default 10,000. */
  readonly maxObjectsPerPrincipal: number;
  /** Most addresses, over all its objects, one principal owns. Default 100,000. */
  readonly maxAddressesPerPrincipal: number;
}

export const DEFAULT_PRINCIPAL_QUOTAS: Readonly<PrincipalQuotas> = Object.freeze({
  maxObjectsPerPrincipal: 10_000,
  maxAddressesPerPrincipal: 100_000,
});

export function resolvePrincipalQuotas(quotas: Partial<PrincipalQuotas> | undefined): PrincipalQuotas {
  const out = {
    ...DEFAULT_PRINCIPAL_QUOTAS,
    ...Object.fromEntries(Object.entries(quotas ?? {}).filter(([, v]) => v !== undefined)),
  };
  for (const [key, value] of Object.entries(out)) {
    if (!(key in DEFAULT_PRINCIPAL_QUOTAS))
      throw new UsageError(
        `unknown principal quota ${JSON.stringify(key)}: one of ${Object.keys(DEFAULT_PRINCIPAL_QUOTAS).join(', ')}`,
      );
    if (!Number.isSafeInteger(value) || (value as number) < 0)
      throw new UsageError(`principal quota ${key} must be a non-negative integer, not ${String(value)}`);
  }
  return out;
}

/** What a principal owns now. */
export interface Usage {
  readonly objects: number;
  readonly addresses: number;
}

/**
 * Throw WSA_NOT_ENOUGH_MEMORY when `owner`, owning `usage`, would go over a
 * quota by gaining `newObjects` objects and `newAddresses` addresses (a
 * change that does not grow a count is always allowed, so a principal over
 * a lowered quota can still shrink).
 */
export function checkPrincipalQuota(
  owner: string,
  usage: Usage,
  newObjects: number,
  newAddresses: number,
  quotas: PrincipalQuotas,
): void {
  if (newObjects > 0 && usage.objects + newObjects > quotas.maxObjectsPerPrincipal) {
    throw notEnoughMemory(
      `${JSON.stringify(owner)} owns ${usage.objects} objects; its quota is ${quotas.maxObjectsPerPrincipal} (maxObjectsPerPrincipal)`,
    );
  }
  if (newAddresses > 0 && usage.addresses + newAddresses > quotas.maxAddressesPerPrincipal) {
    throw notEnoughMemory(
      `${JSON.stringify(owner)} owns ${usage.addresses} addresses and this call would add ${newAddresses}; its quota is ${quotas.maxAddressesPerPrincipal} (maxAddressesPerPrincipal)`,
      'lpcsaBuffer',
    );
  }
}
