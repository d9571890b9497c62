#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lanes/arm64.sh [LANE]: the arm64 lanes under QEMU TCG (-M virt), on
# Debian's own arm64 kernel. Parameters from check.sh's lane table
# (tools/testing/lib.sh):
#   QEMU_MACHINE  -M of QEMU (virt,virtualization=on,gic-version=3 gives
#                 the kernel EL2; without virtualization=on there is none)
#   QEMU_CPU      -cpu of QEMU (cortex-a72: no VHE, so an nVHE kernel;
#                 max: VHE, the kernel keeps EL2 for itself)
#   QEMU_MEM      -m of QEMU (1G; 3G in bench mode, as on x86)
#   KERNEL_ARGS   appended to the kernel command line
#   BACKEND       nvhe: the module must have loaded its nVHE backend
#   FIRMWARE      efi: boot through UEFI (AAVMF_FW, -bios), which hands the
#                 kernel ACPI tables instead of a device tree; the module
#                 must have taken the timer PPI from the GTDT
#
# Cross-builds axvcpu.ko against Debian's arm64 headers (deps.sh unpacks
# them with the image and busybox-static:arm64 into ARM64_ROOT), the
# kselftests (static, aarch64-linux-gnu-gcc), packs an initramfs with
# busybox's /init (write_init), boots, and judges the serial log as the
# x86 lanes do. Writes ${AXVCPU_WORK:-/tmp/axvcpu-work}/<lane>/result for
# check.sh; exit status non-zero on any failure.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

lane_begin "${1:-arm64-noel2}"
QEMU_MACHINE=${QEMU_MACHINE:-virt,virtualization=on,gic-version=3}
QEMU_CPU=${QEMU_CPU:-cortex-a72}
if [ "$MODE" = bench ]; then
	QEMU_MEM=${QEMU_MEM:-3G}	# the bench's 1 GiB region, as on x86
else
	QEMU_MEM=${QEMU_MEM:-1G}
fi
CROSS=aarch64-linux-gnu-
LANE_TIMEOUT=${AXVCPU_LANE_TIMEOUT:-900}

"$TESTING_DIR/deps.sh" "$LANE" || lane_abort "deps.sh $LANE failed"

KVER=$(arm64_kver) || lane_abort "no amd64 headers to match an arm64 kernel to"
[ "$(cat "$ARM64_ROOT/complete" 2>/dev/null)" = "$KVER" ] ||
	lane_abort "no Debian arm64 kernel $KVER in $ARM64_ROOT (deps.sh)"
KDIR=$ARM64_ROOT/usr/src/linux-headers-$KVER
IMAGE=$ARM64_ROOT/boot/vmlinuz-$KVER
BUSYBOX=$ARM64_ROOT/bin/busybox
APPEND="console=ttyAMA0 loglevel=5 panic=-1 oops=panic panic_on_warn=0${KERNEL_ARGS:+ $KERNEL_ARGS}"
# multi-threaded TCG, one host thread per guest CPU, as on x86 and riscv64
TCG_THREAD=${AXVCPU_QEMU_TCG_THREAD:-multi}
QEMU_SMP=${AXVCPU_QEMU_SMP:-2}
TEST_CPUS=${AXVCPU_TEST_CPUS:-}
[ "$TEST_CPUS" = all ] && TEST_CPUS=
# shellcheck disable=SC2046 # qemu_arm_cmd is a command and its options
say "$($(qemu_arm_cmd) --version | head -n 1)"
FW_ARGS=()
if [ "${FIRMWARE:-}" = efi ]; then
	[ -f "$AAVMF_FW" ] || lane_abort "no $AAVMF_FW (deps.sh installs qemu-efi-aarch64)"
	FW_ARGS=(-bios "$AAVMF_FW")
	say "firmware: UEFI ($AAVMF_FW), ACPI"
fi
say "kernel $KVER, QEMU -M $QEMU_MACHINE -cpu $QEMU_CPU -m $QEMU_MEM -smp $QEMU_SMP, TCG thread=$TCG_THREAD"

build_module "$KDIR" ARCH=arm64 CROSS_COMPILE="$CROSS"
# sparse on the arm64 build, once, in the full nVHE lane
if [ "$MODE" = check ] && [ -z "${LANE_PROGRAMS:-}" ]; then
	lane_sparse arm64 "$KDIR" ARCH=arm64 CROSS_COMPILE="$CROSS"
fi
TEST_MAKE_ARGS=(CC="${CROSS}gcc" ARCH=arm64)
build_tests
# the Linux guest of axvcpu-run (vmm_linux_arm64_test): the lane's own
# Debian kernel (Debian's arm64 vmlinuz is an uncompressed Image)
cp "$IMAGE" "$W/tests/vmm/guests/Image" || lane_abort "cannot copy $IMAGE"
mapfile -t PROGRAMS < <(test_programs)
[ "${#PROGRAMS[@]}" -gt 0 ] || lane_abort "no test programs in $W/tests"
say "programs: ${PROGRAMS[*]}"

ROOT=$W/root
initramfs_skeleton "$ROOT"
cp "$W/src/axvcpu.ko" "$ROOT/lib/axvcpu/axvcpu.ko"
# Debian's arm64 KVM is built in: no modules to load
KVM_MODULES=
: >"$ROOT/lib/axvcpu/kvm/modules.order"
copy_test_programs "$ROOT/tests" "${PROGRAMS[@]}"
write_init "$ROOT" "${PROGRAMS[@]}"
# kexec_arm64_test: in /tests/kexec, the kernel it kexecs (this one) and
# that boot's initramfs: this one without those two files
KEXEC=0
[[ " ${PROGRAMS[*]} " == *" kexec_arm64_test "* ]] && KEXEC=1
if [ "$KEXEC" = 1 ]; then
	pack_initramfs "$ROOT" "$W/initramfs-kexec.gz"
	mkdir -p "$ROOT/tests/kexec"
	cp "$IMAGE" "$ROOT/tests/kexec/Image" || lane_abort "cannot copy $IMAGE"
	mv "$W/initramfs-kexec.gz" "$ROOT/tests/kexec/initrd.gz"
fi
pack_initramfs "$ROOT" "$W/initramfs.gz"
say "initramfs $(du -h "$W/initramfs.gz" | cut -f1)"

SERIAL=$W/serial.log
t0=$(now)
rc=0
say "booting (timeout ${LANE_TIMEOUT} s); serial log: $SERIAL"
# shellcheck disable=SC2086,SC2046 # AXVCPU_QEMU_EXTRA and qemu_arm_cmd are split into arguments
run_emulator "$LANE_TIMEOUT" $(qemu_arm_cmd) -M "$QEMU_MACHINE" \
	-accel "tcg,thread=$TCG_THREAD" -cpu "$QEMU_CPU" \
	-m "$QEMU_MEM" -smp "$QEMU_SMP" -nographic -no-reboot -nic none -monitor none \
	${FW_ARGS[@]+"${FW_ARGS[@]}"} -kernel "$IMAGE" -initrd "$W/initramfs.gz" -append "$APPEND" \
	-serial "file:$SERIAL" ${AXVCPU_QEMU_EXTRA:-} 2>"$W/qemu.log" || rc=$?
say "QEMU exited with status $rc after $(elapsed "$t0") s"
judge_emulator_exit "$rc"

judge_serial_log "${PROGRAMS[@]}"
if [ "${BACKEND:-}" = nvhe ] && ! tr -d '\r' <"$SERIAL" | grep -q 'axvcpu: arm64 nVHE backend'; then
	lane_fail "the module did not load its nVHE backend (no 'axvcpu: arm64 nVHE backend' line)"
fi
# Booted through UEFI: the kernel used ACPI, and so did the module.
if [ "${FIRMWARE:-}" = efi ] && [ "${BACKEND:-}" = nvhe ] &&
   ! tr -d '\r' <"$SERIAL" | grep -q "axvcpu: guests' virtual timer: INTID 27, from the ACPI GTDT"; then
	lane_fail "no 'axvcpu: guests' virtual timer: INTID 27, from the ACPI GTDT' line: the module did not find the timer through ACPI"
fi
# The reboot notifier ran in the first boot, with the test's VM alive
# (only the serial log still has that boot's messages).
if [ "$KEXEC" = 1 ] && ! tr -d '\r' <"$SERIAL" | grep -q 'axvcpu: restart: virtualization off on every CPU (1 VM left)'; then
	lane_fail "kexec_arm64_test: no 'axvcpu: restart: virtualization off on every CPU (1 VM left)' line: the reboot notifier did not give EL2 back"
fi
say "full serial log: $SERIAL"
lane_end "$PASSED" "$FAILED" "$SKIPPED"
