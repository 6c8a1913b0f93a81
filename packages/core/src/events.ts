import { EventEmitter } from "eventemitter3";
import type { Logger } from "./logger.js";
import { createNoopLogger } from "./logger.js";

/**
 * The constraint on event maps: an interface whose keys are event names and whose values are listener
 * signatures, e.g. `interface PodEvents { podAdded: (uid: string) => void }`.
 *
 * Listener parameters are typed `never[]` here, not `any[]`: every function type is assignable to
 * `(...args: never[]) => void`, so any signature fits, and no `any` leaks into public types.
 */
export type EventMap<E> = { [K in keyof E]: (...args: never[]) => void };

/** Removes the listener it was returned for. Calling it more than once is harmless. */
export type Unsubscribe = () => void;

/** The listening half of an event source. Subsystems expose this; only their owner can emit. */
export interface Subscribable<E extends EventMap<E>> {
  /** Calls `listener` on every `event` until the returned function is called. */
  on<K extends keyof E>(event: K, listener: E[K]): Unsubscribe;
  /** Calls `listener` on the next `event` only. The returned function cancels it if it has not fired. */
  once<K extends keyof E>(event: K, listener: E[K]): Unsubscribe;
}

/** A typed event emitter: {@link Subscribable} plus the emitting half. */
export interface EventHub<E extends EventMap<E>> extends Subscribable<E> {
  /**
   * Calls the listeners of `event` synchronously, in subscription order. A listener that throws (or an
   * async listener whose promise rejects) is reported through `onListenerError`; the other listeners still
   * run and `emit` does not throw. Listeners removed during an emit still receive that emit.
   */
  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void;
  /** Number of listeners currently subscribed to `event`. */
  listenerCount(event: keyof E): number;
  /** Removes every listener of `event`, or of all events when omitted (for `stop()` methods). */
  removeAllListeners(event?: keyof E): void;
}

/** Options of {@link createEventHub}. */
export interface EventHubOptions<E> {
  /**
   * Called with whatever a listener threw (or its promise rejected with). Errors thrown by this function are
   * ignored. Default: log it with `logger.error({ err, event }, …)`.
   */
  onListenerError?: (error: unknown, event: keyof E) => void;
  /** Where listener errors go when `onListenerError` is not given. Default: a no-op logger. */
  logger?: Logger;
}

function resolveEventHubOptions<E>(
  options: EventHubOptions<E>,
): Required<Pick<EventHubOptions<E>, "onListenerError">> {
  if (options.onListenerError !== undefined) return { onListenerError: options.onListenerError };
  const logger = options.logger ?? createNoopLogger();
  return {
    onListenerError: (err, event) => logger.error({ err, event: String(event) }, "event listener failed"),
  };
}

type AnyListener = (...args: unknown[]) => unknown;

/**
 * Creates an {@link EventHub} over eventemitter3. Keep the hub private and expose it as `Subscribable`:
 *
 * @example
 * ```ts
 * interface ProberEvents { result: (event: ProbeResultEvent) => void }
 * const hub = createEventHub<ProberEvents>({ logger });
 * const off = hub.on("result", (e) => console.log(e.result));
 * hub.emit("result", event);
 * off();
 * ```
 */
export function createEventHub<E extends EventMap<E>>(options: EventHubOptions<E> = {}): EventHub<E> {
  const { onListenerError } = resolveEventHubOptions(options);
  const emitter = new EventEmitter();

  const report = (error: unknown, event: keyof E): void => {
    try {
      onListenerError(error, event);
    } catch {
      // The error reporter failed too; nothing sensible is left to do with it.
    }
  };

  const isolate =
    (event: keyof E, listener: E[keyof E]) =>
    (...args: unknown[]): void => {
      try {
        const result = (listener as unknown as AnyListener)(...args);
        if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
          (result as PromiseLike<unknown>).then(undefined, (error: unknown) => report(error, event));
        }
      } catch (error) {
        report(error, event);
      }
    };

  const subscribe = (event: keyof E, listener: E[keyof E], once: boolean): Unsubscribe => {
    const name = event as string | symbol;
    const wrapped = isolate(event, listener);
    if (once) emitter.once(name, wrapped);
    else emitter.on(name, wrapped);
    return () => {
      emitter.off(name, wrapped);
    };
  };

  return {
    on: (event, listener) => subscribe(event, listener, false),
    once: (event, listener) => subscribe(event, listener, true),
    emit(event, ...args) {
      emitter.emit(event as string | symbol, ...args);
    },
    listenerCount: (event) => emitter.listenerCount(event as string | symbol),
    removeAllListeners(event) {
      if (event === undefined) emitter.removeAllListeners();
      else emitter.removeAllListeners(event as string | symbol);
    },
  };
}
