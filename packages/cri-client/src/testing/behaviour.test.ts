import { isKubeletKitError } from "@kubelet-kit/core";
import { describe, expect, it } from "vitest";
import { BEHAVIOUR_ANNOTATION, parseBehaviourJson, validateRules } from "./behaviour.js";

function rejectionOf(json: unknown): string {
  try {
    parseBehaviourJson(JSON.stringify(json));
  } catch (err) {
    if (isKubeletKitError(err) && err.code === "InvalidArgument") return err.rawMessage;
    throw err;
  }
  throw new Error("expected the behaviour to be rejected");
}

describe("behaviour JSON validation", () => {
  it("accepts exec windows, listeners and routes", () => {
    const behaviour = {
      exec: [{ match: ["cat", "/tmp/healthy"], fromMs: 0, untilMs: 30_000 }],
      listen: [
        {
          port: 8080,
          protocol: "http",
          untilMs: 60_000,
          routes: [{ path: "/healthz", status: 500, body: "sick", fromMs: 10_000 }],
        },
        { port: 8080, protocol: "http", fromMs: 90_000 },
        { port: 9000, protocol: "tcp" },
      ],
    };
    expect(parseBehaviourJson(JSON.stringify(behaviour))).toEqual(behaviour);
  });

  it.each([
    [{ exec: [{ match: ["x"], fromMs: -1 }] }, "`exec[0].fromMs` must be a number >= 0"],
    [{ exec: [{ match: ["x"], untilMs: "5" }] }, "`exec[0].untilMs` must be a number >= 0"],
    [
      { exec: [{ match: ["x"] }, { match: ["y"], fromMs: 500, untilMs: 500 }] },
      "`exec[1].untilMs` must be greater than `fromMs` (default 0)",
    ],
    [{ exec: [{ match: ["x"], untilMs: 0 }] }, "`exec[0].untilMs` must be greater than `fromMs` (default 0)"],
    [{ listen: {} }, "`listen` must be an array"],
    [{ listen: [8080] }, "`listen[0]` must be an object"],
    [{ listen: [{ port: 0, protocol: "tcp" }] }, "`listen[0].port` must be an integer from 1 to 65535"],
    [{ listen: [{ port: 65536, protocol: "tcp" }] }, "`listen[0].port` must be an integer from 1 to 65535"],
    [{ listen: [{ port: 80.5, protocol: "tcp" }] }, "`listen[0].port` must be an integer from 1 to 65535"],
    [{ listen: [{ port: 80, protocol: "udp" }] }, '`listen[0].protocol` must be "http" or "tcp"'],
    [{ listen: [{ port: 80, protocol: "tcp", fromMs: -5 }] }, "`listen[0].fromMs` must be a number >= 0"],
    [
      { listen: [{ port: 80, protocol: "tcp", fromMs: 10, untilMs: 5 }] },
      "`listen[0].untilMs` must be greater than `fromMs` (default 0)",
    ],
    [
      { listen: [{ port: 80, protocol: "tcp", routes: [{ path: "/" }] }] },
      '`listen[0].routes` needs protocol "http"',
    ],
    [{ listen: [{ port: 80, protocol: "http", routes: {} }] }, "`listen[0].routes` must be an array"],
    [{ listen: [{ port: 80, protocol: "http", routes: ["/x"] }] }, "`listen[0].routes[0]` must be an object"],
    [
      { listen: [{ port: 80, protocol: "http", routes: [{ path: "healthz" }] }] },
      '`listen[0].routes[0].path` must start with "/"',
    ],
    [
      { listen: [{ port: 80, protocol: "http", routes: [{ path: "/", status: 99 }] }] },
      "`listen[0].routes[0].status` must be an integer from 100 to 599",
    ],
    [
      { listen: [{ port: 80, protocol: "http", routes: [{ path: "/", body: 1 }] }] },
      "`listen[0].routes[0].body` must be a string",
    ],
    [
      { listen: [{ port: 80, protocol: "http", routes: [{ path: "/", untilMs: -1 }] }] },
      "`listen[0].routes[0].untilMs` must be a number >= 0",
    ],
    [
      {
        listen: [
          { port: 80, protocol: "http", untilMs: 1000 },
          { port: 81, protocol: "tcp" },
          { port: 80, protocol: "tcp", fromMs: 999 },
        ],
      },
      "`listen[0]` and `listen[2]` both open port 80 at the same time",
    ],
  ])("rejects %j", (behaviour, message) => {
    expect(rejectionOf(behaviour)).toBe(`${BEHAVIOUR_ANNOTATION}: ${message}`);
  });

  it("checks rules given as options the same way, naming the rule", () => {
    expect(() =>
      validateRules([{ behaviour: { exec: [{ match: ["x"], fromMs: -1 }] } }], "behaviours"),
    ).toThrow("behaviours[0].behaviour: `exec[0].fromMs` must be a number >= 0");
  });
});
