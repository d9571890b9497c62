#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lanes/x86-svm.sh [LANE]: the AMD SVM backend under QEMU TCG, or Bochs.
# Lanes x86-svm (QEMU_CPU=max: 5-level paging, so a 5-level NPT),
# x86-svm-612 (QEMU_CPU=EPYC: 4-level, on 6.12), x86-svm-debug (a debug kernel),
# x86-nosvm and x86-nonpt (CPUs the module cannot use: nohw_test alone)
# and x86-svm-bochs (Bochs's AMD CPU with SVM's hardware assists) run this
# script with the parameters of check.sh's lane table (tools/testing/lib.sh):
#   QEMU_CPU   -cpu of QEMU (max)
#   QEMU_MEM   -m of QEMU (1G; 3G in bench mode, for axvcpu_bench's 1 GiB
#              memory region)
#   KERNEL     debian: Debian's amd64 kernel (the default); debian-6.12:
#              Debian 12's 6.12 kernel (unpacked by deps.sh); NAME: the kernel
#              build-kernel.sh builds from linux-source-6.1 with
#              kconfig/NAME.config, cached outside the checkout
#   KDEBUG     debug features the guest kernel must have active (kdebug_check)
#   EMULATOR   qemu (the default) or bochs: the kernel and initramfs on an
#              ISO (isolinux) that Bochs boots, BOCHS_CPU its CPU model,
#              one CPU (AXVCPU_BOCHS_CPUS), QEMU_MEM its memory, BOCHS_IPS
#              its instructions per second of guest time
#   LINUX_GUEST debian (the default): vmm_linux_x86_test boots Debian's
#              vmlinuz; lane: the kernel this lane boots
#   BACKEND    svm or vmx: the backend the module must report at load
#   SVM_ASSISTS the hardware assists the module's load line must report,
#              comma-separated: nrips decode clean flushbyasid pausefilter
#
# Builds axvcpu.ko against the kernel's tree (/usr/src/linux-headers-$KVER,
# or the built tree) and the kselftests (static), packs a busybox initramfs
# with them and the kernel's KVM modules, boots the kernel, and judges the
# serial log. Writes ${AXVCPU_WORK:-/tmp/axvcpu-work}/<lane>/result for
# check.sh; exit status non-zero on any failure.
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
KERNEL=${KERNEL:-debian}
KDEBUG=${KDEBUG:-}
# qemu, or bochs (BOCHS_CPU: a CPU model of Bochs's, e.g. zambezi);
# SVM_ASSISTS: assists the module must report at load (see above)
EMULATOR=${EMULATOR:-qemu}
# KERNEL_ARGS: more for the guest kernel's command line
# KVM's vendor module the initramfs carries: kvm_amd, or kvm_intel (VMX)
KVM_VENDOR=${KVM_VENDOR:-kvm_amd}
BOCHS_CPU=${BOCHS_CPU:-zambezi}
# make fuzz: the fuzzer's own bound, plus the boot and the end of the run
if [ "$MODE" = fuzz ]; then
	LANE_TIMEOUT=${AXVCPU_LANE_TIMEOUT:-$(($(fuzz_program_timeout) + 600))}
elif [ "$MODE" = stress ]; then
	# the last pass may start just before the end: one more pass's time
	LANE_TIMEOUT=${AXVCPU_LANE_TIMEOUT:-$((${AXVCPU_STRESS_SECONDS:-1800} + 1500))}
else
	LANE_TIMEOUT=${AXVCPU_LANE_TIMEOUT:-1500}
fi

"$TESTING_DIR/deps.sh" "$LANE" || lane_abort "deps.sh $LANE failed"

# The kernel: KDIR to build against, IMAGE to boot, KMOD_DIR where its
# modules are (modinfo -k KVER, or the files of the built kernel, or those
# kmod_file unpacks from KMOD_XZ_TREE).
KMOD_XZ_TREE=
APPEND="console=ttyS0 loglevel=5 panic=-1 oops=panic panic_on_warn=0${KERNEL_ARGS:+ $KERNEL_ARGS}"
if [ "$KERNEL" = debian ]; then
	KVER=$(debian_kver amd64) ||
		lane_abort "no Debian amd64 kernel with matching headers (/usr/src/linux-headers-*-amd64 + /boot/vmlinuz-*)"
	KDIR=/usr/src/linux-headers-$KVER
	IMAGE=/boot/vmlinuz-$KVER
	KMOD_DIR=
elif [ "$KERNEL" = debian-6.12 ]; then
	# Debian 12's 6.12 kernel, unpacked into the cache (deps.sh image_612)
	KVER=$(cat "$IMAGE612_ROOT/complete" 2>/dev/null) ||
		lane_abort "no Debian 6.12 kernel in $IMAGE612_ROOT (deps.sh $LANE)"
	KDIR=$(headers612_dir) || lane_abort "no Debian 6.12 headers (deps.sh)"
	IMAGE=$IMAGE612_ROOT/boot/vmlinuz-$KVER
	# its modules are xz-compressed: kmod_file unpacks the ones needed here
	KMOD_XZ_TREE=$IMAGE612_ROOT/lib/modules/$KVER/kernel
	KMOD_DIR=$W/kmods
	rm -rf "$KMOD_DIR"
	mkdir -p "$KMOD_DIR"
else
	t0=$(now)
	KCACHE=$("$TESTING_DIR/build-kernel.sh" "$KERNEL" 2> >(sed "s/^/[$LANE] /" >&2) | tail -n 1) ||
		lane_abort "building the $KERNEL kernel failed"
	[ -f "$KCACHE/complete" ] || lane_abort "building the $KERNEL kernel failed (no $KCACHE/complete)"
	say "kernel $KERNEL ready in $(elapsed "$t0") s: $KCACHE"
	KDIR=$KCACHE/linux
	IMAGE=$KCACHE/bzImage
	KMOD_DIR=$KCACHE/modules
	KVER=$(make -s -C "$KDIR" kernelrelease 2>/dev/null) || KVER=$KERNEL
	# every KASAN report, not only the first
	APPEND="$APPEND kasan_multi_shot"
fi
# QEMU's TCG threads (Documentation/reliability.rst, "QEMU's multi-threaded
# TCG"): one host thread per guest CPU (MTTCG), as parallel as real
# hardware, on QEMU 10.0 from bookworm-backports (7.2 keeps running stale
# code after a guest kernel patches itself). QEMU 7.2 and 10.0 both
# corrupt CPU 0's SVM flags under MTTCG (cpu_clear_ignne(): every x87
# state load on any CPU rewrites CPU 0's hflags2; the reproducer without
# axvcpu is tools/testing/qemu-bugs/ignne/), so the guest gets one CPU
# more and the tests run on CPUs 1..N (taskset; BIND stays in the
# caller's affinity) while CPU 0 runs no guest. Overrides:
# AXVCPU_QEMU_TCG_THREAD, AXVCPU_QEMU_SMP, AXVCPU_TEST_CPUS (a taskset
# list, or all) and AXVCPU_QEMU_X86 (qemu_x86_cmd).
TCG_THREAD=${AXVCPU_QEMU_TCG_THREAD:-multi}
if [ "$EMULATOR" = bochs ]; then
	# Bochs runs every CPU of the guest on one host thread: one CPU, and
	# the tests on it (no QEMU bug to keep CPU 0 free of)
	QEMU_SMP=${AXVCPU_BOCHS_CPUS:-1}
	TEST_CPUS=${AXVCPU_TEST_CPUS:-all}
	# its 16550 sends at the console's 9600 baud of its own time: /init
	# drains the tty, then waits this long for the UART's FIFO
	CONSOLE_DRAIN=3
	# Bochs's TSC counts instructions, BOCHS_IPS of them a second of its
	# emulated time; Linux would take an Intel model's nominal rate from
	# CPUID (3.5 GHz for corei7_skylake_x) and run its clock and timers
	# 175 times slower than Bochs's devices: every sleep 175 times longer
	# in wall time (the 3 s console drain took four minutes)
	BOCHS_IPS=${BOCHS_IPS:-200000000}
	APPEND="$APPEND tsc_early_khz=$((BOCHS_IPS / 1000))"
	# and the same for the Linux guests of axvcpu-run (lib.sh forwards
	# it; the Linux-guest tests and the bench append it)
	export AXVCPU_LINUX_GUEST_ARGS=tsc_early_khz=$((BOCHS_IPS / 1000))
elif [ "$TCG_THREAD" = multi ]; then
	QEMU_SMP=${AXVCPU_QEMU_SMP:-3}
	TEST_CPUS=${AXVCPU_TEST_CPUS:-1-$((QEMU_SMP - 1))}
else
	QEMU_SMP=${AXVCPU_QEMU_SMP:-2}
	TEST_CPUS=${AXVCPU_TEST_CPUS:-all}
fi
[ "$TEST_CPUS" = all ] && TEST_CPUS=
if [ "$EMULATOR" = bochs ]; then
	say "$(dpkg-query -W -f='Bochs ${Version}' bochs 2>/dev/null)"
	say "kernel $KVER, Bochs cpu model=$BOCHS_CPU count=$QEMU_SMP megs=${QEMU_MEM%G}G, tests on CPUs ${TEST_CPUS:-all}"
else
	# shellcheck disable=SC2046 # qemu_x86_cmd is a command and its options
	say "$($(qemu_x86_cmd) --version | head -n 1)"
	say "kernel $KVER, QEMU -cpu $QEMU_CPU -m $QEMU_MEM -smp $QEMU_SMP, TCG thread=$TCG_THREAD, tests on CPUs ${TEST_CPUS:-all}"
fi

build_module "$KDIR"
if [ "$MODE" = bench ]; then
	# axvcpu_bench's floor: a bare VMRUN loop (selftests/axvcpu/bare)
	run_logged "$W/build-bare.log" make -C "$KDIR" \
		M="$W/src/tools/testing/selftests/axvcpu/bare" modules ||
		lane_abort "bare loop module build failed (log: $W/build-bare.log)"
fi
build_tests
# the Linux guest of axvcpu-run (vmm_linux_x86_test): Debian's own kernel,
# untouched, whatever kernel this lane boots; with LINUX_GUEST=lane, the
# kernel this lane boots (Bochs: Debian's takes minutes to boot there)
if [ "${LINUX_GUEST:-debian}" = lane ]; then
	cp "$IMAGE" "$W/tests/vmm/guests/vmlinuz" ||
		lane_abort "cannot copy $IMAGE"
elif v=$(debian_kver amd64); then
	cp "/boot/vmlinuz-$v" "$W/tests/vmm/guests/vmlinuz" ||
		lane_abort "cannot copy /boot/vmlinuz-$v"
fi
mapfile -t PROGRAMS < <(test_programs)
if [ "${#PROGRAMS[@]}" -eq 0 ]; then
	if [ "$MODE" = bench ]; then
		say "bench: no $BENCH_PROGRAM in the test build; nothing to run"
		lane_end 0 0 0
	fi
	lane_abort "no test programs in $W/tests"
fi
say "programs: ${PROGRAMS[*]}"
if [ "$MODE" = bench ] && [ "$EMULATOR" = bochs ]; then
	say "bench: Bochs's figures are regression figures only: its clock counts instructions, so compare them with earlier Bochs runs, never with QEMU's or hardware's"
fi

# kmod_file MODULE: the file of a module of the kernel.
kmod_file() {
	local f
	if [ -z "$KMOD_DIR" ]; then
		modinfo -k "$KVER" -n "$1"
		return
	fi
	if [ -n "$KMOD_XZ_TREE" ]; then
		f=$(find "$KMOD_XZ_TREE" \( -name "$1.ko.xz" -o -name "${1//_/-}.ko.xz" \) | head -n 1)
		[ -n "$f" ] && xz -dc "$f" >"$KMOD_DIR/$(basename "$f" .xz)"
	fi
	for f in "$KMOD_DIR/$1.ko" "$KMOD_DIR/${1//_/-}.ko"; do
		if [ -f "$f" ]; then echo "$f"; return 0; fi
	done
	echo "no module $1 in $KMOD_DIR" >&2
	return 1
}

# kvm_modules: kvm-amd and what it needs, dependencies first (modinfo).
kvm_modules() {
	local m f
	f=$(kmod_file "$1") || return 1
	for m in $(modinfo -F depends "$f" | tr ',' ' '); do
		kvm_modules "$m" || return 1
	done
	echo "$1"
}

ROOT=$W/root
initramfs_skeleton "$ROOT"
cp "$W/src/axvcpu.ko" "$ROOT/lib/axvcpu/axvcpu.ko"
if [ "$MODE" = bench ]; then
	cp "$W/src/tools/testing/selftests/axvcpu/bare/axvcpu_svm_bare.ko" "$ROOT/lib/axvcpu/"
fi
KVM_MODULES=
mods=$(kvm_modules "$KVM_VENDOR") || lane_abort "cannot find $KVM_VENDOR and its dependencies for $KVER"
mapfile -t mods < <(awk '!seen[$0]++' <<<"$mods")
for m in "${mods[@]}"; do
	f=$(kmod_file "$m") || lane_abort "no file for module $m of $KVER"
	cp "$f" "$ROOT/lib/axvcpu/kvm/"
	KVM_MODULES="$KVM_MODULES${KVM_MODULES:+ }${f##*/}"
done
printf '%s\n' "$KVM_MODULES" | tr ' ' '\n' >"$ROOT/lib/axvcpu/kvm/modules.order"
copy_test_programs "$ROOT/tests" "${PROGRAMS[@]}"
write_init "$ROOT" "${PROGRAMS[@]}"
pack_initramfs "$ROOT" "$W/initramfs.gz"
say "initramfs $(du -h "$W/initramfs.gz" | cut -f1) (KVM modules: $KVM_MODULES)"

# loglevel=5: KERN_WARNING and the default level (WARN_ON, call traces)
# reach the console as they happen, before the dmesg dump at the end.
SERIAL=$W/serial.log
boot_bochs() {
	t0=$(now)
	rc=0
	bochs_iso "$IMAGE" "$W/initramfs.gz" "$APPEND" "$W/boot.iso" ||
		lane_abort "cannot make the ISO Bochs boots (xorriso, isolinux)"
	run_bochs "$LANE_TIMEOUT" "$W/boot.iso" "$SERIAL" "$BOCHS_CPU" "$QEMU_SMP" \
		"$(( ${QEMU_MEM%G} * 1024 ))" || rc=$?
	say "Bochs exited with status $rc after $(elapsed "$t0") s"
	# an ACPI power-off ends Bochs with status 1: the serial log judges
	[ "$rc" = 1 ] && rc=0
	cp "$W/bochs-stdout.log" "$W/qemu.log" 2>/dev/null || true
}
boot() {
	if [ "$EMULATOR" = bochs ]; then
		boot_bochs
		return
	fi
	t0=$(now)
	rc=0
	# shellcheck disable=SC2086,SC2046 # AXVCPU_QEMU_EXTRA and qemu_x86_cmd are split into arguments
	BOOT_GUARD_LOG=$SERIAL run_emulator "$LANE_TIMEOUT" $(qemu_x86_cmd) -accel "tcg,thread=$TCG_THREAD" -cpu "$QEMU_CPU" \
		-m "$QEMU_MEM" -smp "$QEMU_SMP" -nographic -no-reboot -nic none -monitor none \
		-kernel "$IMAGE" -initrd "$W/initramfs.gz" -append "$APPEND" \
		-serial "file:$SERIAL" ${AXVCPU_QEMU_EXTRA:-} 2>"$W/qemu.log" || rc=$?
	say "QEMU exited with status $rc after $(elapsed "$t0") s"
}
say "booting (timeout ${LANE_TIMEOUT} s); serial log: $SERIAL"
boot
# QEMU 10.0.2 itself dies now and then under fuzz_test's random guest
# code (Documentation/reliability.rst, "Open"), with SIGSEGV or with one of
# its own assertions (SIGABRT after glib's "Bail out! ERROR:"): an
# emulator bug whatever the guest does, not a result. The lane boots once
# more and keeps the crashed boot's logs; a second crash fails the lane.
crash=
if [ "$rc" = 139 ]; then
	crash=SIGSEGV
elif [ "$rc" = 134 ] && grep -q '^Bail out! ERROR:' "$W/qemu.log" 2>/dev/null; then
	crash="an assertion: $(grep -m 1 '^Bail out! ERROR:' "$W/qemu.log")"
fi
if [ -n "$crash" ]; then
	mv -f "$SERIAL" "$W/serial-qemu-crash.log" 2>/dev/null || true
	mv -f "$W/qemu.log" "$W/qemu-crash.log" 2>/dev/null || true
	say "QEMU crashed ($crash): a QEMU bug; booting once more (crashed boot's log: $W/serial-qemu-crash.log)"
	boot
fi
# The lane's own kernel crashing in its early boot, before /init (so
# before any axvcpu code: once, the debug kernel's KASAN reported wild
# accesses in the first timer interrupts under MTTCG, forever): stopped by
# run_emulator's boot guard, booted once more; a second time fails.
if [ "$rc" = 76 ]; then
	mv -f "$SERIAL" "$W/serial-boot-crash.log" 2>/dev/null || true
	say "the lane's kernel reported a bug of its own before /init (log: $W/serial-boot-crash.log); booting once more"
	boot
fi
judge_emulator_exit "$rc"

judge_serial_log "${PROGRAMS[@]}"
kdebug_check "$SERIAL" "$KDEBUG"
# a lane for SVM's hardware assists: the module must have seen them
# BACKEND: the backend the module's load line must name (svm, vmx)
case ${BACKEND:-} in
svm) said='axvcpu: AMD SVM with nested paging' ;;
vmx) said='axvcpu: Intel VMX with EPT' ;;
*) said= ;;
esac
if [ -n "$said" ] && ! tr -d '\r' <"$SERIAL" | grep -q "$said"; then
	lane_fail "the module did not load its ${BACKEND} backend (no '$said' line)"
fi
for assist in ${SVM_ASSISTS:+${SVM_ASSISTS//,/ }}; do
	case $assist in
	nrips) said='next-RIP save yes' ;;
	decode) said='decode assists yes' ;;
	clean) said='clean bits yes' ;;
	flushbyasid) said='flush-by-ASID yes' ;;
	pausefilter) said='pause filter yes' ;;
	*) lane_fail "SVM_ASSISTS: unknown assist $assist"; continue ;;
	esac
	if ! tr -d '\r' <"$SERIAL" | grep -q "$said"; then
		lane_fail "the module did not report '$said': $(tr -d '\r' <"$SERIAL" | grep -o 'axvcpu: AMD SVM.*' | head -n 1)"
	fi
done
say "full serial log: $SERIAL"
lane_end "$PASSED" "$FAILED" "$SKIPPED"
