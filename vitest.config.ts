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
        // Needs KUBELET_KIT_CONTAINERD_ENDPOINT; scripts/containerd/run-suite.sh starts containerd and sets it.
        test: {
          name: "containerd",
          include: ["tests/cri-conformance/containerd.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
