import { describe, expect, expectTypeOf, it, vi } from "vitest";
import { createEventHub, type Subscribable } from "./events.js";
import { createMemoryLogger } from "./logger.js";

interface PodEvents {
  podAdded: (uid: string) => void;
  podMoved: (uid: string, from: string, to: string) => void;
  tick: () => void;
}

describe("event hub", () => {
  it("delivers typed arguments to every listener of the event, in subscription order", () => {
    const hub = createEventHub<PodEvents>();
    const calls: string[] = [];
    hub.on("podMoved", (uid, from, to) => calls.push(`1:${uid}:${from}->${to}`));
    hub.on("podMoved", (uid) => calls.push(`2:${uid}`));
    hub.on("podAdded", (uid) => calls.push(`added:${uid}`));
    hub.emit("podMoved", "u1", "a", "b");
    expect(calls).toEqual(["1:u1:a->b", "2:u1"]);
  });

  it("type-checks event names and argument lists", () => {
    const hub = createEventHub<PodEvents>();
    expectTypeOf(hub.emit<"podMoved">).parameters.toEqualTypeOf<["podMoved", string, string, string]>();
    // @ts-expect-error: unknown event name
    hub.on("podRemoved", () => {});
    // @ts-expect-error: wrong argument type
    hub.emit("podAdded", 42);
    // @ts-expect-error: missing argument
    hub.emit("podMoved", "u1");
    expect(hub.listenerCount("podAdded")).toBe(0);
  });

  it("stops calling a listener once its unsubscribe function runs, and tolerates a second call", () => {
    const hub = createEventHub<PodEvents>();
    const listener = vi.fn();
    const off = hub.on("podAdded", listener);
    hub.emit("podAdded", "u1");
    off();
    off();
    hub.emit("podAdded", "u2");
    expect(listener.mock.calls).toEqual([["u1"]]);
    expect(hub.listenerCount("podAdded")).toBe(0);
  });

  it("unsubscribes only the registration it was returned for", () => {
    const hub = createEventHub<PodEvents>();
    const listener = vi.fn();
    const offFirst = hub.on("tick", listener);
    hub.on("tick", listener);
    offFirst();
    hub.emit("tick");
    expect(listener).toHaveBeenCalledOnce();
  });

  it("calls a once listener on the next emit only, and lets it be cancelled before", () => {
    const hub = createEventHub<PodEvents>();
    const once = vi.fn();
    const cancelled = vi.fn();
    hub.once("podAdded", once);
    const cancel = hub.once("podAdded", cancelled);
    expect(hub.listenerCount("podAdded")).toBe(2);
    cancel();
    hub.emit("podAdded", "u1");
    hub.emit("podAdded", "u2");
    expect(once.mock.calls).toEqual([["u1"]]);
    expect(cancelled).not.toHaveBeenCalled();
    expect(hub.listenerCount("podAdded")).toBe(0);
  });

  it("isolates a throwing listener: the others still run, emit does not throw, the error is reported", () => {
    const onListenerError = vi.fn();
    const hub = createEventHub<PodEvents>({ onListenerError });
    const after = vi.fn();
    const boom = new Error("listener bug");
    hub.on("podAdded", () => {
      throw boom;
    });
    hub.on("podAdded", after);
    expect(() => hub.emit("podAdded", "u1")).not.toThrow();
    expect(after).toHaveBeenCalledWith("u1");
    expect(onListenerError).toHaveBeenCalledWith(boom, "podAdded");
    hub.emit("podAdded", "u2");
    expect(after).toHaveBeenCalledTimes(2);
  });

  it("reports a rejected async listener instead of leaving an unhandled rejection", async () => {
    const onListenerError = vi.fn();
    const hub = createEventHub<PodEvents>({ onListenerError });
    const failure = new Error("async bug");
    hub.on("tick", async () => {
      throw failure;
    });
    hub.emit("tick");
    await vi.waitFor(() => expect(onListenerError).toHaveBeenCalledWith(failure, "tick"));
  });

  it("logs listener errors through the logger when no handler is given, and survives a throwing handler", () => {
    const logger = createMemoryLogger();
    const logged = createEventHub<PodEvents>({ logger });
    const boom = new Error("x");
    logged.on("tick", () => {
      throw boom;
    });
    logged.emit("tick");
    expect(logger.entries).toEqual([
      { level: "error", fields: { err: boom, event: "tick" }, msg: "event listener failed" },
    ]);

    const fragile = createEventHub<PodEvents>({
      onListenerError: () => {
        throw new Error("handler bug");
      },
    });
    fragile.on("tick", () => {
      throw boom;
    });
    expect(() => fragile.emit("tick")).not.toThrow();
  });

  it("removeAllListeners clears one event or all of them", () => {
    const hub = createEventHub<PodEvents>();
    hub.on("tick", () => {});
    hub.on("podAdded", () => {});
    hub.removeAllListeners("tick");
    expect(hub.listenerCount("tick")).toBe(0);
    expect(hub.listenerCount("podAdded")).toBe(1);
    hub.removeAllListeners();
    expect(hub.listenerCount("podAdded")).toBe(0);
  });

  it("can be handed out as a Subscribable that cannot emit", () => {
    const hub = createEventHub<PodEvents>();
    const exposed: Subscribable<PodEvents> = hub;
    const listener = vi.fn();
    exposed.on("podAdded", listener);
    hub.emit("podAdded", "u1");
    expect(listener).toHaveBeenCalledWith("u1");
    expectTypeOf(exposed).not.toHaveProperty("emit");
  });

  it("keeps two hubs independent", () => {
    const a = createEventHub<PodEvents>();
    const b = createEventHub<PodEvents>();
    const listener = vi.fn();
    a.on("tick", listener);
    b.emit("tick");
    expect(listener).not.toHaveBeenCalled();
  });
});
