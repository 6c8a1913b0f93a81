#!/usr/bin/env bash
# Stops and/or starts the private containerd of start.sh WITHOUT touching its state: the runtime-restart
# scenario of tests/cri-conformance. Unlike stop.sh it kills nothing but the containerd daemon (SIGTERM, by
# its pid file); the containerd-shim processes keep the containers running, and the restarted containerd
# finds its sandboxes and containers again in the same root/state directories.
#
# Usage: restart.sh [stop|start|restart] [STATE_DIR]   (default: restart; STATE_DIR as in common.sh)
#   stop     SIGTERM containerd and wait (up to 10 s) for it to exit. Nothing else is removed.
#   start    run `containerd --config <state>/config.toml` as start.sh does (same config, log and pid
#            file) and wait (up to 30 s) until its CRI plugin serves again. Images are not re-imported.
#   restart  stop, then start.
# Exits non-zero when containerd was not running (stop), was already running (start), or does not come back.
set -euo pipefail
mode=${1:-restart}
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
resolve_state "${2:-}"

fail() {
  echo "restart.sh: ERROR: $*" >&2
  exit 1
}

stop_daemon() {
  local pid
  pid=$(running_pid) || fail "no containerd of ours is running (pid file $PIDFILE)"
  kill -TERM "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && fail "containerd (pid $pid) did not exit within 10 s of SIGTERM"
  rm -f "$PIDFILE"
  echo "restart.sh: containerd (pid $pid) stopped; its shims and containers keep running"
}

start_daemon() {
  local from pid deadline
  [[ -s $CONFIG ]] || fail "no $CONFIG: start containerd with start.sh first"
  if pid=$(running_pid); then fail "containerd is already running (pid $pid)"; fi
  # Only log lines written from now on say whether this start finished.
  from=$(($(stat -c %s "$LOG" 2>/dev/null || echo 0) + 1))
  # As start.sh: its own session, and $! is containerd's pid (setsid execs in place).
  setsid containerd --config "$CONFIG" </dev/null >>"$LOG" 2>&1 &
  pid=$!
  echo "$pid" >"$PIDFILE"
  deadline=$((SECONDS + 30))
  # The CRI plugin answers "server is not initialized yet" until it logs this line.
  until tail -c "+$from" "$LOG" | grep -q 'Start streaming server'; do
    kill -0 "$pid" 2>/dev/null || fail "containerd exited during start-up: $(tail -n 20 "$LOG")"
    ((SECONDS < deadline)) || fail "containerd did not serve the CRI again within 30 s"
    sleep 0.1
  done
  until [[ -S $SOCK ]] && ctr --address "$SOCK" version >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "containerd did not answer on $SOCK within 30 s"
    sleep 0.1
  done
  echo "restart.sh: containerd started again (pid $pid)"
}

case $mode in
  stop) stop_daemon ;;
  start) start_daemon ;;
  restart)
    stop_daemon
    start_daemon
    ;;
  *) fail "unknown mode '$mode' (stop, start or restart)" ;;
esac
