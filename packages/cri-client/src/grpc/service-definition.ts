import { create, type DescMethod, type DescService, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";

/**
 * Turns a protobuf-es service descriptor into a grpc-js `ServiceDefinition`, keyed by the method's
 * `localName` (`version`, `listContainers`, …). Used by the client transport and by gRPC servers
 * (`server.addService(toGrpcServiceDefinition(RuntimeService), impl)`).
 *
 * Serializers accept a message or a plain init object (`create` returns messages unchanged).
 */
export function toGrpcServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = toMethodDefinition(service, method);
  }
  return definition;
}

function toMethodDefinition(service: DescService, method: DescMethod): MethodDefinition<unknown, unknown> {
  const { input, output, methodKind } = method;
  return {
    path: `/${service.typeName}/${method.name}`,
    requestStream: methodKind === "client_streaming" || methodKind === "bidi_streaming",
    responseStream: methodKind === "server_streaming" || methodKind === "bidi_streaming",
    requestSerialize: (value) => toBuffer(toBinary(input, create(input, value as never))),
    requestDeserialize: (bytes) => fromBinary(input, bytes),
    responseSerialize: (value) => toBuffer(toBinary(output, create(output, value as never))),
    responseDeserialize: (bytes) => fromBinary(output, bytes),
    // grpc-js servers fall back to this key, so implementations may be keyed `Version` as well as `version`.
    originalName: method.name,
  };
}

// A view, not a copy: grpc-js only reads the bytes.
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
