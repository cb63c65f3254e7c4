import { layoutOf } from '../abi/layout.js';
import type { Arch } from '../abi/types.js';
import { formatAddress, InvalidDataError } from '../errors.js';
import type { DecodeContext } from './decode-context.js';

/**
 * `$BTH_SET_SERVICE`: for an NS_BTH set, the BLOB that WSASetService takes
 * is a BTH_SET_SERVICE (ws2bth.h, #pragma pack(1)) whose SDP record follows
 * the header inline, and whose first two members point elsewhere in the
 * caller's memory (the SDP version it wants, where to return the record
 * handle). This follows them. It is an annotation: canonical JSON keeps the
 * blob as hex, and encode reproduces those bytes whatever this says.
 */
export interface BthSetServiceNote {
  $at: string;
  /** The ULONG pSdpVersion points to, or null for NULL. */
  pSdpVersion: number | null;
  $pSdpVersion?: string;
  /** The HANDLE pRecordHandle points to (an opaque value, as hex), or null for NULL. */
  pRecordHandle: string | null;
  $pRecordHandle?: string;
  fCodService: number;
  Reserved: number[];
  ulRecordLength: number;
  /** The SDP record: ulRecordLength bytes from pRecord on, hex. */
  pRecord: string;
}

/**
 * Decode the BTH_SET_SERVICE at `at`, a blob of `cbSize` bytes. Throws
 * RnrErrors whose path starts at the member (`pSdpVersion`), like every
 * decoder; the caller adds `lpBlob.$BTH_SET_SERVICE`.
 */
export function decodeBthSetService(c: DecodeContext, at: number, cbSize: number, arch: Arch): BthSetServiceNote {
  const layout = layoutOf('BTH_SET_SERVICE', arch);
  const recordOffset = layout.field('pRecord').offset;
  if (cbSize < recordOffset) {
    throw new InvalidDataError(
      `cbSize = ${cbSize} is shorter than a BTH_SET_SERVICE header (${recordOffset} bytes on ${arch})`,
      '',
      BigInt(at),
    );
  }
  const header = c.space.locate(at, recordOffset);
  const v = header.view;
  const o = header.offset;
  const pointer = (name: string): number => {
    const offset = o + layout.field(name).offset;
    try {
      return arch === 'x86' ? v.getUint32(offset, true) : c.p64(v, offset);
    } catch (e) {
      throw c.fail(e, name);
    }
  };
  const follow = <T>(name: string, p: number, read: (p: number) => T): T => {
    try {
      return read(p);
    } catch (e) {
      throw c.fail(e, name);
    }
  };

  const sdp = pointer('pSdpVersion');
  const handle = pointer('pRecordHandle');
  const reserved = layout.field('Reserved');
  const reservedCount = reserved.resolved.kind === 'array' ? reserved.resolved.length : 0;
  const ulRecordLength = v.getUint32(o + layout.field('ulRecordLength').offset, true);

  // Built member by member so the keys keep C order, each `$` address
  // right after its pointer.
  const note = { $at: formatAddress(at) } as BthSetServiceNote;
  note.pSdpVersion =
    sdp === 0
      ? null
      : follow('pSdpVersion', sdp, (p) => {
          c.take(4, p);
          const l = c.space.locate(p, 4);
          return l.view.getUint32(l.offset, true);
        });
  if (sdp !== 0) note.$pSdpVersion = formatAddress(sdp);
  note.pRecordHandle =
    handle === 0
      ? null
      : follow('pRecordHandle', handle, (p) => {
          const size = arch === 'x86' ? 4 : 8;
          c.take(size, p);
          const l = c.space.locate(p, size);
          // A HANDLE is opaque: kept exact as hex, even beyond 2^53.
          return formatAddress(arch === 'x86' ? l.view.getUint32(l.offset, true) : l.view.getBigUint64(l.offset, true));
        });
  if (handle !== 0) note.$pRecordHandle = formatAddress(handle);
  note.fCodService = v.getUint32(o + layout.field('fCodService').offset, true);
  note.Reserved = Array.from({ length: reservedCount }, (_, i) => v.getUint32(o + reserved.offset + i * 4, true));
  note.ulRecordLength = ulRecordLength;
  // The record is inline, so it must lie inside the blob cbSize describes.
  if (ulRecordLength > cbSize - recordOffset) {
    throw new InvalidDataError(
      `ulRecordLength = ${ulRecordLength} runs past the blob (cbSize = ${cbSize}, record at offset ${recordOffset})`,
      'ulRecordLength',
      BigInt(at),
    );
  }
  note.pRecord = c.hex(at + recordOffset, ulRecordLength, 'ulRecordLength', c.maxBlobSize, 'maxBlobSize');
  return note;
}
