#!/usr/bin/env bash
# Proves that the fake CRI runtime (kubelet-kit-fake-cri) can be driven through a full pod
# lifecycle by a real Go gRPC client: installs the Debian toolchain (once), builds
# tests/go-cri-client, starts the fake on a unix socket in a temporary directory, runs the client
# against it and exits with the client's status.
#
# The fake runs from source through tsx, so the test always checks the current code;
# KUBELET_KIT_FAKE_CRI_FROM=dist runs the built bin (packages/cri-client/dist/testing/cli.js) instead.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${here}/../.." && pwd)"
out="${repo}/.tmp/go-cri-client"

bash "${here}/install.sh"
echo "go-cri-client: building into ${out}"
bin="$(bash "${here}/build.sh" "${out}" | tail -n 1)"

cli_dist="${repo}/packages/cri-client/dist/testing/cli.js"
cli_src="${repo}/packages/cri-client/src/testing/cli.ts"
from="${KUBELET_KIT_FAKE_CRI_FROM:-source}"
case "${from}" in
  dist) fake=(node "${cli_dist}") ;;
  source) fake=(node --conditions=@kubelet-kit/source --import tsx "${cli_src}") ;;
  *)
    echo "go-cri-client: KUBELET_KIT_FAKE_CRI_FROM must be source or dist, not '${from}'" >&2
    exit 2
    ;;
esac

work="$(mktemp -d "${TMPDIR:-/tmp}/go-cri-client.XXXXXX")"
sock="${work}/cri.sock"
fake_log="${work}/fake-cri.log"
fake_pid=""

cleanup() {
  if [[ -n "${fake_pid}" ]] && kill -0 "${fake_pid}" 2>/dev/null; then
    kill "${fake_pid}" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "${fake_pid}" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "${fake_pid}" 2>/dev/null || true
  fi
  rm -rf "${work}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_fake_log() {
  echo "---- fake CRI output (${fake_log}) ----" >&2
  cat "${fake_log}" >&2 || true
  echo "---- end of fake CRI output ----" >&2
}

echo "go-cri-client: starting fake CRI (${from}) on ${sock}"
(cd "${repo}" && exec "${fake[@]}" --socket "${sock}") >"${fake_log}" 2>&1 &
fake_pid=$!

for _ in $(seq 1 300); do
  [[ -S "${sock}" ]] && break
  if ! kill -0 "${fake_pid}" 2>/dev/null; then
    echo "go-cri-client: the fake CRI exited before creating ${sock}" >&2
    show_fake_log
    exit 1
  fi
  sleep 0.1
done
if [[ ! -S "${sock}" ]]; then
  echo "go-cri-client: ${sock} did not appear within 30s" >&2
  show_fake_log
  exit 1
fi

rc=0
"${bin}" --endpoint "${sock}" || rc=$?
if [[ ${rc} -ne 0 ]]; then
  show_fake_log
fi
exit "${rc}"
