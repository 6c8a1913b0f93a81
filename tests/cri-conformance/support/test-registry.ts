import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A minimal OCI distribution registry on loopback, serving tiny one-layer images built on the fly.
 *
 * It exists so that `PullImage` and `RemoveImage` can be exercised for real against containerd on a
 * machine without registry access, on images no other test needs. containerd talks plain HTTP to
 * `localhost:<port>` registries without any configuration. The fake runtime does not fetch; its
 * targets only declare the same references as pullable.
 */
export interface TestRegistry {
  /** `localhost:<port>`. */
  readonly host: string;
  /** A reference the registry serves: `localhost:<port>/kubelet-kit/<name>:<tag>`, one distinct image per call. */
  image(name: string, tag: string): string;
  /** Serves the image of `reference` (from {@link image}) under one more tag of the same repository. */
  alias(reference: string, tag: string): string;
  /** A reference under the registry's host that it answers 404 for. */
  missing(name: string, tag: string): string;
  close(): Promise<void>;
}

interface Blob {
  readonly mediaType: string;
  readonly bytes: Buffer;
}

const MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
const CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";
const LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar";

/** Starts the registry on 127.0.0.1 and an ephemeral port. */
export async function startTestRegistry(): Promise<TestRegistry> {
  const blobs = new Map<string, Blob>();
  // `<repository>:<tag>` and `<repository>@<digest>` → manifest digest.
  const manifests = new Map<string, string>();

  const server = createServer((req, res) => serve(req, res, blobs, manifests));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = `localhost:${port}`;

  return {
    host,
    image(name, tag) {
      const repository = `kubelet-kit/${name}`;
      const digest = addImage(blobs, `${repository}:${tag}`);
      manifests.set(`${repository}:${tag}`, digest);
      return `${host}/${repository}:${tag}`;
    },
    alias(reference, tag) {
      const at = reference.lastIndexOf(":");
      const repository = reference.slice(host.length + 1, at);
      const digest = manifests.get(reference.slice(host.length + 1));
      if (digest === undefined) throw new Error(`the test registry does not serve ${reference}`);
      manifests.set(`${repository}:${tag}`, digest);
      return `${host}/${repository}:${tag}`;
    },
    missing(name, tag) {
      return `${host}/kubelet-kit/${name}:${tag}`;
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

function serve(
  req: IncomingMessage,
  res: ServerResponse,
  blobs: Map<string, Blob>,
  manifests: Map<string, string>,
) {
  const path = new URL(req.url ?? "/", "http://registry").pathname;
  if (req.method !== "GET" && req.method !== "HEAD") return reply(res, req, 405);
  if (path === "/v2/" || path === "/v2")
    return reply(res, req, 200, { mediaType: "application/json", bytes: Buffer.from("{}") });
  const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
  if (match === null) return reply(res, req, 404);
  const [, repository, kind, reference] = match as unknown as [string, string, string, string];
  const digest =
    kind === "blobs" || reference.startsWith("sha256:")
      ? reference
      : manifests.get(`${repository}:${reference}`);
  const blob = digest === undefined ? undefined : blobs.get(digest);
  if (digest === undefined || blob === undefined) return reply(res, req, 404);
  if (kind === "manifests" && blob.mediaType !== MANIFEST_TYPE) return reply(res, req, 404);
  res.setHeader("Docker-Content-Digest", digest);
  return reply(res, req, 200, blob);
}

function reply(res: ServerResponse, req: IncomingMessage, status: number, blob?: Blob) {
  res.statusCode = status;
  if (blob === undefined) {
    const body = Buffer.from(
      JSON.stringify({ errors: [{ code: status === 404 ? "NOT_FOUND" : "UNSUPPORTED" }] }),
    );
    res.setHeader("Content-Type", "application/json");
    res.setHeader("Content-Length", body.length);
    res.end(req.method === "HEAD" ? undefined : body);
    return;
  }
  res.setHeader("Content-Type", blob.mediaType);
  res.setHeader("Content-Length", blob.bytes.length);
  res.end(req.method === "HEAD" ? undefined : blob.bytes);
}

/** Builds a one-layer image whose only file names `identity`, so each reference is a distinct image. */
function addImage(blobs: Map<string, Blob>, identity: string): string {
  const layer = tarOneFile("kubelet-kit-image.txt", Buffer.from(`${identity}\n`));
  const layerDigest = put(blobs, LAYER_TYPE, layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: goArch(process.arch),
      os: "linux",
      config: { Cmd: ["/kubelet-kit-image.txt"] },
      rootfs: { type: "layers", diff_ids: [layerDigest] },
    }),
  );
  const configDigest = put(blobs, CONFIG_TYPE, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: { mediaType: CONFIG_TYPE, digest: configDigest, size: config.length },
      layers: [{ mediaType: LAYER_TYPE, digest: layerDigest, size: layer.length }],
    }),
  );
  return put(blobs, MANIFEST_TYPE, manifest);
}

function put(blobs: Map<string, Blob>, mediaType: string, bytes: Buffer): string {
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  blobs.set(digest, { mediaType, bytes });
  return digest;
}

function goArch(arch: string): string {
  if (arch === "x64") return "amd64";
  if (arch === "ia32") return "386";
  return arch; // arm64, arm, ppc64, s390x, riscv64 share their Go names.
}

/** A ustar archive holding one regular file (mode 0644, owned by root). */
function tarOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) =>
    header.write(value, offset, length, "ascii");
  const octal = (offset: number, length: number, value: number) =>
    field(offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
  field(0, 100, name);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, content.length);
  octal(136, 12, 0);
  field(148, 8, "        "); // checksum is computed with its own field as spaces
  field(156, 1, "0");
  field(257, 6, "ustar\0");
  field(263, 2, "00");
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}
