# shellcheck shell=bash disable=SC2034  # (sets variables for the scripts that source it)
# Sourced by the scripts in this directory (not run on its own). Derives every path from the repository
# root or from the state directory, so nothing machine-specific is baked in.
#
# State directory: the first argument of the calling script, else $KUBELET_KIT_CONTAINERD_STATE, else
# <repo>/.tmp/containerd (git-ignored). Everything the private containerd owns lives under it.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCRIPT_DIR="$REPO_ROOT/scripts/containerd"
# runc, ip and friends live in sbin, which a non-login environment may leave out of PATH; containerd
# itself finds runc (and its shim) through PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# resolve_state [ARG]: sets STATE (absolute) and the paths derived from it.
resolve_state() {
  local dir=${1:-${KUBELET_KIT_CONTAINERD_STATE:-}}
  if [[ -z $dir ]]; then
    dir="$REPO_ROOT/.tmp/containerd"
    # Unix socket paths are limited to 108 bytes: under a deep checkout, fall back to a short directory
    # that is still the same for every script run from this checkout.
    if ((${#dir} > 80)); then
      dir="${TMPDIR:-/tmp}/kkit-containerd-$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12)"
    fi
  fi
  mkdir -p "$dir"
  STATE=$(cd "$dir" && pwd)
  SOCK="$STATE/containerd.sock"
  CONFIG="$STATE/config.toml"
  LOG="$STATE/containerd.log"
  PIDFILE="$STATE/containerd.pid"
  SNAPSHOTTER_FILE="$STATE/snapshotter"
  ENDPOINT="unix://$SOCK"
  # Pod network; override both when two private containerds must run side by side on one machine.
  CNI_BRIDGE=${KUBELET_KIT_CNI_BRIDGE:-kkit0}
  CNI_SUBNET_PREFIX=${KUBELET_KIT_CNI_SUBNET_PREFIX:-10.88.77}
  CNI_NETWORK=kubelet-kit-$CNI_BRIDGE
}

# The snapshotter start.sh chose (overlayfs, or native where overlay mounts fail).
snapshotter() {
  if [[ -s $SNAPSHOTTER_FILE ]]; then cat "$SNAPSHOTTER_FILE"; else echo overlayfs; fi
}

# ctr against our socket, in the CRI's namespace.
kctr() {
  ctr --address "$SOCK" --namespace k8s.io "$@"
}

# Prints the pid of our containerd if it is running (pid file present and that process is a containerd
# started with our config); returns non-zero otherwise.
running_pid() {
  [[ -s $PIDFILE ]] || return 1
  local pid
  pid=$(<"$PIDFILE")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$CONFIG" || return 1
  echo "$pid"
}
