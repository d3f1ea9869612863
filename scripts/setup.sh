#!/usr/bin/env bash
# Installs the Debian packages a build or test of qga-compat needs, and only the missing ones.
#
# Usage: scripts/setup.sh [base|windows|e2e|all]...   (default: base)
#   base     native build and its tests and style checks, sanitizers, fuzzing, scripts/run.sh
#   windows  the mingw-w64 cross build, Wine and the MSI tools (wixl, msiinfo)
#   e2e      QEMU, libvirt and what builds the end-to-end tier's guest image
#   all      all of them
#
# Idempotent: dpkg-query decides what is missing; apt-get update runs only when
# something is. Works as root (CI) or through sudo. Targets a fresh Debian 12.
set -euo pipefail

base_packages=(
    meson ninja-build pkg-config
    gcc clang llvm libclang-rt-14-dev     # clang + libFuzzer/ASan runtimes for the fuzz tier
    libglib2.0-dev libjson-glib-dev       # tests (GTest) and json-glib as the oracle; qga-probe
    libvirt-dev                           # qga-probe's libvirt transport (libvirt, libvirt-qemu)
    python3                               # the schema generator
    socat                                 # scripts/run.sh talks to the agent with it
    qemu-guest-agent                      # Debian's qemu-ga: the reference the probe tests run against
    git clang-format universal-ctags      # the native tier's style checks (scripts/check-style.sh)
)
windows_packages=(
    gcc-mingw-w64-x86-64-win32            # -win32 thread model: static .exe, no winpthread DLL
    wine wine64                           # wine = the launcher script, wine64 = the loader
    msitools wixl                         # MSI build (wixl) and inspection (msiinfo)
)
e2e_packages=(
    qemu-system-x86                       # the TCG guest of the end-to-end tier
    libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients
    busybox-static kmod xz-utils e2fsprogs binutils   # building the guest's initramfs and disk
)

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(base)

wanted=()
for group in "${groups[@]}"; do
    case "$group" in
        base) wanted+=("${base_packages[@]}") ;;
        windows) wanted+=("${windows_packages[@]}") ;;
        e2e) wanted+=("${e2e_packages[@]}") ;;
        all) wanted+=("${base_packages[@]}" "${windows_packages[@]}" "${e2e_packages[@]}") ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "setup.sh: unknown package group '$group' (base, windows, e2e, all)" >&2; exit 2 ;;
    esac
done

missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [ "$status" != "installed" ]; then
        # Skip duplicates when groups overlap.
        case " ${missing[*]-} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "setup.sh: all packages for '${groups[*]}' are installed"
    exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "setup.sh: missing packages: ${missing[*]}; run as root (or install sudo)" >&2
        exit 1
    fi
fi

echo "setup.sh: installing ${#missing[@]} missing package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg (unattended-upgrades on a fresh machine) instead of failing.
apt_opts=(-o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -q \
    --no-install-recommends "${missing[@]}"
echo "setup.sh: installed: ${missing[*]}"
