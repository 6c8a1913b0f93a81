import { clone } from "@bufbuild/protobuf";
import { KubeletKitError } from "@kubelet-kit/core";
import { type ContainerEventResponse, ContainerEventResponseSchema } from "@kubelet-kit/cri-api";

interface Subscriber {
  readonly queue: ContainerEventResponse[];
  wake: (() => void) | undefined;
  ended: boolean;
  error: unknown;
}

/**
 * Fans container lifecycle events out to every open stream. A stream receives the events published after
 * its iterator was created (`[Symbol.asyncIterator]()`, which `for await` calls at once), in order,
 * buffered without limit: a test reads them at its own pace.
 */
export class ContainerEvents {
  readonly #subscribers = new Set<Subscriber>();
  #closed = false;

  publish(event: ContainerEventResponse): void {
    for (const subscriber of this.#subscribers) {
      if (subscriber.ended) continue;
      subscriber.queue.push(event);
      subscriber.wake?.();
    }
  }

  /** Number of open streams. */
  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /**
   * A stream of events. It ends when `signal` aborts (throwing the abort reason as a KubeletKitError), when
   * {@link ContainerEvents.close} is called (ending normally), when {@link ContainerEvents.failAll} is
   * (throwing), or when the consumer stops iterating.
   */
  subscribe(signal?: AbortSignal): AsyncIterable<ContainerEventResponse> {
    return { [Symbol.asyncIterator]: () => this.#iterator(signal) };
  }

  #iterator(signal: AbortSignal | undefined): AsyncIterator<ContainerEventResponse> {
    const subscriber: Subscriber = { queue: [], wake: undefined, ended: this.#closed, error: undefined };
    const finish = (): void => {
      signal?.removeEventListener("abort", onAbort);
      this.#subscribers.delete(subscriber);
      subscriber.ended = true;
      subscriber.queue.length = 0;
      subscriber.wake?.();
    };
    const onAbort = (): void => {
      subscriber.error ??= KubeletKitError.from(signal?.reason, "Canceled");
      finish();
    };
    if (signal?.aborted) {
      subscriber.ended = true;
      subscriber.error = KubeletKitError.from(signal.reason, "Canceled");
    } else if (!subscriber.ended) {
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#subscribers.add(subscriber);
    }
    const done = (): IteratorResult<ContainerEventResponse> => ({ done: true, value: undefined });
    return {
      next: async () => {
        for (;;) {
          const event = subscriber.queue.shift();
          // A copy per stream: consumers may mutate what they receive.
          if (event !== undefined) return { done: false, value: clone(ContainerEventResponseSchema, event) };
          if (subscriber.ended) {
            finish();
            const error = subscriber.error;
            subscriber.error = undefined;
            if (error !== undefined) throw error;
            return done();
          }
          await new Promise<void>((resolve) => {
            subscriber.wake = resolve;
          });
          subscriber.wake = undefined;
        }
      },
      return: async () => {
        subscriber.error = undefined;
        finish();
        return done();
      },
    };
  }

  /** Ends every open stream with `error` after the events it already holds are dropped. */
  failAll(error: unknown): void {
    for (const subscriber of this.#subscribers) {
      subscriber.error = error;
      subscriber.ended = true;
      subscriber.queue.length = 0;
      subscriber.wake?.();
    }
    this.#subscribers.clear();
  }

  /** Ends every open stream normally (after the events it holds); later streams end at once. */
  close(): void {
    this.#closed = true;
    for (const subscriber of this.#subscribers) {
      subscriber.ended = true;
      subscriber.wake?.();
    }
    this.#subscribers.clear();
  }
}
