import type { CsAddrInfoJson } from '../../../src/codec/canonical.js';
import { prng } from '../../helpers/prng.js';
import { tcp } from '../helpers.js';

/** One WSASetService call of a scripted run. */
export interface ScriptedOp {
  readonly instance: string;
  readonly operation: 0 | 1 | 2;
  readonly flags: 0 | 1;
  readonly addresses: CsAddrInfoJson[];
}

/**
 * `count` operations over 4 services and 8 addresses, weighted towards the
 * SERVICE_MULTIPLE forms so objects grow and shrink address by address.
 */
export function script(seed: number, count: number): ScriptedOp[] {
  const random = prng(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const ops: ScriptedOp[] = [];
  for (let i = 0; i < count; i++) {
    const roll = pick(10);
    const [operation, flags] = (
      [
        [0, 1],
        [0, 1],
        [0, 1],
        [0, 0],
        [1, 1],
        [1, 1],
        [1, 0],
        [2, 1],
        [2, 1],
        [2, 0],
      ] as const
    )[roll]!;
    const addresses: CsAddrInfoJson[] = [];
    for (let k = pick(3) + 1; k > 0; k--) addresses.push(tcp(pick(8) + 1));
    ops.push({ instance: `svc${pick(4)}`, operation, flags, addresses });
  }
  return ops;
}
