import { createFakeClock, isKubeletKitError } from "@kubelet-kit/core";
import { NamespaceMode } from "@kubelet-kit/cri-api";
import { describe, expect, it } from "vitest";
import { createRuntimeService } from "../client.js";
import { createFakeRuntime } from "./index.js";
import { PodAddressPool, parsePodSubnet } from "./pod-subnet.js";

function thrown(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (isKubeletKitError(err)) return err;
    throw err;
  }
  throw new Error("expected a throw");
}

const podConfig = (name: string, hostNetwork = false) => ({
  metadata: { name, uid: `uid-${name}`, namespace: "ns", attempt: 0 },
  ...(hostNetwork
    ? { linux: { securityContext: { namespaceOptions: { network: NamespaceMode.NODE } } } }
    : {}),
});

function setup(podSubnet?: string) {
  const fake = createFakeRuntime({
    clock: createFakeClock(),
    ...(podSubnet === undefined ? {} : { podSubnet }),
  });
  const runtime = createRuntimeService({ transport: fake.transport });
  const run = async (name: string, hostNetwork = false) =>
    (await runtime.runPodSandbox({ config: podConfig(name, hostNetwork) })).podSandboxId;
  const ip = async (podSandboxId: string) =>
    (await runtime.podSandboxStatus({ podSandboxId })).status?.network?.ip;
  return { fake, runtime, run, ip };
}

describe("fake runtime: podSubnet", () => {
  it("hands out 10.88.0.2, 10.88.0.3, … by default, skipping host-network sandboxes", async () => {
    const { fake, run, ip } = setup();
    expect(await ip(await run("a"))).toBe("10.88.0.2");
    expect(await ip(await run("host", true))).toBe("");
    expect(await ip(await run("b"))).toBe("10.88.0.3");
    fake.close();
  });

  it("keeps the default sequence across octets, as before the option existed", () => {
    const pool = new PodAddressPool(parsePodSubnet("10.88.0.0/16"));
    const ips = Array.from({ length: 300 }, (_, i) => pool.allocate(new Set(), `s${i}`));
    expect(ips.slice(0, 2)).toEqual(["10.88.0.2", "10.88.0.3"]);
    expect(ips.slice(253, 256)).toEqual(["10.88.0.255", "10.88.1.0", "10.88.1.1"]);
  });

  it("allocates from the given subnet in order, after its gateway (network + 1)", async () => {
    const { fake, run, ip } = setup("127.77.4.0/24");
    expect(await ip(await run("a"))).toBe("127.77.4.2");
    expect(await ip(await run("b"))).toBe("127.77.4.3");
    fake.close();
  });

  it("ignores host bits, as Go's ParseCIDR does", () => {
    const subnet = parsePodSubnet("127.77.4.99/24");
    expect(new PodAddressPool(subnet).allocate(new Set(), "s")).toBe("127.77.4.2");
  });

  it("does not reuse a released address before wrapping, then skips held ones, then fails when all are held", async () => {
    // A /29 has 8 addresses: network, gateway .1, sandboxes .2–.6, broadcast .7.
    const { fake, runtime, run, ip } = setup("127.77.5.0/29");
    const ids: string[] = [];
    for (const name of ["a", "b", "c", "d", "e"]) ids.push(await run(name));
    expect(await Promise.all(ids.map(ip))).toEqual([
      "127.77.5.2",
      "127.77.5.3",
      "127.77.5.4",
      "127.77.5.5",
      "127.77.5.6",
    ]);
    const full = await runtime.runPodSandbox({ config: podConfig("f") }).catch((err: unknown) => err);
    expect(full).toMatchObject({ code: "Unknown" });
    expect((full as Error).message).toMatch(
      /failed to setup network for sandbox "[0-9a-f]{64}": .*failed to allocate for range 0: no IP addresses available in range set: 127\.77\.5\.1-127\.77\.5\.6$/,
    );
    // Stopping releases the address (the network namespace is gone); removing too.
    await runtime.stopPodSandbox({ podSandboxId: ids[3] as string });
    await runtime.removePodSandbox({ podSandboxId: ids[1] as string });
    expect(await ip(await run("g"))).toBe("127.77.5.3");
    expect(await ip(await run("h"))).toBe("127.77.5.5");
    fake.close();
  });

  it("continues after the last address handed out, not from the lowest free one", () => {
    const pool = new PodAddressPool(parsePodSubnet("127.77.6.0/29"));
    expect(pool.allocate(new Set(), "a")).toBe("127.77.6.2");
    expect(pool.allocate(new Set(), "b")).toBe("127.77.6.3");
    // .2 is free again, but .4 comes first.
    expect(pool.allocate(new Set(["127.77.6.3"]), "c")).toBe("127.77.6.4");
  });

  it.each([
    ["10.88.0.0", "is not an IPv4 CIDR"],
    ["10.88.0.0/33", "is not an IPv4 CIDR"],
    ["10.256.0.0/16", "is not an IPv4 CIDR"],
    ["fd00::/64", "is not an IPv4 CIDR"],
    ["", "is not an IPv4 CIDR"],
    ["10.0.0.0/31", "has no room for a pod address"],
    ["10.0.0.1/32", "has no room for a pod address"],
  ])("rejects podSubnet %j: %s", (podSubnet, why) => {
    const err = thrown(() => createFakeRuntime({ podSubnet }));
    expect(err.code).toBe("InvalidArgument");
    expect(err.rawMessage).toContain(`podSubnet: ${JSON.stringify(podSubnet)} ${why}`);
  });

  it("accepts the smallest subnet with room, a /30 (one sandbox address)", async () => {
    const { fake, run, ip } = setup("127.77.7.0/30");
    expect(await ip(await run("a"))).toBe("127.77.7.2");
    await expect(run("b")).rejects.toMatchObject({ code: "Unknown" });
    fake.close();
  });
});
