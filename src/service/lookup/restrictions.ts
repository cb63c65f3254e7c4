import { COMP_EQUAL, COMP_NOTLESS, LUP } from '../../abi/constants.js';
import { canonicalGuid, isGuid } from '../../abi/guid.js';
import { layoutOf } from '../../abi/layout.js';
import type { Arch } from '../../abi/types.js';
import type { Charset, QuerySetJson } from '../../codec/canonical.js';
import { decodeQuerySet, parseQuerySetJson } from '../../codec/index.js';
import { querySetToUnicode } from '../ansi.js';
import { PrivateCopy } from '../caller-memory.js';
import { invalid } from '../errors.js';
import { asInvalid, isCanonicalSource, isRawSource, type QuerySetSource } from '../query-set-source.js';
import { checkSize, querySetStruct } from '../validate.js';
import type { LookupQuery, NameRestriction } from './query.js';

/** The instance name that matches every instance ("the semantics for wildcarding … can be supported by certain namespace providers"). */
export const INSTANCE_WILDCARD = '*';

/**
 * Members of a WSAQUERYSET that queries ignore (the WSAQUERYSET page:
 * lpszComment, dwNumberOfCsAddrs, lpcsaBuffer and dwOutputFlags are
 * "ignored for queries"): a raw image's values there are not looked at, so
 * a dangling lpcsaBuffer or a huge count cannot fail a lookup.
 */
const IGNORED_FOR_QUERIES = ['lpszComment', 'dwNumberOfCsAddrs', 'lpcsaBuffer', 'dwOutputFlags'] as const;

export interface ResolvedRestrictions {
  /** In Unicode (WSALookupServiceBeginA converts first), the ignored members cleared. */
  readonly querySet: QuerySetJson;
  readonly arch: Arch;
  readonly charset: Charset;
}

/**
 * lpqsRestrictions as canonical JSON or a raw image, checked as
 * WSASetService checks a query set: the shape and types of every member,
 * then dwSize = sizeof(WSAQUERYSETW/A) for the arch ("this is a
 * versioning mechanism"), all WSAEINVAL naming the member. A raw image has
 * its dwSize read before anything it points to is followed.
 */
export function resolveRestrictions(source: QuerySetSource, defaultArch: Arch, codePage: string): ResolvedRestrictions {
  let querySet: QuerySetJson;
  let arch: Arch;
  let charset: Charset;
  if (isRawSource(source)) {
    ({ arch, charset } = source);
    querySet = decodeRawRestrictions(source.space, source.at, arch, charset);
  } else {
    const wrapped = isCanonicalSource(source);
    const value = wrapped ? source.querySet : source;
    arch = (wrapped ? source.arch : undefined) ?? defaultArch;
    charset = (wrapped ? source.charset : undefined) ?? 'W';
    if (value === null || typeof value !== 'object')
      throw invalid('lpqsRestrictions is NULL or not a query set', 'lpqsRestrictions');
    const cleared = {
      ...(value as Record<string, unknown>),
      dwNumberOfCsAddrs: 0,
      lpcsaBuffer: null,
      lpszComment: null,
      dwOutputFlags: 0,
    };
    try {
      querySet = parseQuerySetJson(cleared);
    } catch (e) {
      throw asInvalid(e);
    }
  }
  checkSize(querySet.dwSize, arch, charset);
  if (charset === 'A') querySet = querySetToUnicode(querySet, codePage, arch);
  return { querySet, arch, charset };
}

function decodeRawRestrictions(
  space: import('../../memory/address-space.js').AddressSpace,
  at: number,
  arch: Arch,
  charset: Charset,
): QuerySetJson {
  const layout = layoutOf(querySetStruct(charset), arch);
  let dwSize: number;
  try {
    const fixed = space.locate(at, layout.size);
    dwSize = fixed.view.getUint32(fixed.offset + layout.field('dwSize').offset, true);
  } catch (e) {
    throw asInvalid(e);
  }
  checkSize(dwSize, arch, charset);
  // A private copy with the ignored members zeroed: the caller's memory is not touched.
  const copy = new PrivateCopy(space);
  for (const member of IGNORED_FOR_QUERIES) {
    const field = layout.field(member);
    copy.write(at + field.offset, new Uint8Array(field.size));
  }
  let querySet: QuerySetJson;
  try {
    querySet = decodeQuerySet(copy, at, { arch, charset, lenient: true });
  } catch (e) {
    throw asInvalid(e);
  }
  const unresolved = (querySet.$unresolved ?? []) as { path: string; address: string; reason: string }[];
  const first = unresolved[0];
  if (first)
    throw invalid(
      first.address && !first.reason.includes(first.address) ? `${first.reason} (at ${first.address})` : first.reason,
      first.path,
    );
  const { $unresolved: _, ...clean } = querySet;
  return clean as QuerySetJson;
}

/**
 * The restrictions as a LookupQuery, each member checked as the WSAQUERYSET
 * page describes it for queries:
 * - lpServiceClassId "(Required)": NULL or not a GUID is WSAEINVAL;
 * - lpszServiceInstanceName "(Optional)": NULL or `*` matches every
 *   instance, any other name matches as object identity compares names;
 * - lpVersion "(Optional)" with ecHow COMP_EQUAL or COMP_NOTLESS (anything
 *   else is WSAEINVAL);
 * - lpszContext "(Optional)": the starting point (see contextMatches);
 * - dwNumberOfProtocols / lpafpProtocols "(Optional)": the count must be
 *   the array's length (0 with NULL: no restriction);
 * - lpszQueryString "(Optional)": kept for LUP_RETURN_QUERY_STRING;
 * - dwNameSpace / lpNSProviderId: the scope, checked by the caller with
 *   WSASetService's scope table;
 * - lpBlob "(Optional) … provider-specific": the Directory defines none and
 *   ignores it.
 */
export function lookupQuery(qs: QuerySetJson, flags: number): LookupQuery {
  if (qs.lpServiceClassId === null) throw invalid('NULL, but a lookup needs a service class id', 'lpServiceClassId');
  if (!isGuid(qs.lpServiceClassId))
    throw invalid(`${JSON.stringify(qs.lpServiceClassId)} is not a GUID`, 'lpServiceClassId');
  const version = qs.lpVersion;
  if (version !== null && version.ecHow !== COMP_EQUAL && version.ecHow !== COMP_NOTLESS) {
    throw invalid(`ecHow ${version.ecHow} is not COMP_EQUAL (0) or COMP_NOTLESS (1)`, 'lpVersion.ecHow');
  }
  const protocols = qs.lpafpProtocols;
  if (protocols === null ? qs.dwNumberOfProtocols !== 0 : protocols.length !== qs.dwNumberOfProtocols) {
    throw invalid(
      `dwNumberOfProtocols is ${qs.dwNumberOfProtocols} but lpafpProtocols ${protocols === null ? 'is NULL' : `has ${protocols.length} entries`}`,
      'lpafpProtocols',
    );
  }
  const name: NameRestriction =
    qs.lpszServiceInstanceName === null || qs.lpszServiceInstanceName === INSTANCE_WILDCARD
      ? { kind: 'any' }
      : { kind: 'exact', name: qs.lpszServiceInstanceName };
  return {
    serviceClassId: canonicalGuid(qs.lpServiceClassId),
    name,
    context: qs.lpszContext,
    deep: (flags & LUP.LUP_DEEP) !== 0,
    containersOnly: (flags & LUP.LUP_CONTAINERS) !== 0,
    version: version === null ? null : { ...version },
    protocols: protocols === null || protocols.length === 0 ? null : protocols.map((p) => ({ ...p })),
    queryString: qs.lpszQueryString,
  };
}
