import type { FakeClock } from "@kubelet-kit/core";
import {
  CRASH_LOOP_BACKOFF_INITIAL_MS,
  CRASH_LOOP_BACKOFF_MAX_MS,
  CRASH_LOOP_BACKOFF_RESET_MS,
  createBackoff,
  createFakeClock,
} from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import { checkCrashLoopBackoff } from "./crash-loop.js";
import { container, makePod, POD_UID, runtimeContainer, snapshot } from "./fixtures.test-util.js";

function setup() {
  const clock = createFakeClock();
  const backoff = createBackoff({
    initialMs: CRASH_LOOP_BACKOFF_INITIAL_MS,
    maxMs: CRASH_LOOP_BACKOFF_MAX_MS,
    resetAfterMs: CRASH_LOOP_BACKOFF_RESET_MS,
    clock,
  });
  return { clock, backoff, pod: makePod(), app: container("app") };
}

const exitedAt = (finishedAtMs: number) =>
  snapshot([runtimeContainer("app", { state: "exited", exitCode: 1, finishedAtMs })]);

/** Crashes at `now`, then syncs every second until the restart is allowed; returns the seconds waited. */
function crashAndWait(clock: FakeClock, check: (finishedAtMs: number) => boolean): number {
  const finishedAtMs = clock.now();
  let waited = 0;
  while (!check(finishedAtMs)) {
    clock.advance(1_000);
    waited++;
  }
  return waited;
}

describe("CrashLoopBackOff", () => {
  it("restarts a crashing container at once, then after 10, 20, 40, 80, 160, 300, 300 s", () => {
    const { clock, backoff, pod, app } = setup();
    const check = (t: number) => !checkCrashLoopBackoff(pod, app, exitedAt(t), backoff).inBackoff;
    const waits = Array.from({ length: 8 }, () => crashAndWait(clock, check));
    expect(waits).toEqual([0, 10, 20, 40, 80, 160, 300, 300]);
  });

  it("reports the waiting message, event and retry time with Go durations", () => {
    const { clock, backoff, pod, app } = setup();
    const check = (t: number) => checkCrashLoopBackoff(pod, app, exitedAt(t), backoff);
    check(clock.now()); // first crash: starts at once, delay becomes 10 s
    const crashedAt = clock.now();
    const first = check(crashedAt);
    expect(first).toEqual({
      inBackoff: true,
      message: `back-off 10s restarting failed container=app pod=web_default(${POD_UID})`,
      eventMessage: `Back-off restarting failed container app in pod web_default(${POD_UID})`,
      retryAtMs: crashedAt + 10_000,
    });
    const allowed = (t: number) => !check(t).inBackoff;
    for (let i = 0; i < 4; i++) crashAndWait(clock, allowed); // waits 10, 20, 40, 80 s; delay is now 160 s
    const result = check(clock.now());
    expect(result.inBackoff && result.message).toBe(
      `back-off 2m40s restarting failed container=app pod=web_default(${POD_UID})`,
    );
  });

  it("starts over at 10 s once the container ran for more than 600 s", () => {
    const { clock, backoff, pod, app } = setup();
    const check = (t: number) => !checkCrashLoopBackoff(pod, app, exitedAt(t), backoff).inBackoff;
    for (let i = 0; i < 4; i++) crashAndWait(clock, check); // delay now 80 s
    clock.advance(601_000); // ran happily for 601 s, then crashed
    expect(crashAndWait(clock, check)).toBe(0);
    expect(crashAndWait(clock, check)).toBe(10);
  });

  it("does not back off a container that never exited, and keys by spec hash", () => {
    const { clock, backoff, pod, app } = setup();
    expect(checkCrashLoopBackoff(pod, app, snapshot([]), backoff).inBackoff).toBe(false);
    expect(backoff.size()).toBe(0);
    checkCrashLoopBackoff(pod, app, exitedAt(clock.now()), backoff);
    expect(checkCrashLoopBackoff(pod, app, exitedAt(clock.now()), backoff).inBackoff).toBe(true);
    const changed = container("app", { image: "busybox:1.37" });
    expect(checkCrashLoopBackoff(pod, changed, exitedAt(clock.now()), backoff).inBackoff).toBe(false);
  });
});
