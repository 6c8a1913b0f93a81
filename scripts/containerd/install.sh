#!/usr/bin/env bash
# Installs what the private containerd needs, from Debian packages, if any piece is missing:
#   containerd (1.6, CRI plugin built in), runc, the CNI plugins (/usr/lib/cni), busybox-static (the
#   static /bin/busybox the test images are built from) and iproute2 (`ip netns` for cleanup).
# Idempotent: does nothing (and needs no root) when everything is already there.
set -euo pipefail
# shellcheck source=SCRIPTDIR/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh" # (for PATH: runc and ip live in sbin)

missing=()
command -v containerd >/dev/null 2>&1 || missing+=(containerd)
command -v ctr >/dev/null 2>&1 || missing+=(ctr)
command -v runc >/dev/null 2>&1 || missing+=(runc)
[[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback ]] || missing+=(cni-plugins)
[[ -x /bin/busybox ]] || missing+=(busybox)
command -v ip >/dev/null 2>&1 || missing+=(ip)

if ((${#missing[@]} == 0)); then
  echo "install.sh: containerd, runc, CNI plugins and busybox are present"
  exit 0
fi

echo "install.sh: missing: ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "install.sh: ERROR: installing them needs root (run as root, or install by hand:" >&2
  echo "  apt-get install -y --no-install-recommends containerd runc containernetworking-plugins busybox-static iproute2)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
start=$SECONDS
apt-get update -q
apt-get install -y -q --no-install-recommends \
  containerd runc containernetworking-plugins busybox-static iproute2
echo "install.sh: installed in $((SECONDS - start)) s"

# The packaged systemd unit would start a system containerd on /run/containerd; we never use it, and on
# machines without systemd it does not start at all. Nothing to do either way.
for bin in containerd ctr runc; do
  command -v "$bin" >/dev/null || { echo "install.sh: ERROR: $bin still missing after install" >&2; exit 1; }
done
[[ -x /usr/lib/cni/bridge && -x /bin/busybox ]] || { echo "install.sh: ERROR: CNI plugins or busybox still missing" >&2; exit 1; }
