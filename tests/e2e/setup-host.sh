#!/bin/bash
# One-time host setup for the end-to-end tier (Debian 12, root): packages, libvirt's QEMU driver config, no libvirt networks.
# Idempotent; starts no daemon (tests/e2e/run.sh starts libvirtd itself and stops it again).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# Packages come from the project's one installer (groups base: build + qemu-ga reference,
# e2e: QEMU, libvirt and the guest image tools).
"$(dirname "${BASH_SOURCE[0]}")/../../scripts/setup.sh" base e2e

# libvirt 9.0 / Debian 12 without systemd or udev:
#  - user/group root: without udev /dev/kvm stays root-only, and with QEMU running as
#    libvirt-qemu libvirt re-probes QEMU's capabilities on every lookup ("KVM was enabled when
#    probing ..., but it is not available now"): 12-16 s to start, 4.6 s per 'virsh start'.
#  - stdio_handler = "file": QEMU writes its log and file-backed serial itself, no virtlogd.
C=/etc/libvirt/qemu.conf
if ! grep -q '^# --- qga-compat e2e' "$C"; then
    cat >> "$C" <<'CONF'
# --- qga-compat e2e (tests/e2e/setup-host.sh)
user = "root"
group = "root"
stdio_handler = "file"
CONF
fi
# Never autostart a libvirt network (the packaged 'default' one would take 192.168.122.0/24).
rm -f /etc/libvirt/qemu/networks/autostart/*.xml
echo "e2e host setup: done"
