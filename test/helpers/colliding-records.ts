/**
 * Address records that all share one value of the address set's old,
 * unkeyed hash, whatever its seed: the hostile input the keyed-hash switch
 * exists for (src/match/address-set.ts). The hash-flooding test proves the
 * collisions; the match benchmark times a set built from them.
 *
 * The old hash was MurmurHash3's x86_32 block mix over a record's words
 * (src/match/record.ts's layout). Its state is unchanged after two
 * consecutive words change so that their scrambled forms differ in bit 18
 * and in bit 31: bit 18 becomes bit 31 after the rotate by 13, the multiply
 * by 5 and the add keep it there, and the next word's bit 31 cancels it.
 * Sixteen such pairs in a 128-byte LocalAddr and a 16-byte RemoteAddr give
 * 2^16 distinct entries with one hash.
 */

/** MurmurHash3's block-mix constants. */
export const C1 = 0xcc9e2d51;
export const C2 = 0x1b873593;
/** Independent word pairs: 2^COLLIDING_PAIRS colliding records. */
export const COLLIDING_PAIRS = 16;
/** A 128-byte LocalAddr (AF_INET6 family word, then room for 15 pairs). */
export const LOCAL_WORDS = 32;
/** A 16-byte RemoteAddr (AF_INET family word, then one pair). */
export const REMOTE_WORDS = 4;
/** The first word of each pair in a record (4 header words, LocalAddr, RemoteAddr); word 0 of each sockaddr keeps its family. */
const PAIR_AT = [...Array.from({ length: 15 }, (_, j) => 4 + 1 + 2 * j), 4 + LOCAL_WORDS + 1];

/** The multiplicative inverse of an odd 32-bit number (Newton's iteration). */
function inverse(c: number): number {
  let x = c;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(c, x));
  return x;
}
const scramble = (k: number) => Math.imul((Math.imul(k, C1) << 15) | (Math.imul(k, C1) >>> 17), C2);
const unscramble = (y: number) => {
  const r = Math.imul(y, inverse(C2));
  return Math.imul((r >>> 15) | (r << 17), inverse(C1));
};

/** A TCP record of random words: header (1, 6, 128, 16), an AF_INET6 LocalAddr with a port, an AF_INET RemoteAddr. */
export function randomRecord(random: () => number): Int32Array {
  const record = new Int32Array(4 + LOCAL_WORDS + REMOTE_WORDS);
  record.set([1, 6, LOCAL_WORDS * 4, REMOTE_WORDS * 4]);
  for (let i = 4; i < record.length; i++) record[i] = random() | 0;
  record[4] = 23 | (0x1f90 << 16); // AF_INET6, a port
  record[4 + LOCAL_WORDS] = 2 | (0x50 << 16); // AF_INET
  return record;
}

/**
 * The 2^16 colliding records grown from one random record: record `mask`
 * has pair j as drawn or flipped as bit j of `mask` says.
 */
export function collidingRecords(random: () => number): Int32Array[] {
  const base = randomRecord(random);
  const flipped = base.slice();
  for (const at of PAIR_AT) {
    flipped[at] = unscramble(scramble(base[at]!) ^ (1 << 18));
    flipped[at + 1] = unscramble(scramble(base[at + 1]!) ^ (1 << 31));
  }
  const records: Int32Array[] = [];
  for (let mask = 0; mask < 1 << COLLIDING_PAIRS; mask++) {
    const record = base.slice();
    for (let j = 0; j < COLLIDING_PAIRS; j++) {
      if (mask & (1 << j)) {
        const at = PAIR_AT[j]!;
        record[at] = flipped[at]!;
        record[at + 1] = flipped[at + 1]!;
      }
    }
    records.push(record);
  }
  return records;
}
