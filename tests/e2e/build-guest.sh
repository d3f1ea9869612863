#!/bin/bash
# Builds the e2e guest: Debian's kernel (unpacked, never installed) and a busybox initramfs holding the agent; cached by versions.
# Usage: build-guest.sh AGENT_KIND AGENT_BINARY CACHE_DIR
#   AGENT_KIND: qga-compat (a static binary) or qemu-ga (Debian's, copied with its libraries)
# Prints two lines: KERNEL=<path to vmlinux> and INITRD=<path to initramfs.gz>.
set -euo pipefail
KIND=$1 AGENT_BIN=$2 CACHE=$3
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$CACHE"

# 1. The kernel: whatever linux-image-amd64 points at, keyed by package name and version.
resolve_kernel() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
KPKG=$(resolve_kernel)
# A fresh container often has no package lists at all.
[ -n "$KPKG" ] || { apt-get update -qq >&2 && KPKG=$(resolve_kernel); }
[ -n "$KPKG" ] || { echo "build-guest: cannot resolve linux-image-amd64 from the apt sources" >&2; exit 1; }
KVERSION=$(apt-cache show "$KPKG" | awk '/^Version:/{print $2; exit}')
K="$CACHE/kernel-$KPKG-$KVERSION"
if [ ! -f "$K/vmlinux" ]; then
    rm -rf "$K.tmp" && mkdir -p "$K.tmp"
    # (root downloads it itself: the _apt sandbox user cannot write into this directory)
    ( cd "$K.tmp" && apt-get -o APT::Sandbox::User=root download "$KPKG=$KVERSION" >/dev/null )
    # Only the kernel image and the modules the guest loads: 10 MB instead of 400.
    dpkg-deb --fsys-tarfile "$K.tmp"/*.deb | tar -x -C "$K.tmp" --wildcards './boot/vmlinuz-*' \
        './lib/modules/*/kernel/drivers/virtio/*.ko' './lib/modules/*/kernel/drivers/char/virtio_console.ko' \
        './lib/modules/*/kernel/drivers/block/virtio_blk.ko' './lib/modules/*/kernel/drivers/net/virtio_net.ko' \
        './lib/modules/*/kernel/drivers/net/net_failover.ko' './lib/modules/*/kernel/net/core/failover.ko' \
        './lib/modules/*/kernel/fs/ext4/ext4.ko' './lib/modules/*/kernel/fs/jbd2/jbd2.ko' \
        './lib/modules/*/kernel/fs/mbcache.ko' './lib/modules/*/kernel/lib/crc16.ko' \
        './lib/modules/*/kernel/crypto/crc32c_generic.ko'
    KVER=$(ls "$K.tmp/lib/modules")
    # Debian's kernel is xz-compressed and PVH-capable: QEMU boots the bare ELF, which saves the
    # guest 4-5 s of decompressing under TCG. The xz stream starts at the first FD 37 7A 58 5A.
    off=$(LC_ALL=C grep -abo $'\xfd7zXZ' "$K.tmp/boot/vmlinuz-$KVER" | head -1 | cut -d: -f1)
    tail -c +$((off + 1)) "$K.tmp/boot/vmlinuz-$KVER" | xz -dc > "$K.tmp/vmlinux" 2>/dev/null || true
    head -c 4 "$K.tmp/vmlinux" | grep -q ELF || { echo "build-guest: no ELF kernel in $KPKG" >&2; exit 1; }
    # The load order: each module after everything it depends on (modinfo reads the .ko's
    # depends= field; the .deb ships no modules.dep). Serial ports, the data disk (ext2 through
    # ext4, whose checksums want crc32c), the NIC.
    mkdir -p "$K.tmp/modules"
    find "$K.tmp/lib/modules" -name '*.ko' -exec cp {} "$K.tmp/modules/" \;
    order=""
    add() {
        local m=$1 d
        case " $order " in *" $m "*) return ;; esac
        for d in $(/sbin/modinfo -F depends "$K.tmp/modules/$m.ko" | tr ',' ' '); do add "$d"; done
        order="$order $m"
    }
    for m in virtio_pci virtio_console virtio_blk crc32c_generic ext4 virtio_net; do add $m; done
    echo $order > "$K.tmp/modules/order"
    rm -rf "$K.tmp/boot" "$K.tmp/lib" "$K.tmp"/*.deb
    rm -rf "$K" && mv "$K.tmp" "$K"
fi

# 2. The initramfs: keyed by everything in it (agent binary, /init, busybox, modules).
BUSYBOX=/bin/busybox
if readelf -d "$BUSYBOX" 2>/dev/null | grep -q NEEDED; then
    echo "build-guest: $BUSYBOX is dynamically linked; install busybox-static" >&2
    exit 1
fi
KEY=$( (cat "$AGENT_BIN" "$HERE/guest/init" "$BUSYBOX" "$K/modules/order"; echo "$KIND") | sha256sum | cut -c1-16)
I="$CACHE/initramfs-$KIND-$KEY.gz"
if [ ! -f "$I" ]; then
    R=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    mkdir -p "$R"/{bin,sbin,dev,proc,sys,tmp,run,etc,lib/modules}
    cp "$BUSYBOX" "$R/bin/busybox"
    cp "$HERE/guest/init" "$R/init" && chmod 755 "$R/init"
    for m in $(cat "$K/modules/order"); do cp "$K/modules/$m.ko" "$R/lib/modules/"; done
    cp "$K/modules/order" "$R/lib/modules/order"
    if [ "$KIND" = qemu-ga ]; then
        # Debian's qemu-ga is dynamically linked: bring its libraries and loader along.
        cp "$AGENT_BIN" "$R/bin/qemu-ga"
        for lib in $(ldd "$AGENT_BIN" | grep -oE '/[^ ]+\.so[^ ]*'); do
            mkdir -p "$R$(dirname "$lib")" && cp -L "$lib" "$R$lib"
        done
    else
        cp "$AGENT_BIN" "$R/bin/qga-compat"
    fi
    # The kernel opens /dev/console for /init before devtmpfs is mounted.
    mknod -m 600 "$R/dev/console" c 5 1
    ( cd "$R" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null | gzip -6 ) > "$I.tmp"
    mv "$I.tmp" "$I"
    rm -rf "$R"
    # Keep the cache small: older initramfs images of this kind go.
    find "$CACHE" -maxdepth 1 -name "initramfs-$KIND-*.gz" ! -name "${I##*/}" -delete
fi
echo "KERNEL=$K/vmlinux"
echo "INITRD=$I"
