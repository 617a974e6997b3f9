/**
 * WHATWG's latin1 (windows-1252) decoder maps each of the 256 bytes to its own code point, in
 * browsers and in Node: an exact key for a bytes value, built natively (no hashing, no spread).
 */
const latin1 = new TextDecoder('latin1');

/**
 * A small bounded memo for pure functions of bytes (parsing a certificate costs milliseconds).
 * The same bytes object asked again is answered without building a key at all: callers that keep
 * one decoded certificate (the host per listed entry) pay a WeakMap lookup. Bytes given to it are
 * never changed afterwards by their callers.
 */
export function memoizeByBytes<T>(fn: (bytes: Uint8Array) => T, capacity = 32): (bytes: Uint8Array) => T {
  const cache = new Map<string, T>();
  const byObject = new WeakMap<Uint8Array, T>();
  return (bytes: Uint8Array) => {
    const same = byObject.get(bytes);
    if (same !== undefined) return same;
    const key = latin1.decode(bytes);
    let value = cache.get(key);
    if (value !== undefined)
      cache.delete(key); // re-inserted below: most recently used last
    else value = fn(bytes);
    cache.set(key, value);
    if (cache.size > capacity) cache.delete(cache.keys().next().value!);
    byObject.set(bytes, value);
    return value;
  };
}
