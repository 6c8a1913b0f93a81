import { create, type DescMessage, fromBinary, type Message, ScalarType, toBinary } from "@bufbuild/protobuf";
import {
  ContainerConfigSchema,
  CreateContainerRequestSchema,
  ExecSyncResponseSchema,
  ImageService,
  ListPodSandboxResponseSchema,
  PodSandboxSchema,
  PortForwardRequestSchema,
  RuntimeService,
  VersionResponseSchema,
} from "@kubelet-kit/cri-api";
import { describe, expect, it, vi } from "vitest";
import { decodeMessage } from "./wire-decoder.js";
import { type EncodingSlot, encodeMessage, reuseEncoding } from "./wire-encoder.js";
import { encoderCovers } from "./wire-plan.js";

// toBinary and fromBinary counted, to tell the fast paths from the fallbacks.
vi.mock("@bufbuild/protobuf", async (importOriginal) => {
  const original = await importOriginal<typeof import("@bufbuild/protobuf")>();
  return { ...original, toBinary: vi.fn(original.toBinary), fromBinary: vi.fn(original.fromBinary) };
});

/** Every message type either CRI service sends or receives, nested ones included. */
function allCriMessages(): DescMessage[] {
  const seen = new Map<string, DescMessage>();
  const visit = (message: DescMessage): void => {
    if (seen.has(message.typeName)) return;
    seen.set(message.typeName, message);
    for (const field of message.fields) {
      if (field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message"))
        visit(field.message);
      if (field.fieldKind === "map" && field.mapKind === "message") visit(field.message);
    }
  };
  for (const service of [RuntimeService, ImageService]) {
    for (const method of service.methods) {
      visit(method.input);
      visit(method.output);
    }
  }
  return [...seen.values()];
}

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ASCII_STRINGS = ["", "a", "io.kubernetes.pod.uid", "/var/log/pods/ns_name_uid", "x".repeat(200)];
const STRINGS = [...ASCII_STRINGS, "héllo wörld", "日本語", "emoji 🚀", "lone \ud800 surrogate"];
const MAP_KEYS = ["b", "a", "10", "2", "0", "io.kubernetes.container.name", "ключ"];
const INT32S = [0, 1, -1, 127, 128, 16_383, 16_384, 2_147_483_647, -2_147_483_648];
const UINT32S = [0, 1, 127, 128, 300, 2_097_151, 2_097_152, 268_435_455, 268_435_456, 4_294_967_295];
const INT64S = [0n, 1n, -1n, 1_700_000_000_000_000_000n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)];
const UINT64S = [0n, 1n, 127n, 128n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];
const DOUBLES = [0, -0, 1.5, -2.25, 1e300, Number.MIN_VALUE, Number.POSITIVE_INFINITY];

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)] as T;
}

/** Which strings samples use: any (non-ASCII and lone surrogates included) or ASCII only. */
let samplePool: readonly string[] = STRINGS;

function scalarValue(random: () => number, type: ScalarType): unknown {
  switch (type) {
    case ScalarType.STRING:
      return pick(random, samplePool);
    case ScalarType.BOOL:
      return random() < 0.5;
    case ScalarType.BYTES:
      return new Uint8Array(Math.floor(random() * 5)).map(() => Math.floor(random() * 256));
    case ScalarType.INT32:
      return pick(random, INT32S);
    case ScalarType.UINT32:
      return pick(random, UINT32S);
    case ScalarType.INT64:
      return pick(random, INT64S);
    case ScalarType.UINT64:
      return pick(random, UINT64S);
    case ScalarType.DOUBLE:
      return pick(random, DOUBLES);
    default:
      throw new Error(`no sample for scalar type ${type}`);
  }
}

/** A message of `schema` with each field set (or left at its zero value) at random, `depth` levels deep. */
function sample(random: () => number, schema: DescMessage, depth: number): Message {
  const init: Record<string, unknown> = {};
  for (const field of schema.fields) {
    if (random() < 0.25) continue;
    switch (field.fieldKind) {
      case "scalar":
        init[field.localName] = scalarValue(random, field.scalar);
        break;
      case "enum":
        init[field.localName] = pick(random, field.enum.values).number;
        break;
      case "message":
        if (depth > 0) init[field.localName] = sample(random, field.message, depth - 1);
        break;
      case "list": {
        const length = Math.floor(random() * 4);
        const items: unknown[] = [];
        for (let i = 0; i < length; i++) {
          if (field.listKind === "message") {
            if (depth > 0) items.push(sample(random, field.message, depth - 1));
          } else if (field.listKind === "enum") {
            items.push(pick(random, field.enum.values).number);
          } else {
            items.push(scalarValue(random, field.scalar));
          }
        }
        init[field.localName] = items;
        break;
      }
      case "map": {
        const map: Record<string, unknown> = {};
        const entries = Math.floor(random() * 4);
        for (let i = 0; i < entries; i++) {
          map[
            pick(random, samplePool === STRINGS ? MAP_KEYS : MAP_KEYS.filter((key) => /^[ -~]*$/.test(key)))
          ] =
            field.mapKind === "enum"
              ? pick(random, field.enum.values).number
              : field.mapKind === "scalar"
                ? scalarValue(random, field.scalar)
                : undefined;
        }
        init[field.localName] = map;
        break;
      }
    }
  }
  return create(schema, init as never);
}

function expectSameBytes(schema: DescMessage, value: Message | Record<string, unknown>): void {
  expect(Buffer.from(encodeMessage(schema, value as never))).toEqual(
    Buffer.from(toBinary(schema, create(schema, value as never))),
  );
}

/**
 * `message` as a handler might answer it: plain objects instead of messages (some nested messages kept),
 * some fields undefined or null (which `create` ignores), no `$unknown`.
 */
function asInit(random: () => number, message: Message): Record<string, unknown> {
  const init: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message)) {
    if (key === "$typeName" || key === "$unknown") continue;
    const roll = random();
    if (roll < 0.1) init[key] = undefined;
    else if (roll < 0.15) init[key] = null;
    else if (isMessageValue(value)) init[key] = random() < 0.5 ? value : asInit(random, value);
    else if (Array.isArray(value))
      init[key] = value.map((item) => (isMessageValue(item) && random() < 0.5 ? asInit(random, item) : item));
    else init[key] = value;
  }
  return init;
}

function isMessageValue(value: unknown): value is Message {
  return typeof value === "object" && value !== null && "$typeName" in value;
}

/** `sample` with ASCII strings only (what the fast paths read without falling back). */
function asciiSample(random: () => number, schema: DescMessage, depth: number): Message {
  samplePool = ASCII_STRINGS;
  try {
    return sample(random, schema, depth);
  } finally {
    samplePool = STRINGS;
  }
}

/** Every object's own keys, depth first: two messages built in different orders differ here. */
function keyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keyOrder);
  if (typeof value !== "object" || value === null || value instanceof Uint8Array) return typeof value;
  return Object.entries(value).map(([key, item]) => [key, keyOrder(item)]);
}

function expectSameMessage(schema: DescMessage, bytes: Uint8Array): void {
  const expected = fromBinary(schema, bytes);
  const decoded = decodeMessage(schema, bytes);
  expect(decoded).toStrictEqual(expected);
  expect(keyOrder(decoded)).toEqual(keyOrder(expected));
}

describe("encodeMessage", () => {
  it("gives the bytes toBinary gives for every CRI message, over many random values", () => {
    const random = prng(20_240_601);
    const schemas = allCriMessages();
    expect(schemas.length).toBeGreaterThan(100);
    // Every CRI message takes the fast path (none is silently left to toBinary).
    expect(schemas.filter((schema) => !encoderCovers(schema)).map((schema) => schema.typeName)).toEqual([]);
    for (const schema of schemas) {
      expectSameBytes(schema, create(schema));
      for (let i = 0; i < 15; i++) expectSameBytes(schema, sample(random, schema, 3));
    }
  });

  it("encodes init objects (what handlers answer with) as create then toBinary does", () => {
    const random = prng(7);
    for (const schema of allCriMessages()) {
      expectSameBytes(schema, {});
      for (let i = 0; i < 10; i++) expectSameBytes(schema, asInit(random, sample(random, schema, 3)));
    }
  });

  it("encodes messages and init objects without toBinary (the fast path), unknown fields included", () => {
    const random = prng(11);
    const values: [DescMessage, unknown][] = [];
    for (const schema of allCriMessages()) {
      const message = sample(random, schema, 2);
      message.$unknown = [{ no: 500, wireType: 0, data: Uint8Array.of(1) }];
      values.push([schema, message], [schema, asInit(random, sample(random, schema, 2))]);
    }
    const calls = vi.mocked(toBinary).mock.calls.length;
    for (const [schema, value] of values) encodeMessage(schema, value as never);
    expect(vi.mocked(toBinary).mock.calls.length).toBe(calls);
  });

  it("writes the unknown fields a decoded request carried, after the known ones", () => {
    const spec = create(PodSandboxSchema, { id: "abc", state: 1 });
    spec.$unknown = [
      { no: 99, wireType: 2, data: Uint8Array.of(3, 0x61, 0x62, 0x63) },
      { no: 1000, wireType: 0, data: Uint8Array.of(0x96, 0x01) },
    ];
    const list = create(ListPodSandboxResponseSchema, { items: [spec, spec] });
    expectSameBytes(ListPodSandboxResponseSchema, list);
  });

  it("keeps map entries in the order protobuf-es writes them: integer-like keys first", () => {
    const config = create(ContainerConfigSchema, { labels: { z: "1", "7": "x", a: "", "3": "y" } });
    expectSameBytes(ContainerConfigSchema, config);
  });

  it("hands values toBinary treats specially to toBinary: the same error for an out-of-range number", () => {
    const bad = create(PodSandboxSchema, { id: "x" });
    (bad as unknown as { state: number }).state = 2 ** 40;
    expect(() => encodeMessage(PodSandboxSchema, bad)).toThrow(
      (() => {
        try {
          toBinary(PodSandboxSchema, bad);
        } catch (err) {
          return (err as Error).message;
        }
        return "toBinary did not throw";
      })(),
    );
    const stringAsNumber = create(VersionResponseSchema, { version: "v" });
    (stringAsNumber as unknown as { runtimeName: unknown }).runtimeName = 42;
    expectSameBytes(VersionResponseSchema, stringAsNumber);
    // A message of another type where a PodSandbox is expected: create copies it field by field.
    expectSameBytes(ListPodSandboxResponseSchema, {
      items: [create(VersionResponseSchema, { version: "v" })],
    });
    // Bytes as an array of numbers: create converts them.
    expectSameBytes(ExecSyncResponseSchema, { stdout: [104, 105], exitCode: 1 });
  });
});

describe("reuseEncoding", () => {
  it("encodes a list item once per slot and copies those bytes into every list that holds it", () => {
    const slot: EncodingSlot = { bytes: undefined };
    const item = (state: number) => {
      const value = { id: "abc", metadata: { name: "p", uid: "u" }, state, labels: { a: "b" } };
      reuseEncoding(value, slot);
      return value;
    };
    const first = encodeMessage(ListPodSandboxResponseSchema, { items: [item(0)] });
    expect(first).toEqual(
      Buffer.from(
        toBinary(ListPodSandboxResponseSchema, create(ListPodSandboxResponseSchema, { items: [item(0)] })),
      ),
    );
    expect(slot.bytes).toEqual(Buffer.from(toBinary(PodSandboxSchema, create(PodSandboxSchema, item(0)))));
    // The slot's bytes are what gets written, whatever the object says: a new state needs a new slot.
    const stale = encodeMessage(ListPodSandboxResponseSchema, { items: [item(1), { id: "other" }] });
    expect(decodeMessage(ListPodSandboxResponseSchema, stale).items.map((i) => [i.id, i.state])).toEqual([
      ["abc", 0],
      ["other", 0],
    ]);
  });
});

describe("decodeMessage", () => {
  it("gives the message fromBinary gives for every CRI message, over many random values", () => {
    const random = prng(42);
    for (const schema of allCriMessages()) {
      expectSameMessage(schema, new Uint8Array(0));
      for (let i = 0; i < 15; i++) expectSameMessage(schema, toBinary(schema, sample(random, schema, 3)));
    }
  });

  it("decodes ASCII requests without fromBinary (the fast path)", () => {
    const random = prng(5);
    const encoded: [DescMessage, Uint8Array][] = [];
    for (const schema of allCriMessages()) {
      for (let i = 0; i < 3; i++) encoded.push([schema, toBinary(schema, asciiSample(random, schema, 2))]);
    }
    const calls = vi.mocked(fromBinary).mock.calls.length;
    for (const [schema, bytes] of encoded) decodeMessage(schema, bytes);
    expect(vi.mocked(fromBinary).mock.calls.length).toBe(calls);
  });

  it("leaves to fromBinary what it merges or keeps aside: unknown fields, a repeated singular message", () => {
    const config = toBinary(
      ContainerConfigSchema,
      create(ContainerConfigSchema, { metadata: { name: "a" } }),
    );
    const withUnknown = Buffer.concat([config, Uint8Array.of(0xf8, 0x06, 0x01)]); // field 111, varint 1
    expectSameMessage(ContainerConfigSchema, withUnknown);
    expect(decodeMessage(ContainerConfigSchema, withUnknown).$unknown).toHaveLength(1);
    // Two metadata fields: protobuf-es merges the second into the first (name from one, attempt from the other).
    const first = toBinary(ContainerConfigSchema, create(ContainerConfigSchema, { metadata: { name: "a" } }));
    const second = toBinary(
      ContainerConfigSchema,
      create(ContainerConfigSchema, { metadata: { attempt: 2 } }),
    );
    expectSameMessage(ContainerConfigSchema, Buffer.concat([first, second]));
    expect(decodeMessage(ContainerConfigSchema, Buffer.concat([first, second])).metadata).toMatchObject({
      name: "a",
      attempt: 2,
    });
  });

  it("accepts repeated scalars packed or not, and map entries without key or value", () => {
    // PortForwardRequest.port (field 2, int32): packed [80, 443], then 8080 unpacked.
    const ports = Uint8Array.of(0x12, 0x03, 0x50, 0xbb, 0x03, 0x10, 0x90, 0x3f);
    expectSameMessage(PortForwardRequestSchema, ports);
    expect(decodeMessage(PortForwardRequestSchema, ports).port).toEqual([80, 443, 8080]);
    // labels (field 9 of ContainerConfig) entries: empty, key only, value only (key "" again).
    const labels = Uint8Array.of(0x4a, 0x00, 0x4a, 0x03, 0x0a, 0x01, 0x6b, 0x4a, 0x03, 0x12, 0x01, 0x76);
    expectSameMessage(ContainerConfigSchema, labels);
    expect(decodeMessage(ContainerConfigSchema, labels).labels).toEqual({ "": "v", k: "" });
  });

  it("decodes truncated input as fromBinary does: the same error, or the same message", () => {
    const request = toBinary(
      CreateContainerRequestSchema,
      create(CreateContainerRequestSchema, {
        podSandboxId: "abc",
        config: { metadata: { name: "n" }, command: ["sh"], labels: { a: "b" } },
      }),
    );
    let errors = 0;
    for (let cut = 0; cut < request.length; cut++) {
      const truncated = request.subarray(0, cut);
      let expected: unknown;
      try {
        expected = fromBinary(CreateContainerRequestSchema, truncated);
      } catch (err) {
        errors++;
        expect(() => decodeMessage(CreateContainerRequestSchema, truncated)).toThrow((err as Error).message);
        continue;
      }
      expect(decodeMessage(CreateContainerRequestSchema, truncated)).toStrictEqual(expected);
    }
    expect(errors).toBeGreaterThan(0);
  });
});
