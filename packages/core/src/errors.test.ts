import { describe, expect, expectTypeOf, it } from "vitest";
import {
  isKubeletKitError,
  KUBELET_KIT_ERROR_CODES,
  KubeletKitError,
  type KubeletKitErrorCode,
} from "./errors.js";

describe("KubeletKitError", () => {
  it("prefixes the message with the code and keeps the raw message apart", () => {
    const error = new KubeletKitError("NotFound", "container abc not found", { details: { id: "abc" } });
    expect(error.message).toBe("[NotFound] container abc not found");
    expect(error.rawMessage).toBe("container abc not found");
    expect(error.code).toBe("NotFound");
    expect(error.name).toBe("KubeletKitError");
    expect(error.details).toEqual({ id: "abc" });
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toBe("KubeletKitError: [NotFound] container abc not found");
  });

  it("prints just the code for an empty message", () => {
    expect(new KubeletKitError("Internal", "").message).toBe("[Internal]");
  });

  it("keeps a cause only when one is given", () => {
    const root = new Error("root");
    expect(new KubeletKitError("Unavailable", "down", { cause: root }).cause).toBe(root);
    const bare = new KubeletKitError("Unavailable", "down");
    expect("cause" in bare).toBe(false);
    expect("details" in bare).toBe(false);
  });

  describe("from()", () => {
    it("returns a KubeletKitError unchanged", () => {
      const error = new KubeletKitError("Aborted", "conflict");
      expect(KubeletKitError.from(error)).toBe(error);
    });

    it("returns an error from another copy of the package unchanged", () => {
      class ForeignKubeletKitError extends Error {
        override readonly name = "KubeletKitError";
        readonly code = "AlreadyExists";
        readonly rawMessage = "sandbox exists";
      }
      const foreign = new ForeignKubeletKitError("[AlreadyExists] sandbox exists");
      expect(KubeletKitError.from(foreign)).toBe(foreign);
    });

    it("turns a plain lookalike object into a real error with the same code and message", () => {
      const lookalike = { name: "KubeletKitError", code: "NotFound", message: "[NotFound] pod gone" };
      const error = KubeletKitError.from(lookalike);
      expect(error).toBeInstanceOf(KubeletKitError);
      expect(error.code).toBe("NotFound");
      expect(error.rawMessage).toBe("pod gone");
      expect(error.cause).toBe(lookalike);
    });

    it("maps AbortError to Canceled and TimeoutError to DeadlineExceeded", () => {
      const aborted = AbortSignal.abort().reason as unknown;
      const canceled = KubeletKitError.from(aborted);
      expect(canceled.code).toBe("Canceled");
      expect(canceled.cause).toBe(aborted);

      const timeout = new DOMException("The operation timed out.", "TimeoutError");
      const deadline = KubeletKitError.from(timeout, "Internal");
      expect(deadline.code).toBe("DeadlineExceeded");
      expect(deadline.rawMessage).toBe("The operation timed out.");

      const nodeStyle = Object.assign(new Error("The operation was aborted"), { name: "AbortError" });
      expect(KubeletKitError.from(nodeStyle).code).toBe("Canceled");
    });

    it("wraps other errors under the fallback code, keeping the message and the error as cause", () => {
      const original = new TypeError("bad input");
      const wrapped = KubeletKitError.from(original, "InvalidArgument");
      expect(wrapped.code).toBe("InvalidArgument");
      expect(wrapped.rawMessage).toBe("bad input");
      expect(wrapped.cause).toBe(original);
      expect(KubeletKitError.from(new Error("x")).code).toBe("Unknown");
    });

    it("stringifies anything else", () => {
      expect(KubeletKitError.from("plain text").rawMessage).toBe("plain text");
      expect(KubeletKitError.from(42).rawMessage).toBe("42");
      expect(KubeletKitError.from(undefined).rawMessage).toBe("undefined");
      const error = KubeletKitError.from({ any: "object" }, "Internal");
      expect(error.code).toBe("Internal");
      expect(error.rawMessage).toBe("[object Object]");
      expect(KubeletKitError.from(Object.create(null)).rawMessage).toBe("[object Object]");
    });

    it("does not treat an object with an unknown code as a KubeletKitError", () => {
      const error = KubeletKitError.from({ name: "KubeletKitError", code: "Teapot", message: "x" });
      expect(error.code).toBe("Unknown");
    });
  });
});

describe("isKubeletKitError", () => {
  it("accepts real errors, with or without a matching code", () => {
    const error = new KubeletKitError("PermissionDenied", "no");
    expect(isKubeletKitError(error)).toBe(true);
    expect(isKubeletKitError(error, "PermissionDenied")).toBe(true);
    expect(isKubeletKitError(error, "NotFound")).toBe(false);
  });

  it("checks shape, not class: a plain lookalike object passes", () => {
    expect(isKubeletKitError({ name: "KubeletKitError", code: "DataLoss", message: "[DataLoss] x" })).toBe(
      true,
    );
  });

  it("rejects near misses", () => {
    const near = [
      new Error("[NotFound] x"),
      { name: "KubeletKitError", code: "NOT_FOUND", message: "x" },
      { name: "KubeletKitError", code: "NotFound" },
      { name: "ConnectError", code: "NotFound", message: "x" },
      null,
      "KubeletKitError",
    ];
    for (const value of near) expect(isKubeletKitError(value)).toBe(false);
  });
});

describe("error codes", () => {
  const listed = [
    "Canceled",
    "Unknown",
    "InvalidArgument",
    "DeadlineExceeded",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
    "Unauthenticated",
    "InvalidConfig",
    "InvalidManifest",
  ] as const;

  it("are the sixteen gRPC codes in gRPC order plus the two kubelet ones, in type and at run time", () => {
    expectTypeOf<KubeletKitErrorCode>().toEqualTypeOf<(typeof listed)[number]>();
    expect(KUBELET_KIT_ERROR_CODES).toEqual(listed);
  });

  it("cannot be extended at run time", () => {
    expect(Object.isFrozen(KUBELET_KIT_ERROR_CODES)).toBe(true);
    expect(() => (KUBELET_KIT_ERROR_CODES as KubeletKitErrorCode[]).push("Unknown")).toThrow(TypeError);
  });
});
