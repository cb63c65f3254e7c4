import { AF } from './constants.js';

/**
 * The structure a sockaddr of each address family is, by `sa_family`:
 * what the annotator and the inspector lay its bytes out as, and what the
 * registry and the scanner take its smallest believable length from. A
 * family not listed is shown and checked as a plain SOCKADDR.
 */
export const SOCKADDR_STRUCTS: ReadonlyMap<number, 'SOCKADDR_IN' | 'SOCKADDR_IN6' | 'SOCKADDR_BTH' | 'SOCKADDR_IPX'> =
  new Map([
    [AF.AF_INET, 'SOCKADDR_IN'],
    [AF.AF_INET6, 'SOCKADDR_IN6'],
    [AF.AF_BTH, 'SOCKADDR_BTH'],
    [AF.AF_IPX, 'SOCKADDR_IPX'],
  ]);

/** The structure to read a sockaddr of `family` as: its own, or SOCKADDR. */
export function sockaddrStructOf(family: number): string {
  return SOCKADDR_STRUCTS.get(family) ?? 'SOCKADDR';
}
