#!/usr/bin/env bash
# Stops the private containerd started by start.sh and removes everything it left: its tasks and
# containers (CRI sandboxes included), the containerd process (by its pid file: TERM, then KILL), the
# shims, mounts under the state directory (rootfs, netns), the CNI bridge, and the state directory itself.
#
# Usage: stop.sh [STATE_DIR]   Safe to run when nothing is running; always exits 0 unless it cannot remove
# the state directory.
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
resolve_state "${1:-}"

t0=$SECONDS
pid=$(running_pid || true)
# Every sandbox id this containerd knew (the CRI keeps a directory per sandbox), for the CNI cache clean-up.
ids=()
if [[ -d $STATE/root/io.containerd.grpc.v1.cri/sandboxes ]]; then
  for d in "$STATE"/root/io.containerd.grpc.v1.cri/sandboxes/*/; do [[ -d $d ]] && ids+=("$(basename "$d")"); done
fi

# 1. Tasks and containers, while containerd still answers. The CRI's own containers are in k8s.io; a
#    manual `ctr run` may have used the default namespace.
if [[ -n $pid ]] && ctr --address "$SOCK" version >/dev/null 2>&1; then
  for ns in $(ctr --address "$SOCK" namespaces ls -q 2>/dev/null || true); do
    nctr() { ctr --address "$SOCK" --namespace "$ns" "$@"; }
    tasks=$(nctr tasks ls -q 2>/dev/null || true)
    for id in $tasks; do nctr tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    for id in $tasks; do
      # Wait (up to ~5 s) for the task to stop, then delete it.
      for _ in $(seq 50); do
        nctr tasks ls 2>/dev/null | awk -v id="$id" '$1 == id && $3 != "STOPPED" {found = 1} END {exit !found}' || break
        sleep 0.1
      done
      nctr tasks rm -f "$id" >/dev/null 2>&1 || true
    done
    for id in $(nctr containers ls -q 2>/dev/null || true); do
      nctr containers rm "$id" >/dev/null 2>&1 || true
    done
  done
fi

# 2. containerd itself.
if [[ -n $pid ]]; then
  # Alive = exists and is not a zombie waiting for its (adoptive) parent to reap it.
  alive() { [[ -r /proc/$1/stat ]] && ! awk '{exit !($3 == "Z")}' "/proc/$1/stat" 2>/dev/null; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then
    echo "stop.sh: containerd (pid $pid) ignored TERM for 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
fi

# 3. Shims (and their containers) that outlived containerd: shims are started with our socket in their
#    command line (`-address <state>/containerd.sock`). Killing a shim leaves its container running, so
#    kill the container processes first: they are the shim's children.
shims=$(pgrep -f -- "containerd-shim.* -address $SOCK( |$)" || true)
for shim in $shims; do
  pkill -KILL -P "$shim" 2>/dev/null || true
  kill -KILL "$shim" 2>/dev/null || true
done

# 4. Mounts under the state directory (container rootfs, network namespaces, shm): deepest first.
if [[ -d $STATE ]]; then
  awk -v state="$STATE/" 'index($2, state) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
fi

# 5. The pod network's bridge (the veths went with their namespaces) and libcni's result cache for our
#    sandboxes (kept under /var/lib/cni whatever our dirs; a CRI StopPodSandbox would have removed them).
if ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then ip link del "$CNI_BRIDGE" 2>/dev/null || true; fi
rm -f /var/lib/cni/results/"$CNI_NETWORK"-* 2>/dev/null || true
for id in "${ids[@]}"; do rm -f /var/lib/cni/results/cni-loopback-"$id"-* 2>/dev/null || true; done

# 6. The state directory. Refuse anything that is obviously not ours.
if [[ -d $STATE ]]; then
  case $STATE in
    / | "$HOME" | "$REPO_ROOT") echo "stop.sh: refusing to remove $STATE" >&2; exit 1 ;;
  esac
  # Keep the containerd log of a failed run for inspection when asked to.
  if [[ -n ${KUBELET_KIT_KEEP_LOG:-} && -s $LOG ]]; then cp "$LOG" "$KUBELET_KIT_KEEP_LOG" || true; fi
  rm -rf "$STATE"
fi
echo "stop.sh: stopped and cleaned $STATE in $((SECONDS - t0)) s"
