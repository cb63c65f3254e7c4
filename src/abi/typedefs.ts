import type { TypedefSpec } from './types.js';

/**
 * Scalar and pointer typedefs used by the RnR structures, spelled as in the
 * Windows headers. Windows is LLP64: `long`/`ULONG` stay 4 bytes on x64.
 */
export const TYPEDEFS: Readonly<Record<string, TypedefSpec>> = {
  CHAR: { kind: 'int', size: 1, signed: true },
  char: { kind: 'alias', of: 'CHAR' },
  UCHAR: { kind: 'int', size: 1, signed: false },
  u_char: { kind: 'alias', of: 'UCHAR' },
  BYTE: { kind: 'alias', of: 'UCHAR' },
  WCHAR: { kind: 'int', size: 2, signed: false },
  short: { kind: 'int', size: 2, signed: true },
  USHORT: { kind: 'int', size: 2, signed: false },
  u_short: { kind: 'alias', of: 'USHORT' },
  'unsigned short': { kind: 'alias', of: 'USHORT' },
  ADDRESS_FAMILY: { kind: 'alias', of: 'USHORT' },
  INT: { kind: 'int', size: 4, signed: true },
  LONG: { kind: 'int', size: 4, signed: true },
  ULONG: { kind: 'int', size: 4, signed: false },
  u_long: { kind: 'alias', of: 'ULONG' },
  DWORD: { kind: 'alias', of: 'ULONG' },
  /** enum WSAECOMPARATOR: an enum is a 4-byte int in both ABIs. */
  WSAECOMPARATOR: { kind: 'int', size: 4, signed: true },
  __int64: { kind: 'int', size: 8, signed: true },
  ULONGLONG: { kind: 'int', size: 8, signed: false },
  BTH_ADDR: { kind: 'alias', of: 'ULONGLONG' },

  LPWSTR: { kind: 'pointer', to: 'WCHAR', string: 'utf16' },
  LPSTR: { kind: 'pointer', to: 'CHAR', string: 'ansi' },
  LPVOID: { kind: 'pointer', to: 'void' },
  HANDLE: { kind: 'pointer', to: 'void' },
  'HANDLE*': { kind: 'pointer', to: 'HANDLE' },
  PULONG: { kind: 'pointer', to: 'ULONG' },
  LPBYTE: { kind: 'pointer', to: 'BYTE' },
  LPGUID: { kind: 'pointer', to: 'GUID' },
  LPWSAVERSION: { kind: 'pointer', to: 'WSAVERSION' },
  LPAFPROTOCOLS: { kind: 'pointer', to: 'AFPROTOCOLS' },
  LPCSADDR_INFO: { kind: 'pointer', to: 'CSADDR_INFO' },
  LPBLOB: { kind: 'pointer', to: 'BLOB' },
  LPSOCKADDR: { kind: 'pointer', to: 'SOCKADDR' },
  LPWSANSCLASSINFOW: { kind: 'pointer', to: 'WSANSCLASSINFOW' },
  LPWSANSCLASSINFOA: { kind: 'pointer', to: 'WSANSCLASSINFOA' },
};
