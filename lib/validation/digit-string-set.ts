/**
 * A set of normalised phone numbers (1–15 digits, no leading 0), for de-duplicating recipient
 * lists of any size. Such a string is exactly represented by its numeric value (< 2^53), so the
 * set is one open-addressing table of doubles: less memory than a `Set<string>`, and one memory
 * access per number, which is what a million-entry table costs.
 */
export class DigitStringSet {
  private values: Float64Array; // 0 marks an empty slot: no key is 0
  private mask: number;
  private count = 0;

  constructor(expected = 8) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.values = new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds `digits` (ASCII digits only); false when it was already there. */
  add(digits: string): boolean {
    const value = valueOf(digits);
    const slot = slotIn(this.values, this.mask, value, hashOfValue(value));
    if (this.values[slot] !== 0) return false;
    this.values[slot] = value;
    this.count++;
    if (this.count * 2 > this.values.length) this.grow();
    return true;
  }

  /** Whether `digits` (ASCII digits only) is in the set. */
  has(digits: string): boolean {
    const value = valueOf(digits);
    return this.values[slotIn(this.values, this.mask, value, hashOfValue(value))] !== 0;
  }

  // Rare: the table is sized for the list up front.
  private grow(): void {
    const old = this.values;
    this.values = new Float64Array(old.length * 2);
    this.mask = this.values.length - 1;
    for (const value of old) if (value !== 0) this.values[slotIn(this.values, this.mask, value, hashOfValue(value))] = value;
  }
}

/**
 * Open addressing over a table of values (0 marks an empty slot: no key is 0): the slot that holds
 * `value`, or the empty one where it would go.
 */
function slotIn(table: Float64Array, mask: number, value: number, hash: number): number {
  for (let i = hash & mask; ; i = (i + 1) & mask) {
    const v = table[i];
    if (v === value || v === 0) return i;
  }
}

// murmur3's finaliser: a table indexes by the low bits, which the value's own bits fill poorly.
function mix(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/** A normalised number's value (exact: at most 15 digits). */
function valueOf(digits: string): number {
  let value = 0;
  for (let i = 0; i < digits.length; i++) value = value * 10 + (digits.charCodeAt(i) - 48);
  return value;
}

/** A hash of such a value (< 2^53), from its low and high 32 bits. */
function hashOfValue(value: number): number {
  return mix((value >>> 0) ^ Math.imul((value / 4294967296) >>> 0, 0x9e3779b1));
}

/** From this many numbers on, `withoutRepeats` splits the list by hash first (see there). */
export const PARTITION_FROM = 16_384;
// Numbers per part, about: a part's table (twice as many doubles) stays in the core's own cache.
const PART_SIZE = 2_048;

/**
 * `list` (normalised numbers) without repeats, first occurrence kept; `list` itself when it has none.
 * A list in ascending order (as many exports are) cannot repeat a number, and one pass over the
 * numbers' values tells. A short list goes through one hash table. A long one is split by hash into
 * parts of about 2,000 numbers first (a repeat always falls in its original's part), each part
 * checked in the list's order with a small table: one table for a million numbers is 16 MB, and
 * nearly every lookup in it missed the processor's caches (about three times the cost per number).
 */
export function withoutRepeats(list: string[], partitionFrom = PARTITION_FROM, known?: Float64Array): string[] {
  let previous = -1;
  let ascending = true;
  for (let i = 0; i < list.length && ascending; i++) {
    const value = (known !== undefined && known[i]) || Number(list[i]);
    ascending = value > previous;
    previous = value;
  }
  if (ascending) return list;
  const repeats = list.length >= partitionFrom ? repeatsByParts(list, known) : repeatsByTable(list);
  if (repeats === undefined) return list;
  const kept: string[] = [];
  for (let i = 0; i < list.length; i++) if (repeats[i] === 0) kept.push(list[i]);
  return kept;
}

/** Marks every repeat (1 at its index), or undefined when there is none: one table for the list. */
function repeatsByTable(list: string[]): Uint8Array | undefined {
  const seen = new DigitStringSet(list.length);
  let repeats: Uint8Array | undefined;
  for (let i = 0; i < list.length; i++) {
    if (seen.add(list[i])) continue;
    repeats ??= new Uint8Array(list.length);
    repeats[i] = 1;
  }
  return repeats;
}

/**
 * `repeatsByTable`'s answer, the list split by hash into parts that are checked one at a time. Each
 * pass is a function of its own: V8 compiles a long loop while it runs (on-stack replacement), and
 * one function of several loops kept falling back to the interpreter at the next loop, which boxed
 * every number (about 2.5 times slower for a million).
 */
function repeatsByParts(list: string[], known: Float64Array | undefined): Uint8Array | undefined {
  const n = list.length;
  let parts = 1;
  while (parts * PART_SIZE < n) parts *= 2;
  // A number's part is its hash's top bits (none when there is one part).
  const partShift = 32 - Math.log2(parts);
  const { values, hashes, order, grouped } = scratchFor(n, known);
  const starts = new Uint32Array(parts + 1);
  measure(list, known, values, hashes, starts, partShift);
  for (let p = 0; p < parts; p++) starts[p + 1] += starts[p];
  group(n, values, hashes, starts, partShift, order, grouped);
  return markRepeats(n, hashes, starts, order, grouped);
}

/** Working arrays for `repeatsByParts`, each at least `n` long; only the first `n` entries are used. */
interface Scratch {
  values: Float64Array;
  hashes: Int32Array;
  order: Uint32Array;
  grouped: Float64Array;
}

/**
 * Lists up to this long share one set of working arrays (24 bytes a number, 1.5 MB), kept for the
 * process's life: a request's list is at most 50,000 numbers, and arrays of that size made anew
 * for each send cost more than the check itself (the memory is mapped and zeroed on every call,
 * and the garbage collector runs for it). A longer list (a bulk send, checked once) gets its own.
 * The check is synchronous, so no two calls ever use the arrays at once.
 */
const SHARED_SCRATCH_UP_TO = 65_536;
let shared: Scratch | undefined;

/** `known` (from `valuesFor`) serves as the values array of a list too long to share one. */
function scratchFor(n: number, known?: Float64Array): Scratch {
  if (n > SHARED_SCRATCH_UP_TO) return newScratch(n, known);
  shared ??= newScratch(SHARED_SCRATCH_UP_TO);
  return shared;
}

function newScratch(n: number, values: Float64Array = new Float64Array(n)): Scratch {
  return { values, hashes: new Int32Array(n), order: new Uint32Array(n), grouped: new Float64Array(n) };
}

/**
 * @internal An array for the values of a list of `n` numbers as its check reads them (0 where it
 * did not), for `withoutRepeats`'s `known`: the repeat check's own values array (shared up to
 * 65,536 numbers), so the values cost no copy. Its entries from an earlier list are stale: the
 * check must write every entry below `n`. Only for lists of `PARTITION_FROM` numbers or more.
 */
export function valuesFor(n: number): Float64Array {
  return n > SHARED_SCRATCH_UP_TO ? new Float64Array(n) : scratchFor(n).values;
}

/** Each number's value and hash, and how many fall in each part (counted at `starts[part + 1]`). */
function measure(list: string[], known: Float64Array | undefined, values: Float64Array, hashes: Int32Array, starts: Uint32Array, partShift: number): void {
  for (let i = 0; i < list.length; i++) {
    const value = (known !== undefined && known[i]) || valueOf(list[i]);
    const hash = hashOfValue(value);
    values[i] = value;
    hashes[i] = hash;
    starts[partShift === 32 ? 1 : (hash >>> partShift) + 1]++;
  }
}

/** The numbers grouped by part, each part in the list's order (so a first occurrence comes first). */
function group(n: number, values: Float64Array, hashes: Int32Array, starts: Uint32Array, partShift: number, order: Uint32Array, grouped: Float64Array): void {
  const at = starts.slice(0, starts.length - 1);
  for (let i = 0; i < n; i++) {
    const j = at[partShift === 32 ? 0 : hashes[i] >>> partShift]++;
    order[j] = i;
    grouped[j] = values[i];
  }
}

/** Each part through one small table, in turn: 1 at the index of every repeat, or undefined if none. */
function markRepeats(n: number, hashes: Int32Array, starts: Uint32Array, order: Uint32Array, grouped: Float64Array): Uint8Array | undefined {
  const parts = starts.length - 1;
  let largest = 0;
  for (let p = 0; p < parts; p++) largest = Math.max(largest, starts[p + 1] - starts[p]);
  let capacity = 16;
  while (capacity < largest * 2) capacity *= 2;
  const table = new Float64Array(capacity); // 0 marks an empty slot: no value is 0
  let repeats: Uint8Array | undefined;
  for (let p = 0; p < parts; p++) {
    const from = starts[p];
    const to = starts[p + 1];
    let size = 16;
    while (size < (to - from) * 2) size *= 2;
    table.fill(0, 0, size);
    repeats = markPart(n, hashes, order, grouped, from, to, table, size - 1, repeats);
  }
  return repeats;
}

/** Adds one part's numbers to the (empty) table in order; marks each already there (the array made on the first). */
function markPart(n: number, hashes: Int32Array, order: Uint32Array, grouped: Float64Array, from: number, to: number, table: Float64Array, mask: number, repeats: Uint8Array | undefined): Uint8Array | undefined {
  for (let j = from; j < to; j++) {
    const value = grouped[j];
    const slot = slotIn(table, mask, value, hashes[order[j]]);
    if (table[slot] === 0) {
      table[slot] = value;
      continue;
    }
    repeats ??= new Uint8Array(n);
    repeats[order[j]] = 1;
  }
  return repeats;
}
