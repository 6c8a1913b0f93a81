import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through this export condition,
// so no test needs a prior build.
const conditions = ["@kubelet-kit/source"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["packages/*/src/**/*.test.ts", "examples/*/src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: { name: "fake", include: ["tests/cri-conformance/fake-*.test.ts"], testTimeout: 30_000 },
      },
      {
        extends: true,
        // The pod lifecycle scenarios on the fake runtime and a fake clock (tests/e2e).
        test: { name: "e2e-fake", include: ["tests/e2e/fake/**/*.test.ts"], testTimeout: 60_000 },
      },
      {
        extends: true,
        // Root-only suites that install what they need: the CRI scenarios against a real containerd (needs
        // KUBELET_KIT_CONTAINERD_ENDPOINT, which scripts/containerd/run-suite.sh sets after starting it), and a
        // Go gRPC client driving the fake runtime over its socket.
        test: {
          name: "containerd",
          include: [
            "tests/cri-conformance/containerd.test.ts",
            "tests/go-cri-client/*.test.ts",
            "tests/e2e/containerd/**/*.test.ts",
          ],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
