#!/usr/bin/env bash
# Builds the test images from the host's static busybox and imports them into the private containerd
# (namespace k8s.io, where the CRI looks), so no test ever needs a registry:
#   docker.io/library/busybox:latest, docker.io/library/busybox:1.36   (one image, two tags; Cmd ["sh"])
#   docker.io/kubelet-kit/test:1                                        (same layer, its own config/ID)
#   registry.k8s.io/pause:3.10   (the sandbox image: same layer, Cmd ["sleep","2147483647"])
# Every image is the same single layer: /bin/busybox + applet symlinks, /etc/passwd, /etc/group, /tmp.
# The images get distinct image IDs (config digests) except the two busybox tags, so removing one test
# image through the CRI (which removes every tag of that ID) never takes the sandbox image with it.
#
# Usage: build-images.sh [STATE_DIR]   (containerd must be running: see start.sh)
# Idempotent: the archive is byte-for-byte reproducible and re-importing replaces the same images.
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
resolve_state "${1:-}"

BUSYBOX=${KUBELET_KIT_BUSYBOX:-/bin/busybox}
APPLETS=(sh sleep echo cat ls wget nc httpd true false env id mkdir rm touch printf test kill ps head tail
  grep sed yes)
BUSYBOX_TAGS=(docker.io/library/busybox:latest docker.io/library/busybox:1.36)
TEST_TAG=docker.io/kubelet-kit/test:1
PAUSE_TAG=registry.k8s.io/pause:3.10
ENV_PATH="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

[[ -x $BUSYBOX ]] || { echo "build-images.sh: ERROR: $BUSYBOX missing (run install.sh)" >&2; exit 1; }
[[ -S $SOCK ]] || { echo "build-images.sh: ERROR: no containerd socket at $SOCK (run start.sh)" >&2; exit 1; }

# OCI architecture name of this machine.
case $(dpkg --print-architecture 2>/dev/null || uname -m) in
  amd64 | x86_64) ARCH=amd64 ;;
  arm64 | aarch64) ARCH=arm64 ;;
  armhf | armel | armv7l) ARCH=arm ;;
  i386 | i686) ARCH=386 ;;
  ppc64el | ppc64le) ARCH=ppc64le ;;
  s390x) ARCH=s390x ;;
  riscv64) ARCH=riscv64 ;;
  *) ARCH=$(dpkg --print-architecture) ;;
esac

work="$STATE/image-build"
rm -rf "$work"
mkdir -p "$work/rootfs" "$work/archive"

# --- root filesystem ---------------------------------------------------------------------------------
root="$work/rootfs"
mkdir -p "$root"/{bin,etc,root,tmp,proc,sys,dev,var/log}
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
install -m 0755 "$BUSYBOX" "$root/bin/busybox"
for applet in "${APPLETS[@]}"; do
  ln -sf busybox "$root/bin/$applet"
done
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
  >"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
chmod 0644 "$root/etc/passwd" "$root/etc/group"

# Reproducible tar: sorted names, fixed mtime, numeric root ownership, no PAX atime/ctime noise.
det_tar() {
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu "$@"
}

# --- the layer -------------------------------------------------------------------------------------
det_tar -C "$root" -cf "$work/layer.tar" bin etc root tmp proc sys dev var
layer_sha=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mkdir -p "$work/archive/$layer_sha"
mv "$work/layer.tar" "$work/archive/$layer_sha/layer.tar"

# --- image configs ---------------------------------------------------------------------------------
# write_config CMD_JSON IMAGE_LABEL → prints the config's file name inside the archive.
write_config() {
  local cmd=$1 label=$2 file sha
  file="$work/config.json"
  printf '{"architecture":"%s","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Cmd":%s,"Env":["%s"],"WorkingDir":"/","Labels":{"org.kubelet-kit.image":"%s"}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"scripts/containerd/build-images.sh"}]}' \
    "$ARCH" "$cmd" "$ENV_PATH" "$label" "$layer_sha" >"$file"
  sha=$(sha256sum "$file" | cut -d' ' -f1)
  mv "$file" "$work/archive/$sha.json"
  echo "$sha.json"
}
busybox_cfg=$(write_config '["sh"]' busybox)
test_cfg=$(write_config '["sh"]' test)
pause_cfg=$(write_config '["sleep","2147483647"]' pause)

# --- docker-archive manifest ---------------------------------------------------------------------------
# json_tags TAG...: prints "TAG1","TAG2",...
json_tags() { printf '"%s"' "$1"; shift; for t in "$@"; do printf ',"%s"' "$t"; done; }
layer_path="$layer_sha/layer.tar"
cat >"$work/archive/manifest.json" <<JSON
[
 {"Config":"$busybox_cfg","RepoTags":[$(json_tags "${BUSYBOX_TAGS[@]}")],"Layers":["$layer_path"]},
 {"Config":"$test_cfg","RepoTags":["$TEST_TAG"],"Layers":["$layer_path"]},
 {"Config":"$pause_cfg","RepoTags":["$PAUSE_TAG"],"Layers":["$layer_path"]}
]
JSON
archive="$STATE/images.tar"
det_tar -C "$work/archive" -cf "$archive" manifest.json "$busybox_cfg" "$test_cfg" "$pause_cfg" "$layer_path"
rm -rf "$work"

# --- import and check ----------------------------------------------------------------------------------
snap=$(snapshotter)
kctr images import --snapshotter "$snap" "$archive" >/dev/null

listed=$(kctr images ls -q)
for tag in "${BUSYBOX_TAGS[@]}" "$TEST_TAG" "$PAUSE_TAG"; do
  grep -qxF "$tag" <<<"$listed" || { echo "build-images.sh: ERROR: $tag not listed after import" >&2; exit 1; }
  # The CRI creates containers from the unpacked snapshot; make sure it exists for our snapshotter.
  kctr images check "name==$tag" | grep -q complete ||
    { echo "build-images.sh: ERROR: $tag incomplete after import" >&2; exit 1; }
done
echo "build-images.sh: imported ${BUSYBOX_TAGS[*]} $TEST_TAG $PAUSE_TAG ($ARCH, snapshotter $snap)"
