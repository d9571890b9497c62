#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# make demo, inside the emulator: the reference VMM runs the sample guest
# (guests/hello) on /dev/axvcpu; its console is this program's output.
# Installed as /tests/axvcpu_demo, the VMM and guests in /tests/vmm.
cd /tests/vmm || exit 1
echo "== host: $(uname -sr), $(grep -c ^processor /proc/cpuinfo) CPUs; $(dmesg | grep -o 'axvcpu: /dev/axvcpu ready.*' | tail -n 1)"
echo "== $(./axvcpu-run --version)"
echo "== axvcpu-run run --kernel guests/hello.elf --mem 64M --cmdline 'make demo'"
./axvcpu-run run --kernel guests/hello.elf --mem 64M --cmdline "make demo" </dev/null
rc=$?
echo "== axvcpu-run exited with status $rc"
exit $rc
