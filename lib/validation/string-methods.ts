/**
 * Keeps `String.prototype` in V8's fast mode, where a string method call such as `s.charCodeAt(i)`
 * is one cached load. Defining a subclass of String turns `String.prototype` into a dictionary
 * (ioredis does it as it loads: `class VerbatimString extends String`), and V8 makes a prototype fast
 * again only from a property load whose receiver is an object (not a primitive string) with that
 * prototype in its chain, in code warm enough to have inline caches. Until then every string method
 * call in the checks and the body writer is a hash-table lookup: with ioredis loaded, checking the
 * numbers of a 1,000,000-number campaign took twice as long. A load through a String wrapper object,
 * made warm here and repeated at each validation, has V8 make it fast. Only speed depends on this.
 */
const WRAPPER: object = Object('');

function loadThroughWrapper(wrapper: object): unknown {
  return (wrapper as { charCodeAt?: unknown }).charCodeAt;
}

/** @internal Has V8 make `String.prototype` fast again if a String subclass made it slow. */
export function keepStringMethodsFast(): void {
  loadThroughWrapper(WRAPPER);
}

// Warm, so that its load has an inline cache, whose misses are what make a prototype fast.
for (let i = 0; i < 32; i++) keepStringMethodsFast();
