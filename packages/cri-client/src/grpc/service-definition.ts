import { create, type DescMethod, type DescService, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";

/**
 * Decodes the bytes of one response message. It must return exactly what `fromBinary` returns for the
 * method's output schema (same message, same errors): callers cannot tell which decoder ran.
 */
export type ResponseDecoder = (bytes: Uint8Array) => unknown;

/** Options of {@link toGrpcServiceDefinition}. */
export interface GrpcServiceDefinitionOptions {
  /**
   * Response decoders to use instead of `fromBinary`, keyed by the response message's type name (e.g.
   * `runtime.v1.ListContainersResponse`). Only the response side of a client uses them. Default: none,
   * `fromBinary` everywhere. The client transport passes hand-written decoders for the list responses
   * the kubelet polls.
   */
  responseDecoders?: Readonly<Record<string, ResponseDecoder>>;
}

/**
 * Turns a protobuf-es service descriptor into a grpc-js `ServiceDefinition`, keyed by the method's
 * `localName` (`version`, `listContainers`, …). Used by the client transport and by gRPC servers
 * (`server.addService(toGrpcServiceDefinition(RuntimeService), impl)`).
 *
 * Serializers accept a message or a plain init object (`create` returns messages unchanged).
 */
export function toGrpcServiceDefinition(
  service: DescService,
  options: GrpcServiceDefinitionOptions = {},
): ServiceDefinition {
  const decoders = options.responseDecoders ?? {};
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = toMethodDefinition(service, method, decoders[method.output.typeName]);
  }
  return definition;
}

function toMethodDefinition(
  service: DescService,
  method: DescMethod,
  decodeResponse: ResponseDecoder | undefined,
): MethodDefinition<unknown, unknown> {
  const { input, output, methodKind } = method;
  return {
    path: `/${service.typeName}/${method.name}`,
    requestStream: methodKind === "client_streaming" || methodKind === "bidi_streaming",
    responseStream: methodKind === "server_streaming" || methodKind === "bidi_streaming",
    requestSerialize: (value) => toBuffer(toBinary(input, create(input, value as never))),
    requestDeserialize: (bytes) => fromBinary(input, bytes),
    responseSerialize: (value) => toBuffer(toBinary(output, create(output, value as never))),
    responseDeserialize: decodeResponse ?? ((bytes) => fromBinary(output, bytes)),
    // grpc-js servers fall back to this key, so implementations may be keyed `Version` as well as `version`.
    originalName: method.name,
  };
}

// A view, not a copy: grpc-js only reads the bytes.
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
