// Loading state: whether the wasm module is attached, and `ready`.

import { KeyrouteError } from "./error-base.js";
import * as wasm from "./wasm.js";
import type { Backend } from "./wasm.js";

/** Whether the wasm module is attached: every entry point checks it first. */
export let initialised = false;
let initError: unknown = undefined;
let settle: (error?: unknown) => void = () => {};

/**
 * Resolves once the wasm module is ready. Everywhere that can compile it
 * synchronously (Node, Deno, Bun, current browsers, Workers) it is resolved at
 * import time and every function can be called right away. Only an engine
 * that refuses synchronous compilation (old Chromium WebViews) makes it wait;
 * calls made before then throw a `KeyrouteError` with code
 * `ERR_KEYROUTE_NOT_READY`.
 */
export const ready: Promise<void> = new Promise<void>((resolve, reject) => {
  settle = (error) => (error === undefined ? resolve() : reject(error));
});
// A failed asynchronous load is also reported by every call; do not let an
// unawaited `ready` crash the process on top of that.
ready.catch(() => {});

/**
 * Called once by the entry module with a synchronous loader and, where an
 * engine may refuse synchronous compilation, an asynchronous fallback.
 * @internal
 */
export function init(
  load: () => Backend,
  fallback?: (error: unknown) => Promise<Backend> | undefined,
): void {
  let backend: Backend;
  try {
    backend = load();
  } catch (error) {
    const later = fallback?.(error);
    if (later === undefined) {
      throw new KeyrouteError("keyroute: cannot instantiate its wasm module", "ERR_KEYROUTE_INIT", {
        cause: error,
      });
    }
    later.then(
      (b) => {
        wasm.attach(b);
        initialised = true;
        settle();
      },
      (cause: unknown) => {
        initError = cause;
        settle(notReady());
      },
    );
    return;
  }
  wasm.attach(backend);
  initialised = true;
  settle();
}

/** The error for a call made before the module is ready. */
export function notReady(): KeyrouteError {
  return initError === undefined
    ? new KeyrouteError(
        "keyroute: the wasm module is still loading; await `ready` first",
        "ERR_KEYROUTE_NOT_READY",
      )
    : new KeyrouteError("keyroute: the wasm module failed to load", "ERR_KEYROUTE_INIT", {
        cause: initError,
      });
}

/** Throws unless the wasm module is ready. */
export function checkReady(): void {
  if (!initialised) throw notReady();
}

declare global {
  interface SymbolConstructor {
    /**
     * The `using` protocol's symbol, declared here too so that the classes'
     * `[Symbol.dispose]` type-checks with `lib` settings older than
     * ES2024/ESNext (the declaration merges with TypeScript 5.2+'s own).
     */
    readonly dispose: unique symbol;
  }
}

/**
 * Makes `using x = ...` (TypeScript 5.2+, engines with `Symbol.dispose`)
 * release a class's wasm memory: `[Symbol.dispose]` is `free`. Defined at run
 * time only where the engine has the symbol; each class declares it.
 */
export function disposable(cls: { prototype: { free(): void } }): void {
  const dispose = (Symbol as { dispose?: symbol }).dispose;
  if (typeof dispose === "symbol") {
    Object.defineProperty(cls.prototype, dispose, { value: cls.prototype.free, configurable: true, writable: true });
  }
}
