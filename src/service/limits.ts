import type { QuerySetJson } from '../codec/canonical.js';
import { UsageError } from '../errors.js';
import { notEnoughMemory } from './errors.js';

/**
 * How large each member of a WSASetService call may be. Checked by the
 * registry after ws2_32's own validation and before any provider runs, so
 * before any store's write lock is taken; an oversized call therefore costs
 * every other caller nothing. Every default is far above what a real
 * registration carries (docs/limits/registry.md).
 *
 * Exceeding one answers WSA_NOT_ENOUGH_MEMORY, "there was insufficient
 * memory to perform the operation" — not WSAEINVAL: the member is valid by
 * every rule of the API ("one or more required parameters were invalid or
 * missing" does not describe a long but well-formed comment); it is the
 * provider that will not set aside room to keep it. It is also the answer
 * the object and address quotas already give, so a caller sees one code
 * for "too much for this registry".
 */
export interface FieldLimits {
  /** Longest lpszServiceInstanceName, in UTF-16 code units (W) or bytes (A). Default 1,024. */
  readonly maxInstanceNameUnits: number;
  /** Longest lpszComment. Default 16,384. */
  readonly maxCommentUnits: number;
  /** Longest lpszContext. Default 4,096. */
  readonly maxContextUnits: number;
  /** Largest lpBlob (cbSize). Default 65,536 bytes. */
  readonly maxBlobBytes: number;
  /** Longest iSockaddrLength of any LocalAddr or RemoteAddr. Default 128, sizeof(SOCKADDR_STORAGE). */
  readonly maxSockaddrLength: number;
}

export const DEFAULT_FIELD_LIMITS: Readonly<FieldLimits> = Object.freeze({
  maxInstanceNameUnits: 1024,
  maxCommentUnits: 16_384,
  maxContextUnits: 4096,
  maxBlobBytes: 65_536,
  maxSockaddrLength: 128,
});

/** The defaults with the caller's overrides, each checked. */
export function resolveFieldLimits(limits: Partial<FieldLimits> | undefined): FieldLimits {
  if (limits === undefined) return DEFAULT_FIELD_LIMITS;
  const out: Record<string, number> = { ...DEFAULT_FIELD_LIMITS };
  for (const [key, value] of Object.entries(limits)) {
    if (!(key in DEFAULT_FIELD_LIMITS))
      throw new UsageError(
        `unknown field limit ${JSON.stringify(key)}: one of ${Object.keys(DEFAULT_FIELD_LIMITS).join(', ')}`,
      );
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0)
      throw new UsageError(`field limit ${key} must be a non-negative integer, not ${String(value)}`);
    out[key] = value;
  }
  return out as unknown as FieldLimits;
}

function checkString(value: string | null, limit: number, field: string, limitName: string): void {
  if (value !== null && value.length > limit) {
    throw notEnoughMemory(`${value.length} characters exceed the limit of ${limit} (${limitName})`, field);
  }
}

/**
 * Throw WSA_NOT_ENOUGH_MEMORY naming the first member over its limit. The
 * members WSASetService ignores (lpafpProtocols, lpszQueryString) are not
 * kept by any provider and are not looked at; what reading them may cost is
 * bounded by the decode limits and the input size.
 */
export function checkFieldLimits(qs: QuerySetJson, limits: FieldLimits): void {
  checkString(
    qs.lpszServiceInstanceName,
    limits.maxInstanceNameUnits,
    'lpszServiceInstanceName',
    'maxInstanceNameUnits',
  );
  checkString(qs.lpszComment, limits.maxCommentUnits, 'lpszComment', 'maxCommentUnits');
  checkString(qs.lpszContext, limits.maxContextUnits, 'lpszContext', 'maxContextUnits');
  if (qs.lpBlob !== null && qs.lpBlob.cbSize > limits.maxBlobBytes) {
    throw notEnoughMemory(
      `${qs.lpBlob.cbSize} bytes exceed the limit of ${limits.maxBlobBytes} (maxBlobBytes)`,
      'lpBlob.cbSize',
    );
  }
  const entries = qs.lpcsaBuffer ?? [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.LocalAddr.iSockaddrLength > limits.maxSockaddrLength) {
      throw notEnoughMemory(
        `${entry.LocalAddr.iSockaddrLength} bytes exceed the limit of ${limits.maxSockaddrLength} (maxSockaddrLength)`,
        `lpcsaBuffer[${i}].LocalAddr.iSockaddrLength`,
      );
    }
    if (entry.RemoteAddr.iSockaddrLength > limits.maxSockaddrLength) {
      throw notEnoughMemory(
        `${entry.RemoteAddr.iSockaddrLength} bytes exceed the limit of ${limits.maxSockaddrLength} (maxSockaddrLength)`,
        `lpcsaBuffer[${i}].RemoteAddr.iSockaddrLength`,
      );
    }
  }
}
