import { LUP, NS_NTDS, RNRSERVICE_REGISTER, WSA_ERRORS } from '../abi/constants.js';
import { layoutOf } from '../abi/layout.js';
import type { Arch } from '../abi/types.js';
import type { Charset, QuerySetJson } from '../codec/canonical.js';
import { ServiceLookup } from './lookup/service-lookup.js';
import { PROVIDER_IDS, type WinsockRegistry } from './registry.js';

/** What the walk-through's lookup did: the restrictions, the two Next calls, and the caller's buffer afterwards. */
export interface LookupDemo {
  readonly restrictions: QuerySetJson;
  readonly flags: number;
  readonly arch: Arch;
  readonly charset: Charset;
  /** What the first Next, with a 0-byte buffer, left in *lpdwBufferLength (WSAEFAULT). */
  readonly required: number;
  /** Where the caller's buffer is, and its bytes after the second Next. */
  readonly at: number;
  readonly bytes: Uint8Array;
  /** The canonical form of the result (what the bytes decode to). */
  readonly result: QuerySetJson;
  /** What the third Next returned: WSA_E_NO_MORE. */
  readonly end: number;
}

/** Where the demo's caller keeps its result buffer: a plausible heap address of the arch, 8-aligned. */
const BUFFER_AT: Record<Arch, number> = { x64: 0x0000_01d4_5a3e_0040, x86: 0x0062_4e40 };

/**
 * The walk-through's last act: the decoded set is registered again (every
 * address, so there is something to find) and looked up by class and name
 * the way a Windows client does it — Next with no buffer to learn the size
 * (WSAEFAULT, the length written back), Next again with a buffer that size,
 * then the end (WSA_E_NO_MORE) and WSALookupServiceEnd.
 */
export function runLookupDemo(
  registry: WinsockRegistry,
  querySet: QuerySetJson,
  arch: Arch,
  charset: Charset,
): LookupDemo {
  const registered = { ...querySet, lpNSProviderId: PROVIDER_IDS.directory };
  if (registry.setService({ querySet: registered, arch, charset }, RNRSERVICE_REGISTER, 0) !== 0) {
    throw new Error(`the demo's REGISTER failed with ${registry.getLastError()}`);
  }
  const restrictions: QuerySetJson = {
    dwSize: layoutOf(charset === 'A' ? 'WSAQUERYSETA' : 'WSAQUERYSETW', arch).size,
    lpszServiceInstanceName: querySet.lpszServiceInstanceName,
    lpServiceClassId: querySet.lpServiceClassId,
    lpVersion: null,
    lpszComment: null,
    dwNameSpace: NS_NTDS,
    lpNSProviderId: null,
    lpszContext: querySet.lpszContext,
    dwNumberOfProtocols: 0,
    lpafpProtocols: null,
    lpszQueryString: null,
    dwNumberOfCsAddrs: 0,
    lpcsaBuffer: null,
    dwOutputFlags: 0,
    lpBlob: null,
  };
  const flags = LUP.LUP_RETURN_ALL;
  const lookup = new ServiceLookup(registry);
  const hLookup = { value: 0 };
  if (lookup.lookupServiceBegin({ querySet: restrictions, arch, charset }, flags, hLookup) !== 0)
    throw new Error(`the demo's lookup failed with ${registry.getLastError()}`);
  const next = charset === 'A' ? lookup.lookupServiceNextA.bind(lookup) : lookup.lookupServiceNextW.bind(lookup);
  try {
    const length = { value: 0 };
    if (next(hLookup.value, flags, length, null) === 0 || registry.getLastError() !== WSA_ERRORS.WSAEFAULT)
      throw new Error('a 0-byte buffer did not fail with WSAEFAULT');
    const required = length.value;
    const at = BUFFER_AT[arch];
    const bytes = new Uint8Array(required);
    const { querySet: result } = lookup.next(hLookup.value, flags, {
      charset,
      length: required,
      target: { bytes, address: at },
    });
    const end =
      next(hLookup.value, flags, { value: required }, { bytes, address: at }) === 0 ? 0 : registry.getLastError();
    return { restrictions, flags, arch, charset, required, at, bytes, result, end };
  } finally {
    lookup.lookupServiceEnd(hLookup.value);
  }
}
