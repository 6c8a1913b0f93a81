/**
 * @kubelet-kit/cri-api is a schema-only package: it exposes the protobuf-es
 * code generated from our CRI v1 (`runtime.v1`) proto and nothing else, so a
 * single star re-export of the generated module is the whole public surface.
 */
export * from "./gen/runtime/v1/api_pb.js";
