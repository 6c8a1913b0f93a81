import {
  create,
  type DescMessage,
  equals,
  fromBinary,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import {
  type Container,
  type ContainerSchema,
  type ContainerState,
  ListContainersResponseSchema,
  ListPodSandboxResponseSchema,
  type PodSandboxSchema,
  type PodSandboxState,
  RuntimeService,
} from "@kubelet-kit/cri-api";
import { beforeEach, describe, expect, it, vi } from "vitest";
import {
  decodeListContainersResponse,
  decodeListPodSandboxResponse,
  FAST_RESPONSE_DECODERS,
} from "./fast-decode.js";
import { toGrpcServiceDefinition } from "./service-definition.js";

// fromBinary, counted: the fast path must not call it, the fallback must.
vi.mock("@bufbuild/protobuf", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@bufbuild/protobuf")>();
  return { ...actual, fromBinary: vi.fn(actual.fromBinary) };
});
const fromBinaryCalls = vi.mocked(fromBinary);

type ContainerInit = MessageInitShape<typeof ContainerSchema>;
type SandboxInit = MessageInitShape<typeof PodSandboxSchema>;

interface Case<Desc extends DescMessage> {
  readonly schema: Desc;
  readonly decode: (bytes: Uint8Array) => unknown;
}
const containers: Case<typeof ListContainersResponseSchema> = {
  schema: ListContainersResponseSchema,
  decode: decodeListContainersResponse,
};
const sandboxes: Case<typeof ListPodSandboxResponseSchema> = {
  schema: ListPodSandboxResponseSchema,
  decode: decodeListPodSandboxResponse,
};

/** Decodes with both; returns what each produced or threw, and whether the fast one fell back. */
function decodeBoth<Desc extends DescMessage>(c: Case<Desc>, bytes: Uint8Array) {
  fromBinaryCalls.mockClear();
  const fast = outcome(() => c.decode(bytes));
  const fellBack = fromBinaryCalls.mock.calls.length > 0;
  const reference = outcome(() => fromBinary(c.schema, bytes));
  return { fast, reference, fellBack };
}

function outcome(decode: () => unknown): { value: unknown; keys: unknown } | { error: string } {
  try {
    const value = decode();
    return { value, keys: keyOrder(value) };
  } catch (err) {
    return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

/** Every object's own keys, in order, recursively: toStrictEqual ignores property order. */
function keyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keyOrder);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return typeof value;
  return Object.entries(value).map(([key, v]) => [key, keyOrder(v)]);
}

/** The first container of a decoded ListContainersResponse outcome. */
function firstContainer(result: ReturnType<typeof outcome>): Container {
  if (!("value" in result)) throw new Error(`decoding failed: ${result.error}`);
  const container = (result.value as { containers: Container[] }).containers[0];
  if (container === undefined) throw new Error("no container");
  return container;
}

/** Asserts the fast decoder's result is fromBinary's: the same value, key order, or error. */
function expectSameAsFromBinary<Desc extends DescMessage>(c: Case<Desc>, bytes: Uint8Array) {
  const { fast, reference, fellBack } = decodeBoth(c, bytes);
  expect(fast).toStrictEqual(reference);
  if ("value" in fast && "value" in reference) {
    expect(equals(c.schema, fast.value as never, reference.value as never)).toBe(true);
  }
  return { fellBack, fast };
}

// --- A seeded generator ---------------------------------------------------------------------------

function random(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const chance = (p: number): boolean => next() < p;
  const pieces = ["a", "Z", "0", "-", ".", "/", " ", "é", "日本", "😀", "\u0000", "\uFEFF", "\uD800", "ß"];
  const hex = (length: number): string =>
    Array.from({ length }, () => "0123456789abcdef"[int(16)] ?? "0").join("");
  const string = (): string => {
    switch (int(6)) {
      case 0:
        return "";
      case 1:
        return hex(64); // an id: the long ASCII path
      case 2:
        return `${hex(20 + int(40))}${pick(pieces)}`; // long, maybe not ASCII at the very end
      default:
        return Array.from({ length: int(9) }, () => pick(pieces)).join("");
    }
  };
  // Kubelet keys, and keys alike in length, middle and tail (the repeated-key cache must compare bytes).
  const keys = [
    "io.kubernetes.container.name",
    "io.kubernetes.pod.name",
    "io.kubernetes.pod.namespace",
    "io.kubernetes.pod.uid",
    "io.kubernetes.container.hash",
    "io.kubernetes.container.restartCount",
    "ab.kubernetes.pod.name",
    "io.kubernetes.pod.nbme",
    "app",
    "apq",
    "",
    "é",
    "\uFEFFbom",
  ];
  const map = (): Record<string, string> => {
    const entries: Record<string, string> = {};
    for (let i = int(7); i > 0; i--) entries[chance(0.7) ? pick(keys) : string()] = string();
    return entries;
  };
  const int64 = (): bigint =>
    pick([
      0n,
      1n,
      -1n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      2n ** 53n + 1n,
      1_795_739_508_531_000_000n,
      BigInt.asIntN(64, (BigInt(int(2 ** 32)) << 32n) | BigInt(int(2 ** 32))),
      BigInt(int(2 ** 31)),
    ]);
  const uint32 = (): number => pick([0, 1, 127, 128, 2 ** 31, 2 ** 32 - 1, int(2 ** 32)]);
  return { int, pick, chance, string, map, int64, uint32 };
}

type Random = ReturnType<typeof random>;

function randomContainer(r: Random): ContainerInit {
  return {
    id: r.string(),
    podSandboxId: r.string(),
    // Absent, present but empty (a zero-length field on the wire), or filled.
    metadata: r.pick([undefined, {}, { name: r.string(), attempt: r.uint32() }]),
    image: r.pick([
      undefined,
      {},
      {
        image: r.string(),
        annotations: r.map(),
        userSpecifiedImage: r.string(),
        runtimeHandler: r.string(),
        imageRef: r.string(),
      },
    ]),
    imageRef: r.string(),
    // Every ContainerState, and values this schema does not know (open enums keep them).
    state: r.pick([0, 1, 2, 3, 7, -1]) as ContainerState,
    createdAt: r.int64(),
    labels: r.map(),
    annotations: r.map(),
    imageId: r.string(),
  };
}

function randomSandbox(r: Random): SandboxInit {
  return {
    id: r.string(),
    metadata: r.pick([
      undefined,
      {},
      { name: r.string(), uid: r.string(), namespace: r.string(), attempt: r.uint32() },
    ]),
    state: r.pick([0, 1, 5, -2]) as PodSandboxState,
    createdAt: r.int64(),
    labels: r.map(),
    annotations: r.map(),
    runtimeHandler: r.string(),
  };
}

function containerList(r: Random): Uint8Array {
  const list = Array.from({ length: r.int(12) }, () => randomContainer(r));
  return toBinary(ListContainersResponseSchema, create(ListContainersResponseSchema, { containers: list }));
}

function sandboxList(r: Random): Uint8Array {
  const items = Array.from({ length: r.int(12) }, () => randomSandbox(r));
  return toBinary(ListPodSandboxResponseSchema, create(ListPodSandboxResponseSchema, { items }));
}

/** A kubelet-shaped container, all ASCII. */
function kubeletContainer(i: number): ContainerInit {
  return {
    id: `${i}`.padStart(64, "c"),
    podSandboxId: `${i % 7}`.padStart(64, "s"),
    metadata: { name: `c${i}`, attempt: i % 3 },
    image: { image: "docker.io/library/busybox:latest" },
    imageRef: "sha256:d07fe1a2f33e48c5c26681b5f0c7736ebcdcf9f3c10c2748aea0d45e65194f22",
    state: i % 4,
    createdAt: 1_795_739_508_531_000_000n + BigInt(i),
    labels: { "io.kubernetes.container.name": `c${i}`, "io.kubernetes.pod.uid": `uid-${i % 7}` },
    annotations: { "io.kubernetes.container.restartCount": "0" },
  };
}

// --- Hand-made encodings --------------------------------------------------------------------------

/** A ListContainersResponse holding one container written field by field. */
function oneContainer(write: (w: BinaryWriter) => void): Uint8Array {
  const w = new BinaryWriter();
  write(w);
  const container = w.finish();
  return new BinaryWriter().tag(1, 2).bytes(container).finish();
}

function entry(key: string | undefined, value: string | undefined, reversed = false): Uint8Array {
  const w = new BinaryWriter();
  if (reversed && value !== undefined) w.tag(2, 2).string(value);
  if (key !== undefined) w.tag(1, 2).string(key);
  if (!reversed && value !== undefined) w.tag(2, 2).string(value);
  return w.finish();
}

beforeEach(() => {
  fromBinaryCalls.mockClear();
});

describe("fast decoding of ListContainersResponse and ListPodSandboxResponse", () => {
  it("decodes random container lists exactly as fromBinary does, without falling back", () => {
    const r = random(0x5eed);
    for (let i = 0; i < 200; i++) {
      const { fellBack } = expectSameAsFromBinary(containers, containerList(r));
      expect(fellBack).toBe(false);
    }
  });

  it("decodes random sandbox lists exactly as fromBinary does, without falling back", () => {
    const r = random(0xc0ffee);
    for (let i = 0; i < 200; i++) {
      const { fellBack } = expectSameAsFromBinary(sandboxes, sandboxList(r));
      expect(fellBack).toBe(false);
    }
  });

  it("decodes a kubelet-shaped list of 200 containers: types, zero values and absent sub-messages", () => {
    const list = Array.from({ length: 200 }, (_, i) => kubeletContainer(i));
    const bytes = toBinary(
      ListContainersResponseSchema,
      create(ListContainersResponseSchema, { containers: list }),
    );
    const { fellBack, fast } = expectSameAsFromBinary(containers, bytes);
    expect(fellBack).toBe(false);
    if (!("value" in fast)) throw new Error(fast.error);
    expect((fast.value as { containers: Container[] }).containers[1]).toStrictEqual({
      $typeName: "runtime.v1.Container",
      id: `${1}`.padStart(64, "c"),
      podSandboxId: `${1}`.padStart(64, "s"),
      imageRef: "sha256:d07fe1a2f33e48c5c26681b5f0c7736ebcdcf9f3c10c2748aea0d45e65194f22",
      state: 1,
      createdAt: 1_795_739_508_531_000_001n,
      labels: { "io.kubernetes.container.name": "c1", "io.kubernetes.pod.uid": "uid-1" },
      annotations: { "io.kubernetes.container.restartCount": "0" },
      imageId: "",
      metadata: { $typeName: "runtime.v1.ContainerMetadata", name: "c1", attempt: 1 },
      image: {
        $typeName: "runtime.v1.ImageSpec",
        image: "docker.io/library/busybox:latest",
        annotations: {},
        userSpecifiedImage: "",
        runtimeHandler: "",
        imageRef: "",
      },
    });
    expect(decodeListContainersResponse(new Uint8Array(0))).toStrictEqual({
      $typeName: "runtime.v1.ListContainersResponse",
      containers: [],
    });
  });

  it("orders sub-messages as they arrive, as fromBinary does", () => {
    const bytes = oneContainer((w) => {
      w.tag(4, 2).bytes(new BinaryWriter().tag(1, 2).string("busybox").finish()); // image first
      w.tag(8, 2).bytes(entry("app", "web"));
      w.tag(3, 2).bytes(new BinaryWriter().tag(1, 2).string("c").finish());
      w.tag(1, 2).string("id");
    });
    const { fellBack, fast } = expectSameAsFromBinary(containers, bytes);
    expect(fellBack).toBe(false);
    expect(Object.keys(firstContainer(fast)).slice(-2)).toEqual(["image", "metadata"]);
  });

  it("keeps the last of repeated scalar fields and map keys, and zero-fills incomplete map entries", () => {
    const bytes = oneContainer((w) => {
      w.tag(1, 2).string("first").tag(1, 2).string("second");
      w.tag(8, 2).bytes(entry("k", "1"));
      w.tag(8, 2).bytes(entry("k", "2"));
      w.tag(8, 2).bytes(entry("v-first", "x", true));
      w.tag(8, 2).bytes(entry(undefined, "no key"));
      w.tag(9, 2).bytes(entry("no value", undefined));
      w.tag(9, 2).bytes(entry(undefined, undefined));
    });
    const { fellBack } = expectSameAsFromBinary(containers, bytes);
    expect(fellBack).toBe(false);
  });

  it("drops a __proto__ map key and strips a leading BOM, as fromBinary does", () => {
    const bytes = oneContainer((w) => {
      w.tag(8, 2).bytes(entry("__proto__", "polluted"));
      w.tag(8, 2).bytes(entry("\uFEFFkey", "\uFEFFvalue"));
      w.tag(1, 2).string("\uFEFF");
    });
    const { fellBack, fast } = expectSameAsFromBinary(containers, bytes);
    expect(fellBack).toBe(false);
    const container = firstContainer(fast);
    expect(Object.keys(container.labels)).toEqual(["key"]);
    expect(Object.getPrototypeOf(container.labels)).toBe(Object.prototype);
    expect(container.id).toBe("");
  });

  it("reads negative enums, full-width uint32 and non-minimal varints like fromBinary", () => {
    const bytes = oneContainer((w) => {
      w.tag(6, 0).int32(-3); // ten bytes on the wire
      w.tag(3, 2).bytes(
        new BinaryWriter()
          .tag(2, 0)
          .uint32(2 ** 32 - 1)
          .finish(),
      );
      w.tag(7, 0).int64(-(2n ** 63n));
      w.raw(new Uint8Array([0x0a, 0x82, 0x00, 0x68, 0x69])); // id "hi" with a two-byte length
      w.raw(new Uint8Array([0x92, 0x00, 0x01, 0x78])); // podSandboxId "x" with a two-byte tag
    });
    const { fellBack } = expectSameAsFromBinary(containers, bytes);
    expect(fellBack).toBe(false);
  });

  it("falls back to fromBinary and keeps unknown fields in $unknown, at any depth", () => {
    const inContainer = oneContainer((w) => {
      w.tag(1, 2).string("id");
      w.tag(99, 0).uint32(7);
    });
    const inMetadata = oneContainer((w) => {
      w.tag(3, 2).bytes(new BinaryWriter().tag(1, 2).string("c").tag(5, 2).string("new").finish());
    });
    const atTop = new BinaryWriter().tag(2, 5).fixed32(1).finish();
    const inSandbox = new BinaryWriter()
      .tag(1, 2)
      .bytes(new BinaryWriter().tag(8, 2).string("a new field").finish())
      .finish();

    for (const bytes of [inContainer, inMetadata, atTop]) {
      const { fellBack, fast } = expectSameAsFromBinary(containers, bytes);
      expect(fellBack).toBe(true);
      expect(fast).toMatchObject({ value: expect.anything() });
    }
    const unknown = (result: ReturnType<typeof outcome>, path: (v: never) => unknown) =>
      "value" in result ? path(result.value as never) : undefined;
    const container = (bytes: Uint8Array) => decodeBoth(containers, bytes).fast;
    expect(firstContainer(container(inContainer)).$unknown).toEqual([
      { no: 99, wireType: 0, data: new Uint8Array([7]) },
    ]);
    expect(firstContainer(container(inMetadata)).metadata?.$unknown).toHaveLength(1);
    expect(unknown(container(atTop), (v: { $unknown?: unknown[] }) => v.$unknown)).toHaveLength(1);
    const { fellBack, fast } = expectSameAsFromBinary(sandboxes, inSandbox);
    expect(fellBack).toBe(true);
    expect(
      unknown(fast, (v: { items: Array<{ $unknown?: unknown[] }> }) => v.items[0]?.$unknown),
    ).toHaveLength(1);
  });

  it("merges a repeated sub-message field as fromBinary does (by falling back)", () => {
    const bytes = oneContainer((w) => {
      w.tag(3, 2).bytes(new BinaryWriter().tag(1, 2).string("name").finish());
      w.tag(3, 2).bytes(new BinaryWriter().tag(2, 0).uint32(4).finish());
    });
    const { fellBack, fast } = expectSameAsFromBinary(containers, bytes);
    expect(fellBack).toBe(true);
    expect(firstContainer(fast).metadata).toMatchObject({ name: "name", attempt: 4 });
  });

  it("throws fromBinary's error on every truncation of a valid response, or decodes the same prefix", () => {
    const r = random(7);
    const list = [kubeletContainer(1), randomContainer(r), randomContainer(r)];
    const items = [randomSandbox(r), randomSandbox(r)];
    const cases = [
      {
        c: containers,
        bytes: toBinary(
          ListContainersResponseSchema,
          create(ListContainersResponseSchema, { containers: list }),
        ),
      },
      {
        c: sandboxes,
        bytes: toBinary(ListPodSandboxResponseSchema, create(ListPodSandboxResponseSchema, { items })),
      },
    ] as const;
    let thrown = 0;
    for (const { c, bytes } of cases) {
      for (let length = 0; length < bytes.length; length++) {
        const { fast } = expectSameAsFromBinary(c as Case<DescMessage>, bytes.subarray(0, length));
        if ("error" in fast) thrown++;
      }
    }
    expect(thrown).toBeGreaterThan(0);
  });

  it("throws fromBinary's error on invalid UTF-8, in a field or a map key", () => {
    const invalid = new Uint8Array([0x61, 0xff, 0x62]);
    const inField = oneContainer((w) => w.tag(1, 2).bytes(invalid));
    const inKey = oneContainer((w) =>
      w.tag(8, 2).bytes(new BinaryWriter().tag(1, 2).bytes(invalid).finish()),
    );
    for (const bytes of [inField, inKey]) {
      const { fast } = expectSameAsFromBinary(containers, bytes);
      expect(fast).toMatchObject({ error: expect.stringContaining("TypeError") });
      expect(() => decodeListContainersResponse(bytes)).toThrow();
    }
  });

  it("matches fromBinary on 1,000 randomly corrupted responses: same message or same error", () => {
    const r = random(0xbad);
    const c = containers as Case<DescMessage>;
    const s = sandboxes as Case<DescMessage>;
    const seen = { decodedFast: 0, fellBack: 0, threw: 0 };
    for (let i = 0; i < 1_000; i++) {
      const which = r.chance(0.5);
      const bytes = new Uint8Array(which ? containerList(r) : sandboxList(r));
      if (bytes.length === 0) continue;
      for (let flips = 1 + r.int(3); flips > 0; flips--) bytes[r.int(bytes.length)] = r.int(256);
      const { fellBack, fast } = expectSameAsFromBinary(which ? c : s, bytes);
      if ("error" in fast) seen.threw++;
      else if (fellBack) seen.fellBack++;
      else seen.decodedFast++;
    }
    // Each kind happened: corruption inside an ASCII string keeps the structure and decodes on the fast
    // path; a corrupted tag may make an unknown field, which only fromBinary keeps; most break the message.
    expect(seen.decodedFast).toBeGreaterThan(50);
    expect(seen.fellBack).toBeGreaterThan(5);
    expect(seen.threw).toBeGreaterThan(50);
  });
});

describe("toGrpcServiceDefinition's responseDecoders", () => {
  it("uses a decoder for the response of the method whose output it names, and fromBinary elsewhere", () => {
    const definition = toGrpcServiceDefinition(RuntimeService, { responseDecoders: FAST_RESPONSE_DECODERS });
    expect(definition.listContainers?.responseDeserialize).toBe(decodeListContainersResponse);
    expect(definition.listPodSandbox?.responseDeserialize).toBe(decodeListPodSandboxResponse);
    expect(definition.listContainers?.requestDeserialize).not.toBe(decodeListContainersResponse);

    const bytes = toBinary(
      ListContainersResponseSchema,
      create(ListContainersResponseSchema, { containers: [kubeletContainer(1)] }),
    );
    const plain = toGrpcServiceDefinition(RuntimeService);
    expect(plain.listContainers?.responseDeserialize(Buffer.from(bytes))).toStrictEqual(
      definition.listContainers?.responseDeserialize(Buffer.from(bytes)),
    );
    fromBinaryCalls.mockClear();
    definition.version?.responseDeserialize(Buffer.alloc(0));
    expect(fromBinaryCalls).toHaveBeenCalledTimes(1);
  });
});
