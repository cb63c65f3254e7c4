import type { CsAddrInfoJson } from '../../src/codec/canonical.js';
import { tcp } from './helpers.js';

/**
 * The twelve cells of the WSASetService operation × flags × exists table
 * (src/service/semantics.ts), as the table tests of every stateful provider
 * and every Directory backend run them.
 */

// Values from winsock2.h, written out so a wrong constant in src/ cannot hide here.
const REGISTER = 0;
const DEREGISTER = 1;
const DELETE = 2;
const MULTIPLE = 1;

const A = tcp(1);
const B = tcp(2);
const C = tcp(3);

export interface Cell {
  operation: number;
  flags: number;
  exists: boolean;
  request: CsAddrInfoJson[];
  /** The object afterwards (undefined: not in the namespace), or the error. */
  expect: { state: 'REGISTERED' | 'DEREGISTERED'; addresses: CsAddrInfoJson[] } | undefined | 'WSASERVICE_NOT_FOUND';
  unmatched?: CsAddrInfoJson[];
  doc: string;
}

// The existing object, when there is one, was registered with [A, B].
export const CELLS: readonly Cell[] = [
  {
    operation: REGISTER,
    flags: 0,
    exists: true,
    request: [B, C],
    expect: { state: 'REGISTERED', addresses: [B, C] },
    doc: 'overwrite the object, only the addresses specified',
  },
  {
    operation: REGISTER,
    flags: 0,
    exists: false,
    request: [B, C],
    expect: { state: 'REGISTERED', addresses: [B, C] },
    doc: 'create a new object, only the addresses specified',
  },
  {
    operation: REGISTER,
    flags: MULTIPLE,
    exists: true,
    request: [B, C],
    expect: { state: 'REGISTERED', addresses: [A, B, C] },
    doc: 'add new addresses to the existing set',
  },
  {
    operation: REGISTER,
    flags: MULTIPLE,
    exists: false,
    request: [B, C],
    expect: { state: 'REGISTERED', addresses: [B, C] },
    doc: 'create a new object with all addresses',
  },
  {
    operation: DEREGISTER,
    flags: 0,
    exists: true,
    request: [B],
    expect: { state: 'DEREGISTERED', addresses: [] },
    doc: 'remove all addresses, keep the object, DEREGISTERED',
  },
  {
    operation: DEREGISTER,
    flags: 0,
    exists: false,
    request: [B],
    expect: 'WSASERVICE_NOT_FOUND',
    doc: 'WSASERVICE_NOT_FOUND',
  },
  {
    operation: DEREGISTER,
    flags: MULTIPLE,
    exists: true,
    request: [B, C],
    expect: { state: 'REGISTERED', addresses: [A] },
    unmatched: [C],
    doc: 'remove only the addresses specified',
  },
  {
    operation: DEREGISTER,
    flags: MULTIPLE,
    exists: false,
    request: [B],
    expect: 'WSASERVICE_NOT_FOUND',
    doc: 'WSASERVICE_NOT_FOUND',
  },
  {
    operation: DELETE,
    flags: 0,
    exists: true,
    request: [B],
    expect: undefined,
    doc: 'remove the object from the namespace',
  },
  {
    operation: DELETE,
    flags: 0,
    exists: false,
    request: [B],
    expect: 'WSASERVICE_NOT_FOUND',
    doc: 'WSASERVICE_NOT_FOUND',
  },
  {
    operation: DELETE,
    flags: MULTIPLE,
    exists: true,
    request: [B, C],
    expect: { state: 'REGISTERED', addresses: [A] },
    unmatched: [C],
    doc: 'remove only the addresses specified',
  },
  {
    operation: DELETE,
    flags: MULTIPLE,
    exists: false,
    request: [B],
    expect: 'WSASERVICE_NOT_FOUND',
    doc: 'WSASERVICE_NOT_FOUND',
  },
];

const OP_NAMES = ['REGISTER', 'DEREGISTER', 'DELETE'];

/** A cell's test name: the operation, the flags, whether the object exists, and what the documentation says happens. */
export function cellLabel(c: Cell): string {
  return `${OP_NAMES[c.operation]} ${c.flags ? 'SERVICE_MULTIPLE' : 'none'} ${c.exists ? 'exists' : 'missing'}: ${c.doc}`;
}
