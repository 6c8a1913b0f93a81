#!/usr/bin/env bash
# `pnpm test:containerd`: the CRI conformance suite against a real, private containerd.
#   install.sh → start.sh → vitest --project containerd (extra arguments passed through) → stop.sh (always).
# Exit code: vitest's; non-zero with a clear message when containerd cannot be installed or started (the
# suite is never skipped). State directory: $KUBELET_KIT_CONTAINERD_STATE, else <repo>/.tmp/containerd.
# When the suite fails, containerd's log is kept beside the state directory as <state>.log.
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
resolve_state ""
cd "$REPO_ROOT"

# shellcheck disable=SC2317  # (called through the trap)
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if ((rc != 0)) && [[ -s $LOG ]]; then
    cp "$LOG" "$STATE.log" 2>/dev/null && echo "run-suite.sh: containerd's log kept at $STATE.log" >&2
  fi
  "$SCRIPT_DIR/stop.sh" "$STATE" || echo "run-suite.sh: WARNING: stop.sh failed" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! "$SCRIPT_DIR/install.sh"; then
  echo "run-suite.sh: ERROR: containerd, runc, the CNI plugins or busybox could not be installed" >&2
  exit 1
fi
rm -f "$STATE.log"
if ! "$SCRIPT_DIR/start.sh" "$STATE"; then
  echo "run-suite.sh: ERROR: the private containerd could not be started; the containerd suite did not run" >&2
  exit 1
fi

export KUBELET_KIT_CONTAINERD_ENDPOINT="$ENDPOINT"
export KUBELET_KIT_CONTAINERD_STATE="$STATE"
echo "run-suite.sh: KUBELET_KIT_CONTAINERD_ENDPOINT=$KUBELET_KIT_CONTAINERD_ENDPOINT"

set +e
pnpm exec vitest run --project containerd "$@"
rc=$?
set -e
exit "$rc"
