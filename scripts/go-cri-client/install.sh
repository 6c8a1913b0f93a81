#!/usr/bin/env bash
# Installs, from Debian bookworm's packages, what scripts/go-cri-client/build.sh needs to build the
# Go CRI client offline: Go 1.19, grpc-go 1.33 and golang/protobuf 1.3 sources (GOPATH layout under
# /usr/share/gocode), protoc, protoc-gen-go (golang/protobuf 1.3) and protoc-gen-go-grpc.
# Does nothing when everything is already there. Needs root (or sudo).
set -euo pipefail

packages=(golang-go golang-google-grpc-dev golang-goprotobuf-dev protobuf-compiler protoc-gen-go-grpc)

installed() {
  command -v go >/dev/null 2>&1 &&
    command -v protoc >/dev/null 2>&1 &&
    [[ -x /usr/bin/protoc-gen-go && -x /usr/bin/protoc-gen-go-grpc ]] &&
    [[ -d /usr/share/gocode/src/google.golang.org/grpc && -d /usr/share/gocode/src/github.com/golang/protobuf/proto ]]
}

if installed; then
  echo "go-cri-client: toolchain already installed ($(go version))"
  exit 0
fi

sudo=()
if [[ ${EUID} -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "go-cri-client: installing ${packages[*]} needs root" >&2
    exit 1
  fi
  sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
apt_get=("${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300)

# Refresh the package lists only when apt knows no candidate for Go (fresh machine, empty lists).
if ! apt-cache policy golang-go 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  "${apt_get[@]}" update
fi
if ! "${apt_get[@]}" install -y --no-install-recommends "${packages[@]}"; then
  # Stale lists (a package version gone from the mirror): refresh once and retry.
  "${apt_get[@]}" update
  "${apt_get[@]}" install -y --no-install-recommends "${packages[@]}"
fi

if ! installed; then
  echo "go-cri-client: packages installed but the toolchain is incomplete" >&2
  exit 1
fi
echo "go-cri-client: installed $(go version), $(protoc --version)"
