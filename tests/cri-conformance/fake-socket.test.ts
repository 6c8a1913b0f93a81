import { defineCriConformance } from "./scenarios.js";
import { createSocketFakeTarget } from "./support/fake-target.js";

// The fake runtime served with grpc-js on a unix socket in a temporary directory, reached through the same
// gRPC client a real runtime is, on the real clock.
defineCriConformance("fake runtime (unix socket)", createSocketFakeTarget);
