const registries = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `listener` once when `signal` aborts; returns the function that stops listening. Every
 * send in flight listens on the module's one shutdown signal: a Node `EventTarget` walks its list
 * of listeners on each add and remove, so they share one listener on the signal and a `Set` here.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  let listeners = registries.get(signal);
  if (!listeners) {
    const set = new Set<() => void>();
    registries.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        for (const l of set) l();
        set.clear();
      },
      { once: true },
    );
    listeners = set;
  }
  if (signal.aborted) {
    listener();
    return () => {};
  }
  listeners.add(listener);
  const set = listeners;
  return () => void set.delete(listener);
}
