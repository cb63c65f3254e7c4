import { layoutOf } from '../../../src/abi/layout.js';

/**
 * An x64 WSAQUERYSETW at `base` (offset 0) whose lpcsaBuffer holds `count`
 * entries, each with a LocalAddr and a RemoteAddr of `sockaddrLength`
 * bytes: all pointing at one shared sockaddr, or each at its own. The shape
 * that tests whether a decode's memory stays within its limits.
 */
export function manyEntriesImage(count: number, sockaddrLength: number, shared: boolean, base: number): Uint8Array {
  const arch = 'x64';
  const set = layoutOf('WSAQUERYSETW', arch);
  const entry = layoutOf('CSADDR_INFO', arch);
  const address = layoutOf('SOCKET_ADDRESS', arch);
  const arrayAt = Math.ceil(set.size / 16) * 16;
  const sockaddrsAt = arrayAt + count * entry.size;
  const sockaddrBytes = shared ? sockaddrLength : 2 * count * sockaddrLength;
  const bytes = new Uint8Array(sockaddrsAt + sockaddrBytes);
  const view = new DataView(bytes.buffer);
  const pointer = (at: number, value: number) => view.setBigUint64(at, BigInt(value), true);
  view.setUint32(set.field('dwSize').offset, set.size, true);
  view.setUint32(set.field('dwNumberOfCsAddrs').offset, count, true);
  pointer(set.field('lpcsaBuffer').offset, base + arrayAt);
  for (let i = 0; i < sockaddrBytes; i++) bytes[sockaddrsAt + i] = (i * 7 + 2) & 0xff;
  const halves = [entry.field('LocalAddr').offset, entry.field('RemoteAddr').offset];
  for (let i = 0; i < count; i++) {
    halves.forEach((half, k) => {
      const at = arrayAt + i * entry.size + half;
      pointer(
        at + address.field('lpSockaddr').offset,
        base + sockaddrsAt + (shared ? 0 : (2 * i + k) * sockaddrLength),
      );
      view.setInt32(at + address.field('iSockaddrLength').offset, sockaddrLength, true);
    });
  }
  return bytes;
}
