import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { COMP_EQUAL, COMP_NOTLESS, LUP, NS_ALL } from '../../abi/constants.js';
import { canonicalGuid, isGuid } from '../../abi/guid.js';
import { layoutOf } from '../../abi/layout.js';
import type { AfProtocolJson, QuerySetJson } from '../../codec/canonical.js';
import { formatAddress } from '../../errors.js';
import { parseAddress } from '../../memory/address-space.js';
import { RegionList } from '../../memory/region-list.js';
import { callerMemory } from '../../service/caller-memory.js';
import { WinsockError } from '../../service/errors.js';
import { parseLookupFlags } from '../../service/lookup/flags.js';
import { BufferTooSmallError } from '../../service/lookup/result-buffer.js';
import { ServiceLookup } from '../../service/lookup/service-lookup.js';
import { PROVIDER_IDS, WinsockRegistry } from '../../service/registry.js';
import { openStore } from '../../service/store.js';
import { archOption, charsetOption, json } from '../options.js';
import type { CommandContext } from '../run.js';
import { CliUsageError } from '../usage-error.js';
import { BACKEND_OPTIONS, backendUrl, openDirectory } from './service-directory.js';

export const LOOKUP_USAGE =
  'service lookup --class GUID [--name NAME] [--context CTX] [--version N[+]] [--protocol FAMILY:PROTOCOL]… [--namespace N] [--provider GUID] ' +
  '[--flags LUP_RETURN_ALL|0x…] [--arch x86|x64] [--charset W|A] [--store PATH | --directory URL --bind USER …] [--buffer N --at ADDR --out FILE [--index K]]';

/**
 * rnrkit service lookup: WSALookupServiceBegin with restrictions built
 * from the options, WSALookupServiceNext until the end, WSALookupServiceEnd.
 *
 * Without --buffer: one JSON line per result, the canonical query set Next
 * returned (exit 0); a lookup that finds nothing prints the Winsock error
 * as JSON (`{"result":-1,"error":"WSASERVICE_NOT_FOUND",…}`, exit 1).
 *
 * With --buffer N --at ADDR --out FILE: result K (--index, default 0) is
 * written by Next into an N-byte buffer at ADDR, and those N bytes go to
 * FILE: `{"result":0,"at":"0x…","size":N,"used":BYTES}`. A buffer too small
 * writes no file and prints `{"result":-1,"error":"WSAEFAULT","code":10014,
 * "lpdwBufferLength":REQUIRED}` (exit 1), REQUIRED being the exact length
 * that succeeds.
 *
 * --flags go to Begin and to every Next (default LUP_RETURN_ALL); --version
 * N matches exactly (COMP_EQUAL), N+ matches N or later (COMP_NOTLESS). A
 * store that does not exist is an empty namespace: it is not created, and
 * an existing one is opened read-only. With --directory (and its options,
 * service-directory.ts) the Directory is Active Directory over LDAP.
 */
export async function lookupCommand(
  { stdout, stderr }: CommandContext,
  args: string[],
  storePath: (value: string | undefined) => string,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      class: { type: 'string' },
      name: { type: 'string' },
      context: { type: 'string' },
      version: { type: 'string' },
      protocol: { type: 'string', multiple: true },
      namespace: { type: 'string' },
      provider: { type: 'string' },
      flags: { type: 'string' },
      arch: { type: 'string' },
      charset: { type: 'string' },
      buffer: { type: 'string' },
      at: { type: 'string' },
      out: { type: 'string' },
      index: { type: 'string' },
      ...BACKEND_OPTIONS,
    },
  });
  if (positionals.length > 0) throw new CliUsageError(`service lookup takes options only: ${LOOKUP_USAGE}`);
  if (values.class === undefined) throw new CliUsageError(`--class GUID is required: ${LOOKUP_USAGE}`);
  const arch = archOption(values.arch, 'x64');
  const charset = charsetOption(values.charset);
  const flags =
    values.flags === undefined ? LUP.LUP_RETURN_ALL : usage(() => parseLookupFlags(values.flags!), '--flags');
  const buffered =
    values.buffer !== undefined || values.at !== undefined || values.out !== undefined || values.index !== undefined;
  let buffer: { length: number; at: number; out: string; index: number } | undefined;
  if (buffered) {
    if (values.buffer === undefined || values.at === undefined || values.out === undefined)
      throw new CliUsageError('--buffer N, --at ADDR and --out FILE go together');
    buffer = {
      length: usage(() => dword(values.buffer!), '--buffer'),
      at: usage(() => parseAddress(values.at!), '--at'),
      out: values.out,
      index: values.index === undefined ? 0 : usage(() => dword(values.index!), '--index'),
    };
  }
  const restrictions = buildRestrictions(values, arch, charset);
  const url = backendUrl(values, 'looked up');
  let registry: WinsockRegistry;
  let close: () => Promise<void>;
  if (url !== undefined) {
    const directory = await openDirectory(url, values, PROVIDER_IDS.directory, undefined, stderr);
    registry = new WinsockRegistry({ remoteDirectory: directory, principal: directory.principal, arch });
    close = () => directory.close();
  } else {
    const path = storePath(values.store);
    if (!existsSync(path)) {
      stdout(
        json({
          result: -1,
          error: 'WSASERVICE_NOT_FOUND',
          code: 10108,
          message: `${path} does not exist: the namespace holds no objects`,
        }),
      );
      return 1;
    }
    // Read-only: a lookup writes nothing, so a store this user may only read can be looked up.
    const store = openStore(path, { readOnly: true });
    registry = new WinsockRegistry({ store, arch });
    close = async () => store.close();
  }
  registry.startup();
  const lookup = new ServiceLookup(registry);
  try {
    const handle = lookup.begin({ querySet: restrictions, arch, charset }, flags);
    try {
      if (buffer) return await bufferedNext(stdout, lookup, handle, flags, charset, buffer);
      let printed = 0;
      for (;;) {
        let result: QuerySetJson;
        try {
          result = (await lookup.nextAsync(handle, flags, { charset })).querySet;
        } catch (e) {
          if (printed > 0 && WinsockError.is(e, 'WSA_E_NO_MORE')) return 0;
          throw e;
        }
        stdout(json(result));
        printed++;
      }
    } finally {
      await lookup.endAsync(handle);
    }
  } catch (e) {
    if (e instanceof WinsockError) {
      stdout(json({ result: -1, error: e.name, code: e.code, message: e.message }));
      return 1;
    }
    throw e;
  } finally {
    registry.cleanup();
    await close();
  }
}

async function bufferedNext(
  stdout: (text: string) => void,
  lookup: ServiceLookup,
  handle: number,
  flags: number,
  charset: 'W' | 'A',
  buffer: { length: number; at: number; out: string; index: number },
): Promise<number> {
  for (let i = 0; i < buffer.index; i++) await lookup.nextAsync(handle, flags, { charset });
  const bytes = new Uint8Array(buffer.length);
  const memory = callerMemory(
    new RegionList(
      buffer.length > 0 ? [{ base: buffer.at, bytes }] : [],
      `the ${buffer.length}-byte buffer at ${formatAddress(buffer.at)}`,
    ),
  );
  let used: number;
  try {
    used = (
      await lookup.nextAsync(handle, flags, { charset, length: buffer.length, target: { memory, at: buffer.at } })
    ).size;
  } catch (e) {
    if (e instanceof BufferTooSmallError) {
      stdout(json({ result: -1, error: e.name, code: e.code, lpdwBufferLength: e.required }));
      return 1;
    }
    throw e;
  }
  writeFileSync(buffer.out, bytes);
  stdout(json({ result: 0, at: formatAddress(buffer.at), size: buffer.length, used }));
  return 0;
}

type LookupValues = {
  class?: string;
  name?: string;
  context?: string;
  version?: string;
  protocol?: string[];
  namespace?: string;
  provider?: string;
};

function buildRestrictions(values: LookupValues, arch: 'x86' | 'x64', charset: 'W' | 'A'): QuerySetJson {
  if (!isGuid(values.class!)) throw new CliUsageError(`--class ${JSON.stringify(values.class)} is not a GUID`);
  if (values.provider !== undefined && !isGuid(values.provider))
    throw new CliUsageError(`--provider ${JSON.stringify(values.provider)} is not a GUID`);
  let version: QuerySetJson['lpVersion'] = null;
  if (values.version !== undefined) {
    const match = /^(\d+)(\+?)$/.exec(values.version);
    if (!match || Number(match[1]) > 0xffffffff)
      throw new CliUsageError(
        `--version ${JSON.stringify(values.version)} is not N (exactly) or N+ (N or later), N a DWORD`,
      );
    version = { dwVersion: Number(match[1]), ecHow: match[2] ? COMP_NOTLESS : COMP_EQUAL };
  }
  const protocols: AfProtocolJson[] = (values.protocol ?? []).map((p) => {
    const match = /^(-?\d+):(-?\d+)$/.exec(p);
    if (!match)
      throw new CliUsageError(`--protocol ${JSON.stringify(p)} is not FAMILY:PROTOCOL (e.g. 2:6 for IPv4 TCP)`);
    return { iAddressFamily: Number(match[1]), iProtocol: Number(match[2]) };
  });
  return {
    dwSize: layoutOf(charset === 'A' ? 'WSAQUERYSETA' : 'WSAQUERYSETW', arch).size,
    lpszServiceInstanceName: values.name ?? null,
    lpServiceClassId: canonicalGuid(values.class!),
    lpVersion: version,
    lpszComment: null,
    dwNameSpace: values.namespace === undefined ? NS_ALL : usage(() => dword(values.namespace!), '--namespace'),
    lpNSProviderId: values.provider === undefined ? null : canonicalGuid(values.provider),
    lpszContext: values.context ?? null,
    dwNumberOfProtocols: protocols.length,
    lpafpProtocols: protocols.length > 0 ? protocols : null,
    lpszQueryString: null,
    dwNumberOfCsAddrs: 0,
    lpcsaBuffer: null,
    dwOutputFlags: 0,
    lpBlob: null,
  };
}

function dword(text: string): number {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text.trim())) throw new RangeError(`${JSON.stringify(text)} is not a number`);
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value) || value > 0xffffffff) throw new RangeError(`${text} is not a DWORD`);
  return value;
}

function usage<T>(parse: () => T, option: string): T {
  try {
    return parse();
  } catch (e) {
    throw new CliUsageError(`${option}: ${(e as Error).message}`);
  }
}
