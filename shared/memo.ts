/** A small bounded memo for pure functions of bytes (parsing a certificate costs milliseconds). */
export function memoizeByBytes<T>(fn: (bytes: Uint8Array) => T, capacity = 32): (bytes: Uint8Array) => T {
  const cache = new Map<string, T>();
  return (bytes: Uint8Array) => {
    // latin1 view of the bytes: an exact, cheap key (no hashing)
    let key = '';
    for (let i = 0; i < bytes.length; i += 0x4000)
      key += String.fromCharCode(...bytes.subarray(i, i + 0x4000));
    const hit = cache.get(key);
    if (hit !== undefined) {
      cache.delete(key);
      cache.set(key, hit); // most recently used last
      return hit;
    }
    const value = fn(bytes);
    cache.set(key, value);
    if (cache.size > capacity) cache.delete(cache.keys().next().value!);
    return value;
  };
}
