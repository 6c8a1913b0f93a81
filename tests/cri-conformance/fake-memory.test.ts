import { defineCriConformance } from "./scenarios.js";
import { createInMemoryFakeTarget } from "./support/fake-target.js";

// The fake runtime of @kubelet-kit/cri-client/testing through its in-memory transport, on the real clock.
defineCriConformance("fake runtime (in memory)", createInMemoryFakeTarget);
