#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [QEMU]: the IGNNE/hflags2 race of QEMU's multi-threaded TCG,
# without axvcpu (gif_race.c says what it does). Boots Debian's kernel
# twice in QEMU (default: qemu-system-x86_64 on PATH), -cpu max -smp 2:
# once with one TCG thread per CPU, once with one thread for both. In
# each boot, first user space loops on FLDENV on CPU 1 while gif_race.ko
# runs CLGI/STGI pairs on CPU 0 for 10 s; then kvm_race runs a KVM guest
# on CPU 0 for 20 s with the FLDENV loop on CPU 1. Each prints one
# result line.
set -euo pipefail
QEMU=${1:-qemu-system-x86_64}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=../../lib.sh
. "$HERE/../../lib.sh"
W=${AXVCPU_WORK:-/tmp/axvcpu-work}/qemu-bug-ignne
KVER=$(debian_kver amd64) || { echo "no Debian amd64 kernel with headers" >&2; exit 1; }
rm -rf "$W" && mkdir -p "$W/src" "$W/root"/{bin,proc,sys,dev}
cp "$HERE"/{gif_race.c,Kbuild} "$W/src/"
make -s -C "/usr/src/linux-headers-$KVER" M="$W/src" modules >"$W/build.log" 2>&1 ||
	{ tail "$W/build.log"; exit 1; }
gcc -O2 -static -o "$W/root/bin/fldenv_loop" "$HERE/fldenv_loop.c"
ST=$HERE/../../selftests/axvcpu
gcc -O2 -static -pthread -D_GNU_SOURCE -I"$HERE/../../../../include/uapi" -I"$ST/include" \
	-o "$W/root/bin/kvm_race" "$HERE/kvm_race.c" "$ST/lib/kvm_x86.c" "$ST/lib/x86.c" \
	"$ST/lib/axvcpu_util.c"
mkdir -p "$W/root/kvm"
for m in irqbypass kvm ccp kvm-amd; do
	cp "$(modinfo -k "$KVER" -n "$m")" "$W/root/kvm/"
done
cp "$W/src/gif_race.ko" "$W/root/"
cp /bin/busybox "$W/root/bin/"
cat >"$W/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec >/dev/console 2>&1
taskset -c 1 /bin/fldenv_loop &
insmod /gif_race.ko seconds=10
kill $!
dmesg | grep 'gif_race:.*pairs' | sed 's/^/RESULT /'
AXVCPU_KVM_DIR=/kvm AXVCPU_KVM_MODULES="irqbypass.ko kvm.ko ccp.ko kvm-amd.ko" \
	timeout 60 /bin/kvm_race 20 | sed 's/^/RESULT /'
poweroff -f
INIT
chmod 755 "$W/root/init"
(cd "$W/root" && find . | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$W/initramfs.gz"
for thread in multi single; do
	timeout -s KILL 300 "$QEMU" -accel "tcg,thread=$thread" -cpu max -m 512M -smp 2 \
		-nographic -no-reboot -nic none -monitor none -kernel "/boot/vmlinuz-$KVER" \
		-initrd "$W/initramfs.gz" -append 'console=ttyS0 quiet panic=-1' \
		-serial "file:$W/serial-$thread.log" </dev/null >/dev/null 2>&1 || true
	echo "== $("$QEMU" --version | head -n 1), thread=$thread"
	tr -d '\r' <"$W/serial-$thread.log" | sed -n 's/.*RESULT //p' | tail -n 6
done
