#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# make demo, inside the emulator: the reference VMM runs the sample guest
# (guests/hello) on /dev/axvcpu, then Debian's own kernel (the lane copies
# its vmlinuz to guests/) with two vCPUs to the /init of
# guests/linux-initramfs.cpio; their consoles are this program's output.
# Installed as /tests/axvcpu_demo, the VMM and guests in /tests/vmm.
cd /tests/vmm || exit 1
echo "== host: $(uname -sr), $(grep -c ^processor /proc/cpuinfo) CPUs; $(dmesg | grep -o 'axvcpu: /dev/axvcpu ready.*' | tail -n 1)"
echo "== $(./axvcpu-run --version)"
echo "== axvcpu-run run --kernel guests/hello.elf --mem 64M --cmdline 'make demo'"
./axvcpu-run run --kernel guests/hello.elf --mem 64M --cmdline "make demo" </dev/null
rc=$?
echo "== axvcpu-run exited with status $rc"
[ "$rc" = 0 ] || exit "$rc"
if [ ! -f guests/vmlinuz ]; then
	echo "== no guests/vmlinuz: the Linux guest is left out"
	exit 1
fi
cmdline="console=ttyS0 loglevel=5"
echo "== axvcpu-run run --kernel vmlinuz --initrd guests/linux-initramfs.cpio --mem 256M --cpus 2 --cmdline '$cmdline'"
./axvcpu-run run --kernel guests/vmlinuz --initrd guests/linux-initramfs.cpio \
	--mem 256M --cpus 2 --cmdline "$cmdline" </dev/null
rc=$?
echo "== axvcpu-run exited with status $rc"
exit $rc
