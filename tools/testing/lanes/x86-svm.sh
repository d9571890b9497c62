#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lanes/x86-svm.sh [LANE]: the AMD SVM backend in Debian's amd64 kernel
# under QEMU TCG. Lanes x86-svm (QEMU_CPU=max: 5-level paging, so a
# 5-level NPT) and x86-svm-4level (QEMU_CPU=EPYC: 4-level) run this script
# with the parameters of check.sh's lane table (tools/testing/lib.sh).
#
# Builds axvcpu.ko against /usr/src/linux-headers-$KVER and the kselftests
# (static), packs a busybox initramfs with them and Debian's KVM modules,
# boots /boot/vmlinuz-$KVER, and judges the serial log. Writes
# ${AXVCPU_WORK:-/tmp/axvcpu-work}/<lane>/result for check.sh; exit status
# non-zero on any failure.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

lane_begin "${1:-x86-svm}"
QEMU_CPU=${QEMU_CPU:-max}
# Guest RAM: the tests need 1G; axvcpu_bench (bench mode) pins a 1 GiB
# memory region on top of the kernel and the initramfs, so it gets 3G.
if [ "$MODE" = bench ]; then
	QEMU_MEM=${QEMU_MEM:-3G}
else
	QEMU_MEM=${QEMU_MEM:-1G}
fi
LANE_TIMEOUT=${AXVCPU_LANE_TIMEOUT:-1500}

"$TESTING_DIR/deps.sh" "$LANE" || lane_abort "deps.sh $LANE failed"

KVER=$(debian_kver amd64) ||
	lane_abort "no Debian amd64 kernel with matching headers (/usr/src/linux-headers-*-amd64 + /boot/vmlinuz-*)"
KDIR=/usr/src/linux-headers-$KVER
say "kernel $KVER, QEMU -cpu $QEMU_CPU -m $QEMU_MEM"

build_module "$KDIR"
build_tests
mapfile -t PROGRAMS < <(test_programs)
if [ "${#PROGRAMS[@]}" -eq 0 ]; then
	if [ "$MODE" = bench ]; then
		say "bench: no $BENCH_PROGRAM in the test build; nothing to run"
		lane_end 0 0 0
	fi
	lane_abort "no test programs in $W/tests"
fi
say "programs: ${PROGRAMS[*]}"

# kvm_modules: kvm-amd and what it needs, dependencies first (modinfo).
kvm_modules() {
	local m
	for m in $(modinfo -k "$KVER" -F depends "$1" | tr ',' ' '); do
		kvm_modules "$m"
	done
	echo "$1"
}

ROOT=$W/root
initramfs_skeleton "$ROOT"
cp "$W/src/axvcpu.ko" "$ROOT/lib/axvcpu/axvcpu.ko"
KVM_MODULES=
for m in $(kvm_modules kvm_amd | awk '!seen[$0]++'); do
	f=$(modinfo -k "$KVER" -n "$m") || lane_abort "modinfo $m failed for $KVER"
	cp "$f" "$ROOT/lib/axvcpu/kvm/"
	KVM_MODULES="$KVM_MODULES${KVM_MODULES:+ }${f##*/}"
done
printf '%s\n' "$KVM_MODULES" | tr ' ' '\n' >"$ROOT/lib/axvcpu/kvm/modules.order"
cp -a "$W/tests/." "$ROOT/tests/"
find "$ROOT/tests" \( -name '*.o' -o -name '*.d' \) -delete
write_init "$ROOT" "${PROGRAMS[@]}"
pack_initramfs "$ROOT" "$W/initramfs.gz"
say "initramfs $(du -h "$W/initramfs.gz" | cut -f1) (KVM modules: $KVM_MODULES)"

# loglevel=5: KERN_WARNING and the default level (WARN_ON, call traces)
# reach the console as they happen, before the dmesg dump at the end.
SERIAL=$W/serial.log
say "booting (timeout ${LANE_TIMEOUT} s); serial log: $SERIAL"
t0=$(now)
rc=0
run_emulator "$LANE_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu "$QEMU_CPU" \
	-m "$QEMU_MEM" -smp 2 -nographic -no-reboot -nic none -monitor none \
	-kernel "/boot/vmlinuz-$KVER" -initrd "$W/initramfs.gz" \
	-append 'console=ttyS0 loglevel=5 panic=-1 oops=panic panic_on_warn=0' \
	-serial "file:$SERIAL" 2>"$W/qemu.log" || rc=$?
say "QEMU exited with status $rc after $(elapsed "$t0") s"
case $rc in
0) ;;
75) lane_abort "the emulator lock $EMU_LOCK stayed busy" ;;
137) GUEST_STOPPED_WHY="lane timeout: QEMU killed after $LANE_TIMEOUT s" ;;
*) lane_fail "QEMU failed, status $rc: $(head -c 300 "$W/qemu.log")" ;;
esac
[ -s "$SERIAL" ] || lane_abort "empty serial log (QEMU did not start?)"

parse_serial_log "$SERIAL" "${PROGRAMS[@]}"
if splat_scan "$SERIAL" >"$W/splats"; then
	lane_fail "kernel splat: $(head -n 1 "$W/splats") (all: $W/splats)"
	head -n 40 "$W/splats" | sed 's/^/    /'
fi
say "full serial log: $SERIAL"
lane_end "$PASSED" "$FAILED" "$SKIPPED"
