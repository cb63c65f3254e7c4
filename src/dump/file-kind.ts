import { MinidumpFormatError } from './errors.js';
import { KERNEL_DUMP_SIGNATURES } from './format.js';

/**
 * What a file that is not a minidump is, from its first bytes, for the
 * message that refuses it. Windows kernel and complete memory dumps start
 * with DUMP_HEADER32/64's 'PAGE' + 'DUMP' / 'DU64'; a few other formats
 * people mistake for minidumps are named too.
 */
export function describeFirstBytes(head: Uint8Array): string {
  const ascii = (n: number) => String.fromCharCode(...head.subarray(0, n));
  const hex = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const printable = [...head.subarray(0, 8)]
    .map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'))
    .join('');
  const known =
    ascii(4) === '\x7fELF'
      ? 'an ELF file (a Linux core dump or program?)'
      : ascii(2) === 'MZ'
        ? 'a Windows executable or DLL (MZ)'
        : ascii(4) === 'PK\x03\x04'
          ? 'a ZIP archive: unpack it first'
          : ascii(4) === 'HIBR' || ascii(4) === 'hibr'
            ? 'a Windows hibernation file'
            : ascii(4) === 'PMDM'
              ? "a minidump with its signature byte-swapped ('PMDM'): not a little-endian minidump"
              : undefined;
  return `it starts with ${hex || 'nothing (the file is empty)'}${hex ? ` ("${printable}")` : ''}${known ? `: ${known}` : ''}`;
}

/** A Windows kernel or complete memory dump, refused with one line saying what rnrkit reads instead. */
export function kernelDumpError(head: Uint8Array, file: string): MinidumpFormatError | undefined {
  const signature = String.fromCharCode(...head.subarray(0, 8));
  if (signature !== KERNEL_DUMP_SIGNATURES.PAGEDUMP && signature !== KERNEL_DUMP_SIGNATURES.PAGEDU64) return undefined;
  const bits = signature === KERNEL_DUMP_SIGNATURES.PAGEDU64 ? '64-bit' : '32-bit';
  return new MinidumpFormatError(
    `${file} is a Windows kernel or complete memory dump (${signature}, ${bits}), not a process minidump: rnrkit reads user-mode minidumps ('MDMP'); ` +
      'write one of the process that held the query set (MiniDumpWriteDump, procdump -ma, Task Manager "Create dump file", WinDbg .dump /ma)',
    'DUMP_HEADER.Signature',
    0,
  );
}
