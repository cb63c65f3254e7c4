const NO_BYTES = new Uint8Array(0);
const NO_VIEW = new DataView(NO_BYTES.buffer);

/**
 * One CSADDR_INFO entry as the matcher sees it, wherever its bytes live: a
 * reusable, mutable record (one per loop, not one per entry) that a loader
 * fills in place. The sockaddr bytes are not copied: `localBytes[localOffset
 * … localOffset + localLength)` are the bytes in the address space, the
 * canonical JSON's scratch buffer, or a set's arena.
 *
 * After `normaliseEntry` (rule.ts) a length of 0 means "no address" (the
 * byte fields may then still point at an earlier entry's bytes; nothing
 * reads them),
 * iProtocol is never IPROTOCOL_ANY, and `…SkipStart/…SkipEnd` is the byte
 * range the semantic mode ignores (empty in exact mode).
 */
export class EntryCursor {
  iSocketType = 0;
  iProtocol = 0;

  localBytes: Uint8Array = NO_BYTES;
  localView: DataView = NO_VIEW;
  localOffset = 0;
  localLength = 0;
  localSkipStart = 0;
  localSkipEnd = 0;

  remoteBytes: Uint8Array = NO_BYTES;
  remoteView: DataView = NO_VIEW;
  remoteOffset = 0;
  remoteLength = 0;
  remoteSkipStart = 0;
  remoteSkipEnd = 0;

  setLocal(bytes: Uint8Array, view: DataView, offset: number, length: number): void {
    this.localBytes = bytes;
    this.localView = view;
    this.localOffset = offset;
    this.localLength = length;
  }

  setRemote(bytes: Uint8Array, view: DataView, offset: number, length: number): void {
    this.remoteBytes = bytes;
    this.remoteView = view;
    this.remoteOffset = offset;
    this.remoteLength = length;
  }
}
