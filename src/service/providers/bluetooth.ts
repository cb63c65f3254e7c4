import { AF_BTH, RNRSERVICE_DELETE, RNRSERVICE_DEREGISTER } from '../../abi/constants.js';
import { canonicalGuid } from '../../abi/guid.js';
import { layoutOf } from '../../abi/layout.js';
import type { Arch } from '../../abi/types.js';
import type { CsAddrInfoJson, QuerySetJson } from '../../codec/canonical.js';
import { bytesToHex, hexToBytes } from '../../codec/hex.js';
import { formatAddress, RnrError } from '../../errors.js';
import { substituteProtocol } from '../../match/index.js';
import { checkOwner } from '../access.js';
import { BTH_SDP_VERSION, readBthSetService } from '../bth-set-service.js';
import { invalid, notEnoughMemory, notFound } from '../errors.js';
import type {
  NamespaceProvider,
  NspCallContext,
  ProviderOutcome,
  SetServiceOperation,
  WritableAddressSpace,
} from '../provider.js';
import { sockaddrFamily } from '../validate.js';

/** An SDP record the provider advertises. */
export interface BluetoothRecord {
  /** The SDP ServiceRecordHandle. */
  readonly handle: number;
  readonly owner: string;
  /** From the query set (simple form), or null (BTH_SET_SERVICE form). */
  readonly serviceClassId: string | null;
  readonly instanceName: string | null;
  readonly comment: string | null;
  /** The RFCOMM/L2CAP protocol and port that index a simple-form record, or null. */
  readonly endpoint: { readonly protocol: number; readonly port: number } | null;
  /** The application's own SDP record (BTH_SET_SERVICE form), hex, or null. */
  readonly sdpRecord: string | null;
  readonly fCodService: number;
}

/** Bounds of the Bluetooth provider's local SDP record table. */
export interface BluetoothOptions {
  /** Most records at once; more is WSA_NOT_ENOUGH_MEMORY. Default 4096. */
  readonly maxRecords?: number;
}

/**
 * Local SDP ServiceRecordHandles: 0x00000000 is the SDP server's own record
 * and 0x00000001–0x0000FFFF are reserved by the Bluetooth Core spec (Vol 3
 * Part B 2.2), so records this provider creates start at 0x00010000.
 */
const FIRST_HANDLE = 0x10000;

/**
 * The Bluetooth namespace provider (NS_BTH), by Microsoft's "Bluetooth and
 * WSASetService" and "Bluetooth and WSAQUERYSET for Set Service":
 *
 * - RNRSERVICE_REGISTER starts advertising an SDP record; RNRSERVICE_DELETE
 *   stops it; RNRSERVICE_DEREGISTER "is not valid" (WSAEINVAL).
 * - dwControlFlags "is reserved, and must be zero" (WSAEINVAL otherwise).
 * - Simple form (no lpBlob): the record is built from the query set;
 *   lpServiceClassId is required, dwNumberOfCsAddrs must be 1 and its
 *   LocalAddr a SOCKADDR_BTH; the protocol and port must not already be
 *   registered, and they index the record for a later DELETE.
 * - BTH_SET_SERVICE form (lpBlob): every member but dwSize and dwNameSpace
 *   is ignored. REGISTER needs *pRecordHandle to be NULL and returns the new
 *   handle through pRecordHandle (and BTH_SDP_VERSION through pSdpVersion);
 *   DELETE finds the record by the handle *pRecordHandle holds. Those
 *   pointers are into the caller's memory: with a raw image the provider
 *   really reads and writes them; with canonical JSON and no memory the
 *   handle is only reported (recordHandleWrittenBack: false) and a DELETE
 *   cannot name a record.
 * - "SDP records advertised by WSASetService do not persist after the
 *   process that published them has quit": records live in this object and
 *   end with `shutdown` (the registry's last cleanup).
 */
export class BluetoothProvider implements NamespaceProvider {
  private readonly records = new Map<number, BluetoothRecord>();
  private nextHandle = FIRST_HANDLE;
  private readonly maxRecords: number;

  constructor(options: BluetoothOptions = {}) {
    this.maxRecords = options.maxRecords ?? 4096;
  }

  NSPSetService(
    _providerId: string,
    _serviceClassInfo: unknown,
    qs: QuerySetJson,
    operation: SetServiceOperation,
    controlFlags: number,
    context: NspCallContext,
  ): ProviderOutcome {
    if (controlFlags !== 0)
      throw invalid(`dwControlFlags is 0x${controlFlags.toString(16)}: it is reserved for Bluetooth and must be zero`);
    if (operation === RNRSERVICE_DEREGISTER)
      throw invalid('RNRSERVICE_DEREGISTER is not valid in the Bluetooth namespace (use RNRSERVICE_DELETE)');
    if (qs.lpBlob !== null) {
      return operation === RNRSERVICE_DELETE ? this.deleteByHandle(qs, context) : this.registerBlob(qs, context);
    }
    return operation === RNRSERVICE_DELETE ? this.deleteByEndpoint(qs, context) : this.registerSimple(qs, context);
  }

  shutdown(): void {
    this.records.clear();
  }

  /** The records being advertised, oldest first. */
  list(): BluetoothRecord[] {
    return [...this.records.values()];
  }

  private registerSimple(qs: QuerySetJson, context: NspCallContext): ProviderOutcome {
    const endpoint = this.endpointOf(qs);
    for (const r of this.records.values()) {
      if (r.endpoint && r.endpoint.protocol === endpoint.protocol && r.endpoint.port === endpoint.port) {
        throw invalid(
          `protocol ${endpoint.protocol} port ${endpoint.port} is already registered (record ${formatAddress(r.handle)}); it must be unique`,
          'lpcsaBuffer[0].LocalAddr',
        );
      }
    }
    const record = this.add({
      owner: context.principal,
      serviceClassId: qs.lpServiceClassId === null ? null : canonicalGuid(qs.lpServiceClassId),
      instanceName: qs.lpszServiceInstanceName,
      comment: qs.lpszComment,
      endpoint,
      sdpRecord: null,
      fCodService: 0,
    });
    return {
      object: 'created',
      state: 'REGISTERED',
      recordHandle: formatAddress(record.handle),
      recordHandleWrittenBack: false,
    };
  }

  private deleteByEndpoint(qs: QuerySetJson, context: NspCallContext): ProviderOutcome {
    const endpoint = this.endpointOf(qs);
    for (const r of this.records.values()) {
      if (r.endpoint && r.endpoint.protocol === endpoint.protocol && r.endpoint.port === endpoint.port) {
        checkOwner(r.owner, context, `SDP record ${formatAddress(r.handle)}`);
        this.records.delete(r.handle);
        return { object: 'deleted', recordHandle: formatAddress(r.handle) };
      }
    }
    throw notFound(`no SDP record is registered for protocol ${endpoint.protocol} port ${endpoint.port}`);
  }

  private registerBlob(qs: QuerySetJson, context: NspCallContext): ProviderOutcome {
    const set = readBthSetService(qs.lpBlob!, context.arch, false);
    if (set.reserved.some((r) => r !== 0)) throw invalid('Reserved must be zero', 'lpBlob.Reserved');
    if (set.pRecordHandle === 0)
      throw invalid(
        'pRecordHandle is NULL: the provider has nowhere to return the record handle',
        'lpBlob.pRecordHandle',
      );
    const memory = context.memory;
    if (memory) {
      const current = readHandle(memory, set.pRecordHandle, context.arch);
      if (current !== 0n)
        throw invalid(
          `*pRecordHandle is 0x${current.toString(16)}: it must be NULL for a new registration`,
          'lpBlob.pRecordHandle',
        );
    }
    const record = this.add({
      owner: context.principal,
      serviceClassId: null,
      instanceName: null,
      comment: null,
      endpoint: null,
      sdpRecord: bytesToHex(set.record, 0, set.record.length),
      fCodService: set.fCodService,
    });
    if (memory) {
      try {
        writeHandle(memory, set.pRecordHandle, context.arch, record.handle);
        if (set.pSdpVersion !== 0) writeUlong(memory, set.pSdpVersion, BTH_SDP_VERSION);
      } catch (e) {
        this.records.delete(record.handle);
        if (e instanceof RnrError)
          throw invalid(`cannot return the record handle: ${e.message}`, 'lpBlob.pRecordHandle');
        throw e;
      }
    }
    return {
      object: 'created',
      state: 'REGISTERED',
      recordHandle: formatAddress(record.handle),
      recordHandleWrittenBack: memory !== undefined,
    };
  }

  private deleteByHandle(qs: QuerySetJson, context: NspCallContext): ProviderOutcome {
    const set = readBthSetService(qs.lpBlob!, context.arch, true);
    if (set.pRecordHandle === 0)
      throw invalid('pRecordHandle is NULL: DELETE needs the handle REGISTER returned', 'lpBlob.pRecordHandle');
    const memory = context.memory;
    if (!memory)
      throw invalid(
        `pRecordHandle ${formatAddress(set.pRecordHandle)} points into the caller's memory, which this call did not give`,
        'lpBlob.pRecordHandle',
      );
    const handle = readHandle(memory, set.pRecordHandle, context.arch);
    if (handle === 0n)
      throw invalid('*pRecordHandle is NULL: DELETE needs the handle REGISTER returned', 'lpBlob.pRecordHandle');
    const record = handle <= BigInt(Number.MAX_SAFE_INTEGER) ? this.records.get(Number(handle)) : undefined;
    if (!record) throw notFound(`no SDP record has handle 0x${handle.toString(16)}`);
    checkOwner(record.owner, context, `SDP record ${formatAddress(record.handle)}`);
    this.records.delete(record.handle);
    return { object: 'deleted', recordHandle: formatAddress(record.handle) };
  }

  private add(fields: Omit<BluetoothRecord, 'handle'>): BluetoothRecord {
    if (this.records.size >= this.maxRecords)
      throw notEnoughMemory(`the SDP database holds its quota of ${this.maxRecords} records`);
    const record = { handle: this.nextHandle++, ...fields };
    this.records.set(record.handle, record);
    return record;
  }

  /** The (protocol, port) a simple-form query set names through its one SOCKADDR_BTH. */
  private endpointOf(qs: QuerySetJson): { protocol: number; port: number } {
    if (qs.dwNumberOfCsAddrs !== 1 || qs.lpcsaBuffer === null || qs.lpcsaBuffer.length !== 1) {
      throw invalid(
        `dwNumberOfCsAddrs is ${qs.dwNumberOfCsAddrs}: a Bluetooth registration has exactly one address`,
        'dwNumberOfCsAddrs',
      );
    }
    const entry: CsAddrInfoJson = qs.lpcsaBuffer[0]!;
    const local = entry.LocalAddr;
    const bth = layoutOf('SOCKADDR_BTH', 'x64');
    if (sockaddrFamily(local) !== AF_BTH || local.iSockaddrLength < bth.size || local.lpSockaddr === null) {
      throw invalid('LocalAddr must be a SOCKADDR_BTH (AF_BTH) the server listens on', 'lpcsaBuffer[0].LocalAddr');
    }
    const bytes = hexToBytes(local.lpSockaddr);
    const port = new DataView(bytes.buffer).getUint32(bth.field('port').offset, true);
    let protocol: number;
    try {
      protocol = substituteProtocol(AF_BTH, entry.iSocketType, entry.iProtocol);
    } catch (e) {
      if (e instanceof RnrError) throw invalid(e.detail, 'lpcsaBuffer[0].iProtocol');
      throw e;
    }
    return { protocol, port };
  }
}

function handleSize(arch: Arch): 4 | 8 {
  return arch === 'x86' ? 4 : 8;
}

function readHandle(memory: WritableAddressSpace, at: number, arch: Arch): bigint {
  try {
    const l = memory.locate(at, handleSize(arch));
    return arch === 'x86' ? BigInt(l.view.getUint32(l.offset, true)) : l.view.getBigUint64(l.offset, true);
  } catch (e) {
    if (e instanceof RnrError) throw invalid(e.message, 'lpBlob.pRecordHandle');
    throw e;
  }
}

function writeHandle(memory: WritableAddressSpace, at: number, arch: Arch, handle: number): void {
  const bytes = new Uint8Array(handleSize(arch));
  const view = new DataView(bytes.buffer);
  if (arch === 'x86') view.setUint32(0, handle, true);
  else view.setBigUint64(0, BigInt(handle), true);
  memory.write(at, bytes);
}

function writeUlong(memory: WritableAddressSpace, at: number, value: number): void {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  memory.write(at, bytes);
}
