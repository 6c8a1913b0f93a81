#!/usr/bin/env bash
# Generates Go code for runtime.v1 from packages/cri-api/proto/runtime/v1/api.proto and builds
# tests/go-cri-client into OUT_DIR/bin/go-cri-client (default: <repo>/.tmp/go-cri-client).
# Offline, in GOPATH mode: the only Go sources used are the generated package, main.go and
# Debian's /usr/share/gocode. Nothing generated is written outside OUT_DIR.
# Prints the binary's path as its last line. Run install.sh first.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${here}/../.." && pwd)"
out="${1:-${repo}/.tmp/go-cri-client}"
proto_src="${repo}/packages/cri-api/proto/runtime/v1/api.proto"
main_src="${repo}/tests/go-cri-client/main.go"

mkdir -p "${out}"
out="$(cd "${out}" && pwd)"
gopath="${out}/gopath"
pkg_dir="${gopath}/src/kubeletkit/criv1"
cmd_dir="${gopath}/src/kubeletkit/go-cri-client"
gen_dir="${out}/gen"
proto_dir="${out}/proto"

rm -rf "${gopath}/src/kubeletkit" "${gen_dir}" "${proto_dir}"
mkdir -p "${pkg_dir}" "${cmd_dir}" "${gen_dir}" "${proto_dir}/runtime/v1" "${out}/bin"

# protoc 3.21 (bookworm) predates the `debug_redact` field option (protobuf 22+). It only marks
# fields for redaction in debug output and has no effect on the wire, so a copy without it
# generates identical messages. The original file is not touched.
sed -E 's/[[:space:]]*\[debug_redact[[:space:]]*=[[:space:]]*true\]//' "${proto_src}" >"${proto_dir}/runtime/v1/api.proto"
if grep -q 'debug_redact' "${proto_dir}/runtime/v1/api.proto"; then
  echo "go-cri-client: a debug_redact option this script cannot strip remains in ${proto_src}" >&2
  exit 1
fi

# The proto has no go_package option: map it to the import path kubeletkit/criv1 on the command
# line. protoc-gen-go 1.3 names the package after import_path; paths=source_relative puts both
# outputs next to each other, and they are moved into the GOPATH tree below.
go_map="Mruntime/v1/api.proto=kubeletkit/criv1"
protoc \
  --plugin=protoc-gen-go=/usr/bin/protoc-gen-go \
  --plugin=protoc-gen-go-grpc=/usr/bin/protoc-gen-go-grpc \
  -I "${proto_dir}" \
  --go_out="${gen_dir}" --go_opt="paths=source_relative,${go_map},import_path=kubeletkit/criv1" \
  --go-grpc_out="${gen_dir}" --go-grpc_opt="paths=source_relative,${go_map}" \
  runtime/v1/api.proto
mv "${gen_dir}/runtime/v1/api.pb.go" "${gen_dir}/runtime/v1/api_grpc.pb.go" "${pkg_dir}/"
cp "${main_src}" "${cmd_dir}/main.go"

# GOPATH mode, no network: imports resolve to the generated package and Debian's sources.
env GO111MODULE=off GOFLAGS= GOPROXY=off GOENV=off CGO_ENABLED=0 \
  GOPATH="${gopath}:/usr/share/gocode" GOCACHE="${out}/gocache" \
  go build -o "${out}/bin/go-cri-client" kubeletkit/go-cri-client

echo "${out}/bin/go-cri-client"
