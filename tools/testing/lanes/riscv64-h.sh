#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lanes/riscv64-h.sh [LANE]: the RISC-V H-extension backend under QEMU TCG
# (-M virt). Lanes riscv64-h (QEMU_CPU=rv64: H on) and riscv64-noh
# (QEMU_CPU=rv64,h=false, a CPU the module cannot use: nohw_test alone) run
# this script with the parameters of check.sh's lane table
# (tools/testing/lib.sh):
#   QEMU_CPU   -cpu of QEMU (rv64)
#   QEMU_MEM   -m of QEMU (1G; 3G in bench mode, as on x86)
#   KERNEL     NAME: the kernel build-kernel.sh builds from linux-source-6.1
#              with kconfig/NAME.config (riscv64), cached outside the
#              checkout. Debian 12 ships no riscv64 kernel.
#   KDEBUG     debug features the guest kernel must have active (kdebug_check)
#   QEMU_RISCV backports (QEMU 10.0, the default) or debian (Debian 12's
#              7.2, qemu-system-riscv64: it gives no htinst); an
#              AXVCPU_QEMU_RISCV of the environment wins over both
#
# Cross-builds axvcpu.ko against the built kernel's tree, the kselftests
# (static, riscv64-linux-gnu-gcc) and the C /init (Debian 12 has no
# riscv64 busybox: tools/testing/init/axvcpu-init.c, the same markers as
# write_init's script), packs an initramfs with them and the kernel's
# kvm.ko, boots the kernel on OpenSBI, and judges the serial log as the x86
# lanes do. Writes ${AXVCPU_WORK:-/tmp/axvcpu-work}/<lane>/result for
# check.sh; exit status non-zero on any failure.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

lane_begin "${1:-riscv64-h}"
QEMU_CPU=${QEMU_CPU:-rv64}
if [ "$MODE" = bench ]; then
	QEMU_MEM=${QEMU_MEM:-3G}
else
	QEMU_MEM=${QEMU_MEM:-1G}
fi
KERNEL=${KERNEL:-riscv64}
KDEBUG=${KDEBUG:-}
CROSS=riscv64-linux-gnu-
if [ "$MODE" = fuzz ]; then
	LANE_TIMEOUT=${AXVCPU_LANE_TIMEOUT:-$(($(fuzz_program_timeout) + 600))}
elif [ "$MODE" = stress ]; then
	LANE_TIMEOUT=${AXVCPU_LANE_TIMEOUT:-$((${AXVCPU_STRESS_SECONDS:-1800} + 1500))}
else
	LANE_TIMEOUT=${AXVCPU_LANE_TIMEOUT:-1500}
fi

"$TESTING_DIR/deps.sh" "$LANE" || lane_abort "deps.sh $LANE failed"

# The kernel: always one built from linux-source-6.1 (build-kernel.sh).
APPEND='console=ttyS0 loglevel=5 panic=-1 oops=panic panic_on_warn=0'
t0=$(now)
KCACHE=$("$TESTING_DIR/build-kernel.sh" "$KERNEL" 2> >(sed "s/^/[$LANE] /" >&2) | tail -n 1) ||
	lane_abort "building the $KERNEL kernel failed"
[ -f "$KCACHE/complete" ] || lane_abort "building the $KERNEL kernel failed (no $KCACHE/complete)"
say "kernel $KERNEL ready in $(elapsed "$t0") s: $KCACHE"
KDIR=$KCACHE/linux
IMAGE=$KCACHE/Image
KMOD_DIR=$KCACHE/modules
KARGS=(ARCH=riscv CROSS_COMPILE="$CROSS")
KVER=$(make -s -C "$KDIR" "${KARGS[@]}" kernelrelease 2>/dev/null) || KVER=$KERNEL

# QEMU's TCG threads: multi-threaded (MTTCG, one host thread per guest
# CPU), on QEMU 10.0 from bookworm-backports, as the x86 lanes. The guest
# gets 3 CPUs and the tests run on CPUs 1-2, as on x86: no QEMU bug is
# known here that calls for it, but the CPU torture_hotplug_test takes
# offline is then never the boot hart, and CPU 0 stays free for /init's
# timeouts and reaping. Overrides: AXVCPU_QEMU_TCG_THREAD, AXVCPU_QEMU_SMP,
# AXVCPU_TEST_CPUS (a CPU list, or all) and AXVCPU_QEMU_RISCV
# (qemu_riscv_cmd). The firmware is Debian's OpenSBI (QEMU 10's own
# default is a link into a directory the unpacked QEMU does not have).
if [ "${QEMU_RISCV:-backports}" = debian ] && [ -z "${AXVCPU_QEMU_RISCV:-}" ]; then
	AXVCPU_QEMU_RISCV=qemu-system-riscv64
fi
TCG_THREAD=${AXVCPU_QEMU_TCG_THREAD:-multi}
if [ "$TCG_THREAD" = multi ]; then
	QEMU_SMP=${AXVCPU_QEMU_SMP:-3}
	TEST_CPUS=${AXVCPU_TEST_CPUS:-1-$((QEMU_SMP - 1))}
else
	QEMU_SMP=${AXVCPU_QEMU_SMP:-2}
	TEST_CPUS=${AXVCPU_TEST_CPUS:-all}
fi
[ "$TEST_CPUS" = all ] && TEST_CPUS=
[ -r "$OPENSBI_FW" ] || lane_abort "no OpenSBI firmware $OPENSBI_FW (deps.sh: opensbi)"
# shellcheck disable=SC2046 # qemu_riscv_cmd is a command and its options
say "$($(qemu_riscv_cmd) --version | head -n 1)"
say "kernel $KVER, QEMU -M virt -cpu $QEMU_CPU -m $QEMU_MEM -smp $QEMU_SMP, TCG thread=$TCG_THREAD, tests on CPUs ${TEST_CPUS:-all}"

build_module "$KDIR" "${KARGS[@]}"
# sparse on the riscv64 build (its own -march: sparse-march.sh), once,
# in the full riscv64-h lane
if [ "$MODE" = check ] && [ -z "${LANE_PROGRAMS:-}" ]; then
	lane_sparse riscv64 "$KDIR" "${KARGS[@]}" CHECK="$TESTING_DIR/sparse-march.sh"
fi
TEST_MAKE_ARGS=(CC="${CROSS}gcc" ARCH=riscv64)
build_tests
# the Linux guest of axvcpu-run (vmm_linux_riscv_test): this lane's own
# kernel (Debian has no riscv64 one), the Image it boots itself
cp "$IMAGE" "$W/tests/vmm/guests/Image" || lane_abort "cannot copy $IMAGE"
build_c_init "${CROSS}gcc"
mapfile -t PROGRAMS < <(test_programs)
if [ "${#PROGRAMS[@]}" -eq 0 ]; then
	if [ "$MODE" = bench ]; then
		say "bench: no $BENCH_PROGRAM in the test build; nothing to run"
		lane_end 0 0 0
	fi
	lane_abort "no test programs in $W/tests"
fi
say "programs: ${PROGRAMS[*]}"

# kmod_file MODULE: the file of a module of the built kernel.
kmod_file() {
	local f
	for f in "$KMOD_DIR/$1.ko" "$KMOD_DIR/${1//_/-}.ko"; do
		if [ -f "$f" ]; then echo "$f"; return 0; fi
	done
	echo "no module $1 in $KMOD_DIR" >&2
	return 1
}

# kvm_modules: kvm and what it needs, dependencies first (modinfo reads
# the riscv64 modules' .modinfo as well). 6.1's riscv kvm.ko has no
# module_exit: once a program loads it, it stays until the guest powers
# off, for every program after it.
kvm_modules() {
	local m f
	f=$(kmod_file "$1") || return 1
	for m in $(modinfo -F depends "$f" | tr ',' ' '); do
		kvm_modules "$m" || return 1
	done
	echo "$1"
}

ROOT=$W/root
initramfs_skeleton "$ROOT" "$W/init"
cp "$W/src/axvcpu.ko" "$ROOT/lib/axvcpu/axvcpu.ko"
KVM_MODULES=
mods=$(kvm_modules kvm) || lane_abort "cannot find kvm and its dependencies in $KMOD_DIR"
mapfile -t mods < <(awk '!seen[$0]++' <<<"$mods")
for m in "${mods[@]}"; do
	f=$(kmod_file "$m") || lane_abort "no file for module $m of $KVER"
	cp "$f" "$ROOT/lib/axvcpu/kvm/"
	KVM_MODULES="$KVM_MODULES${KVM_MODULES:+ }${f##*/}"
done
printf '%s\n' "$KVM_MODULES" | tr ' ' '\n' >"$ROOT/lib/axvcpu/kvm/modules.order"
copy_test_programs "$ROOT/tests" "${PROGRAMS[@]}"
write_init_conf "$ROOT" "${PROGRAMS[@]}"
pack_initramfs "$ROOT" "$W/initramfs.gz"
say "initramfs $(du -h "$W/initramfs.gz" | cut -f1) (KVM modules: $KVM_MODULES)"

SERIAL=$W/serial.log
boot() {
	t0=$(now)
	rc=0
	# shellcheck disable=SC2086,SC2046 # AXVCPU_QEMU_EXTRA and qemu_riscv_cmd are split into arguments
	run_emulator "$LANE_TIMEOUT" $(qemu_riscv_cmd) -M virt -bios "$OPENSBI_FW" \
		-accel "tcg,thread=$TCG_THREAD" -cpu "$QEMU_CPU" \
		-m "$QEMU_MEM" -smp "$QEMU_SMP" -nographic -no-reboot -nic none -monitor none \
		-kernel "$IMAGE" -initrd "$W/initramfs.gz" -append "$APPEND" \
		-serial "file:$SERIAL" ${AXVCPU_QEMU_EXTRA:-} 2>"$W/qemu.log" || rc=$?
	say "QEMU exited with status $rc after $(elapsed "$t0") s"
}
say "booting (timeout ${LANE_TIMEOUT} s); serial log: $SERIAL"
boot
# as on x86: a QEMU that dies of SIGSEGV is an emulator bug, not a result;
# one more boot, and a second crash fails the lane
if [ "$rc" = 139 ]; then
	mv -f "$SERIAL" "$W/serial-qemu-crash.log" 2>/dev/null || true
	mv -f "$W/qemu.log" "$W/qemu-crash.log" 2>/dev/null || true
	say "QEMU crashed (SIGSEGV): a QEMU bug; booting once more (crashed boot's log: $W/serial-qemu-crash.log)"
	boot
fi
judge_emulator_exit "$rc"

judge_serial_log "${PROGRAMS[@]}"
kdebug_check "$SERIAL" "$KDEBUG"
say "full serial log: $SERIAL"
lane_end "$PASSED" "$FAILED" "$SKIPPED"
