#!/usr/bin/env bash
# Starts a private containerd (CRI plugin included) for the real-runtime tests, on its own socket and
# directories under the state directory, then imports the test images (build-images.sh).
#
# Usage: start.sh [STATE_DIR]   (default: $KUBELET_KIT_CONTAINERD_STATE, else <repo>/.tmp/containerd)
# Last line printed: the CRI endpoint, unix://<state>/containerd.sock. Exits non-zero (after printing the
# end of containerd's log) if containerd or its CRI plugin does not come up within 30 s.
# Idempotent: when our containerd is already running it only re-imports the images; leftovers of a run that
# was killed are cleaned (stop.sh) before starting afresh.
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
resolve_state "${1:-}"

t0=$SECONDS
started_pid=""
# On failure: show why, and do not leave a half-started containerd behind (the state directory stays for
# inspection; stop.sh or the next start.sh removes it).
fail() {
  echo "start.sh: ERROR: $*" >&2
  if [[ -s $LOG ]]; then
    echo "----- last 50 lines of $LOG -----" >&2
    tail -n 50 "$LOG" >&2
    echo "-----" >&2
  fi
  if [[ -n $started_pid ]]; then kill -TERM "$started_pid" 2>/dev/null || true; fi
  exit 1
}

[[ $(id -u) -eq 0 ]] || fail "containerd must run as root"
for bin in containerd ctr runc; do command -v "$bin" >/dev/null || fail "$bin missing (run install.sh)"; done
# Unix socket paths are limited to 108 bytes; the shim and ttrpc sockets live beside ours.
((${#SOCK} < 100)) || fail "state directory path too long for a unix socket: $SOCK (set KUBELET_KIT_CONTAINERD_STATE)"

if pid=$(running_pid) && ctr --address "$SOCK" version >/dev/null 2>&1; then
  echo "start.sh: containerd already running (pid $pid)"
  "$SCRIPT_DIR/build-images.sh" "$STATE"
  echo "$ENDPOINT"
  exit 0
fi

# A previous run that was killed may have left processes, mounts or the state directory behind.
if [[ -e $PIDFILE || -e $SOCK || -d $STATE/root ]]; then
  echo "start.sh: cleaning up a previous run in $STATE"
  "$SCRIPT_DIR/stop.sh" "$STATE" >/dev/null || true
  mkdir -p "$STATE"
fi

mkdir -p "$STATE"/{root,run,cni/net.d,cni/networks,opt}

# --- snapshotter: overlayfs where the state directory's filesystem can hold overlay mounts, else native --
# (KUBELET_KIT_CONTAINERD_SNAPSHOTTER=native|overlayfs forces a choice.)
SNAP=${KUBELET_KIT_CONTAINERD_SNAPSHOTTER:-}
if [[ -z $SNAP ]]; then
  probe="$STATE/overlay-probe"
  mkdir -p "$probe"/{lower,upper,work,merged}
  if mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" \
    "$probe/merged" 2>/dev/null; then
    umount "$probe/merged"
    SNAP=overlayfs
  else
    SNAP=native
    echo "start.sh: overlay mounts fail under $STATE; using the native snapshotter"
  fi
  rm -rf "$probe"
fi
echo "$SNAP" >"$SNAPSHOTTER_FILE"

# --- CNI: one bridge network on a private /24, addresses kept under the state directory ---------------
cat >"$STATE/cni/net.d/10-kubelet-kit.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$CNI_SUBNET_PREFIX.0/24", "gateway": "$CNI_SUBNET_PREFIX.1" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$STATE/cni/networks"
      }
    },
    { "type": "loopback" }
  ]
}
JSON

# --- containerd config: the default one, with our edits ------------------------------------------------
# Each edit is "SECTION|KEY|VALUE" (SECTION "" = top level); every one must match a line of the default
# config, so a containerd whose defaults changed shape fails here rather than running misconfigured.
cri='plugins."io.containerd.grpc.v1.cri"'
edits=(
  "|root|\"$STATE/root\""
  "|state|\"$STATE/run\""
  "|disabled_plugins|[\"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.aufs\", \"io.containerd.snapshotter.v1.zfs\", \"io.containerd.snapshotter.v1.devmapper\"]"
  "grpc|address|\"$SOCK\""
  "ttrpc|address|\"$STATE/containerd.sock.ttrpc\""
  "$cri|restrict_oom_score_adj|true"
  "$cri|sandbox_image|\"registry.k8s.io/pause:3.10\""
  "$cri|netns_mounts_under_state_dir|true"
  "$cri.cni|bin_dir|\"/usr/lib/cni\""
  "$cri.cni|conf_dir|\"$STATE/cni/net.d\""
  "$cri.containerd|snapshotter|\"$SNAP\""
  "plugins.\"io.containerd.internal.v1.opt\"|path|\"$STATE/opt\""
)
containerd config default | awk -v edits="$(printf '%s\n' "${edits[@]}")" '
  BEGIN {
    n = split(edits, lines, "\n")
    for (i = 1; i <= n; i++) {
      if (lines[i] == "") continue
      split(lines[i], f, "|")
      want[f[1] "|" f[2]] = substr(lines[i], length(f[1]) + length(f[2]) + 3)
    }
    section = ""
  }
  /^[ \t]*\[/ { s = $0; gsub(/^[ \t]*\[+|\]+[ \t]*$/, "", s); section = s }
  /^[ \t]*[A-Za-z_]+ = / {
    key = $1
    if ((section "|" key) in want) {
      match($0, /^[ \t]*/)
      print substr($0, 1, RLENGTH) key " = " want[section "|" key]
      done[section "|" key] = 1
      next
    }
  }
  { print }
  END {
    for (k in want) if (!(k in done)) { print "start.sh: config key not found: " k > "/dev/stderr"; bad = 1 }
    exit bad
  }
' >"$CONFIG" || fail "could not generate $CONFIG from containerd's default config"

# --- start ---------------------------------------------------------------------------------------------
: >"$LOG"
# setsid: its own session, so a Ctrl-C on the test run reaches the tests, and stop.sh stops containerd.
# (Started from a non-interactive shell, setsid execs in place, so $! is containerd's pid.)
setsid containerd --config "$CONFIG" </dev/null >>"$LOG" 2>&1 &
pid=$!
started_pid=$pid
echo "$pid" >"$PIDFILE"

deadline=$((SECONDS + 30))
until [[ -S $SOCK ]] && ctr --address "$SOCK" version >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || fail "containerd exited during start-up"
  ((SECONDS < deadline)) || fail "containerd did not answer on $SOCK within 30 s"
  sleep 0.2
done
# The CRI plugin must have loaded (a bad CRI config leaves containerd up with the plugin in "error").
until ctr --address "$SOCK" plugins ls 2>/dev/null | grep -Eq '^io\.containerd\.grpc\.v1[[:space:]]+cri[[:space:]].*[[:space:]]ok[[:space:]]*$'; do
  ((SECONDS < deadline)) || fail "the CRI plugin did not load: $(ctr --address "$SOCK" plugins ls 2>&1 | grep -E '[[:space:]]cri[[:space:]]' || true)"
  sleep 0.2
done
# ...and have finished its start-up (it answers "server is not initialized yet" until then).
until grep -q 'Start streaming server' "$LOG"; do
  ((SECONDS < deadline)) || fail "the CRI plugin did not finish starting within 30 s"
  sleep 0.2
done
echo "start.sh: containerd $(containerd --version | awk '{print $3}') up (pid $pid, snapshotter $SNAP) in $((SECONDS - t0)) s"

t1=$SECONDS
"$SCRIPT_DIR/build-images.sh" "$STATE" || fail "importing the test images failed"
echo "start.sh: images imported in $((SECONDS - t1)) s"
echo "$ENDPOINT"
