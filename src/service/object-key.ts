import { canonicalGuid } from '../abi/guid.js';

/**
 * A service object is identified by (provider, service class id, instance
 * name compared case-insensitively, context). This is that identity as
 * strings a Map or an SQLite UNIQUE index can compare with `=`.
 */
export interface ObjectKey {
  readonly provider: string;
  readonly serviceClassId: string;
  /** The instance name folded for comparison (`foldInstanceName`). */
  readonly instanceKey: string;
  /** The context, or '' for NULL: see contextKey. */
  readonly contextKey: string;
}

/**
 * Case-insensitive comparison the way Windows compares names ordinally
 * (CompareStringOrdinal with bIgnoreCase, RtlUpcaseUnicodeChar): each UTF-16
 * code unit is upper-cased on its own, and a code unit whose upper case is
 * not a single code unit (ß → SS, ŉ → ʼN) stays as it is. So "Printer" and
 * "PRINTER" are one object, "straße" and "STRASSE" are two, and lone
 * surrogates compare as themselves. A NULL instance name folds to a key no
 * string can produce.
 */
export function foldInstanceName(name: string | null): string {
  if (name === null) return '\u0000null';
  let out = '';
  let plain = true;
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    // ASCII fast path: most instance names are.
    if (unit < 0x80) {
      if (unit >= 0x61 && unit <= 0x7a) {
        out += String.fromCharCode(unit - 0x20);
        plain = false;
      } else out += name[i];
      continue;
    }
    const ch = String.fromCharCode(unit);
    const upper = unit >= 0xd800 && unit <= 0xdfff ? ch : ch.toUpperCase();
    if (upper.length === 1 && upper !== ch) {
      out += upper;
      plain = false;
    } else out += ch;
  }
  // A name starting with NUL cannot collide with the NULL key: prefix it.
  const key = plain ? name : out;
  return key.startsWith('\u0000') ? `\u0000${key}` : key;
}

/**
 * Contexts are compared exactly. NULL and "" are different contexts in a
 * hierarchical namespace (no starting point vs the root); the key keeps them
 * apart by prefixing every real string.
 */
export function contextKey(context: string | null): string {
  return context === null ? '' : `/${context}`;
}

/** The spelling parseQuerySetJson and decodeQuerySet already produce: no need to parse it again (service/batch). */
const CANONICAL_GUID = /^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$/;

/**
 * The identity of a service object, with the class id spelled canonically
 * and the instance name and context folded; throws UsageError when
 * `serviceClassId` is not a GUID.
 */
export function objectKey(
  provider: string,
  serviceClassId: string,
  instanceName: string | null,
  context: string | null,
): ObjectKey {
  const classId = CANONICAL_GUID.test(serviceClassId) ? serviceClassId : canonicalGuid(serviceClassId);
  return {
    provider,
    serviceClassId: classId,
    instanceKey: foldInstanceName(instanceName),
    contextKey: contextKey(context),
  };
}

/** One string for Map keys. */
export function objectKeyString(key: ObjectKey): string {
  return `${key.provider}\u0001${key.serviceClassId}\u0001${key.instanceKey}\u0001${key.contextKey}`;
}
