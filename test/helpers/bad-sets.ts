/** The sets test/ffi/bad_sets.h builds (by kind), and the member each decode error must name. */
export const BAD_SETS = [
  { kind: 0, name: 'the set itself in a no-access page', path: 'WSAQUERYSETW' },
  { kind: 1, name: 'a sockaddr in a no-access page', path: 'lpcsaBuffer[1].RemoteAddr.lpSockaddr' },
  { kind: 2, name: 'a CSADDR_INFO array in an unmapped page', path: 'lpcsaBuffer' },
  { kind: 3, name: 'a name running into a no-access page', path: 'lpszServiceInstanceName' },
  { kind: 4, name: 'blob data in an unmapped page', path: 'lpBlob.pBlobData' },
  { kind: 5, name: 'a GUID straddling a no-access page', path: 'lpServiceClassId' },
] as const;
