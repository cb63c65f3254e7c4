import { layoutOf } from '../abi/layout.js';
import { readPointer } from '../abi/pointer.js';
import type { Arch } from '../abi/types.js';
import type { BlobJson } from '../codec/canonical.js';
import { hexToBytes } from '../codec/hex.js';
import { RnrError } from '../errors.js';
import { invalid } from './errors.js';

/** BTH_SDP_VERSION (ws2bth.h): what the provider writes through pSdpVersion. test/service/bluetooth.test.ts checks it against the header. */
export const BTH_SDP_VERSION = 1;

/** A BTH_SET_SERVICE read from the bytes of lpBlob. Pointers are the caller's addresses. */
export interface BthSetService {
  readonly pSdpVersion: number;
  readonly pRecordHandle: number;
  readonly fCodService: number;
  readonly reserved: readonly number[];
  readonly ulRecordLength: number;
  /** The SDP record (pRecord, ulRecordLength bytes); empty when only the pointers were needed. */
  readonly record: Uint8Array;
}

/**
 * Read the BTH_SET_SERVICE (ws2bth.h, #pragma pack(1)) in a query set's
 * blob. For RNRSERVICE_DELETE Microsoft documents that only pSdpVersion and
 * pRecordHandle are needed (`pointersOnly`); a REGISTER needs the whole
 * header and ulRecordLength record bytes within cbSize. Anything short or
 * inconsistent is WSAEINVAL naming the member.
 */
export function readBthSetService(blob: BlobJson, arch: Arch, pointersOnly: boolean): BthSetService {
  const layout = layoutOf('BTH_SET_SERVICE', arch);
  const recordAt = layout.field('pRecord').offset;
  const pointersEnd = layout.field('fCodService').offset;
  if (blob.pBlobData === null)
    throw invalid('lpBlob.pBlobData is NULL: a BTH_SET_SERVICE is required', 'lpBlob.pBlobData');
  const bytes = hexToBytes(blob.pBlobData);
  const needed = pointersOnly ? pointersEnd : recordAt;
  if (blob.cbSize !== bytes.length)
    throw invalid(`cbSize is ${blob.cbSize} but pBlobData holds ${bytes.length} bytes`, 'lpBlob.cbSize');
  if (bytes.length < needed) {
    throw invalid(
      `cbSize ${bytes.length} is shorter than the ${needed} bytes of BTH_SET_SERVICE ${pointersOnly ? 'pointers' : 'header'} on ${arch}`,
      'lpBlob.cbSize',
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pointer = (name: string): number => {
    try {
      return readPointer(view, layout.field(name).offset, arch);
    } catch (e) {
      if (e instanceof RnrError) throw invalid(e.detail, `lpBlob.${name}`);
      throw e;
    }
  };
  const pSdpVersion = pointer('pSdpVersion');
  const pRecordHandle = pointer('pRecordHandle');
  if (pointersOnly && bytes.length < recordAt) {
    return { pSdpVersion, pRecordHandle, fCodService: 0, reserved: [], ulRecordLength: 0, record: new Uint8Array(0) };
  }
  const reservedField = layout.field('Reserved');
  const reserved: number[] = [];
  for (let at = reservedField.offset; at < reservedField.offset + reservedField.size; at += 4)
    reserved.push(view.getUint32(at, true));
  const ulRecordLength = view.getUint32(layout.field('ulRecordLength').offset, true);
  if (!pointersOnly && ulRecordLength > bytes.length - recordAt) {
    throw invalid(
      `ulRecordLength ${ulRecordLength} runs past the ${bytes.length - recordAt} record bytes cbSize leaves`,
      'lpBlob.ulRecordLength',
    );
  }
  return {
    pSdpVersion,
    pRecordHandle,
    fCodService: view.getUint32(layout.field('fCodService').offset, true),
    reserved,
    ulRecordLength,
    record: pointersOnly ? new Uint8Array(0) : bytes.slice(recordAt, recordAt + ulRecordLength),
  };
}
