# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # variables are for the scripts that source this
#
# Shared by check.sh, lint.sh, deps.sh and the lane scripts (sourced, never
# run). Documentation/testing.rst describes the whole; in short:
#
#   lane table   LANES_TABLE below: lane name -> script in lanes/ + parameters
#   work dir     ${AXVCPU_WORK:-/tmp/axvcpu-work}/<lane>: copies, builds, logs
#   cache        ${XDG_CACHE_HOME:-$HOME/.cache}/axvcpu: files extracted once
#   guest side   write_init: markers AXVCPU-* on the serial console
#   host side    parse_serial_log + splat_scan: a lane's result file
#
# Developer overrides (environment), see Documentation/testing.rst:
#   AXVCPU_SRC_OVERRIDE    source tree to use instead of this checkout
#   AXVCPU_TESTS_OVERRIDE  directory of prebuilt test programs (no selftest build)
#   AXVCPU_TESTS           run only these test programs (space-separated names)
#   AXVCPU_KVER            Debian kernel version to build against and boot
#   AXVCPU_TEST_TIMEOUT    seconds per test program in the guest (the
#                          lane's TEST_TIMEOUT, else 300)
#   AXVCPU_BENCH_TIMEOUT   seconds for axvcpu_bench in the guest (1200)
#   AXVCPU_FUZZ_*          forwarded into the guest's environment (fuzz_test
#                          reads SEED, CALLS, SECONDS, PROCS, THREADS, FAULTS)
#   AXVCPU_TORTURE_*       forwarded too (the torture_*_test programs read
#                          SEED, ITERS)
#   AXVCPU_COEXIST_*       forwarded too (kvm_coexist_test reads ROUNDS)
#   AXVCPU_STRESS_SECONDS  make stress: how long the guest repeats the
#                          stress programs (1800)
#   AXVCPU_STRESS_PROGRAMS make stress: which programs (STRESS_PROGRAMS)
#   AXVCPU_LANE_TIMEOUT    seconds before the emulator is killed (1500)
#   AXVCPU_EMU_LOCK_WAIT   seconds to wait for the emulator lock (1800)
#   AXVCPU_QEMU_TCG_THREAD single or multi: QEMU's TCG threads (x86:
#                          multi; lanes/x86-svm.sh)
#   AXVCPU_QEMU_SMP        guest CPUs (x86 lanes: 3 with multi, 2 with single)
#   AXVCPU_TEST_CPUS       the guest CPUs the test programs run on (taskset
#                          -c list; all for every CPU; x86 with multi:
#                          1-<SMP-1>)
#   AXVCPU_QEMU_EXTRA      more QEMU arguments (word-split), e.g. a monitor
#                          socket to inspect a hung guest
#   AXVCPU_QEMU_X86        the qemu-system-x86_64 to run, with any options
#                          it needs (e.g. -L for its firmware); default:
#                          the bookworm-backports one deps.sh unpacks
#                          (qemu-system-x86_64 for Debian 12's 7.2)
#   AXVCPU_QEMU_RISCV      the same for the riscv64 lanes'
#                          qemu-system-riscv64

TESTING_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$TESTING_DIR/../.." && pwd -P)
SRC_ROOT=$(cd "${AXVCPU_SRC_OVERRIDE:-$REPO_ROOT}" && pwd -P)
WORK_ROOT=${AXVCPU_WORK:-/tmp/axvcpu-work}
CACHE_DIR=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/axvcpu
LINUX_SOURCE_TARBALL=/usr/src/linux-source-6.1.tar.xz
KSFT_CACHE=$CACHE_DIR/ksft-6.1
CHECKPATCH_CACHE=$CACHE_DIR/checkpatch-6.1
EMU_LOCK=/tmp/axvcpu-emu.lock
# The lanes' QEMU: Debian's qemu-system-x86 and qemu-system-riscv (10.0
# split riscv64 out of qemu-system-misc, where Debian 12's 7.2 has it)
# from bookworm-backports (10.0), each unpacked into a directory of the
# cache by deps.sh and run from there, beside Debian 12's 7.2 (whose
# libraries, SeaBIOS and OpenSBI they use): 7.2's multi-threaded TCG
# livelocks guests that patch their own kernel text
# (Documentation/reliability.rst).
QEMU_SUITE=bookworm-backports
QEMU_X86_DIR=$CACHE_DIR/qemu-x86-$QEMU_SUITE
QEMU_RISCV_DIR=$CACHE_DIR/qemu-riscv-$QEMU_SUITE
QEMU_ARM_DIR=$CACHE_DIR/qemu-arm-$QEMU_SUITE
# The arm64 lanes' kernel: Debian's arm64 image and headers of the same
# upload as the amd64 headers installed here (whose linux-kbuild-6.1
# builds modules for both), with busybox-static:arm64, unpacked by
# deps.sh into ARM64_ROOT (dpkg -x: nothing arm64 is installed).
ARM64_ROOT=$CACHE_DIR/debian-arm64
# Debian 12's newest 6.12 amd64 headers, unpacked (deps.sh headers_612),
# and that kernel itself (image_612, for lane x86-svm-612)
HEADERS612_ROOT=$CACHE_DIR/headers-6.12-amd64
IMAGE612_ROOT=$CACHE_DIR/debian-6.12-amd64
# The riscv64 lanes' firmware (-bios): Debian's opensbi package, the
# file QEMU's own data directory would link to.
OPENSBI_FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
# The arm64 lanes' UEFI firmware (FIRMWARE=efi, -bios): Debian's edk2
# build for QEMU's virt board (qemu-efi-aarch64), which gives the kernel
# ACPI tables, not a device tree, as an arm64 server's firmware does.
AAVMF_FW=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd
BENCH_PROGRAM=axvcpu_bench
# make demo's program: tools/axvcpu-run/demo.c (axvcpu-demo), run in demo mode only
DEMO_PROGRAM=axvcpu_demo
FUZZ_PROGRAM=fuzz_test
# make stress: the programs that race the module against CPU hotplug,
# kill -9, kicks and KVM, repeated for AXVCPU_STRESS_SECONDS.
STRESS_PROGRAMS="kvm_coexist_test torture_kill_test torture_fd_test torture_hotplug_test run_test"
# Programs that run after all the others, in this order: module_test
# unloads and reloads the module (a failed reload must not leave the
# other programs without it). The order is the runner's, not a name's.
LAST_PROGRAMS="module_test"
# Programs only a lane that names them in its LANE_PROGRAMS runs: nohw_test
# needs a CPU the module cannot use (the x86-nosvm and x86-nonpt lanes,
# riscv64-noh, arm64-noel2 and arm64-vhe); kvm_coexist_arm64_test a boot
# where KVM is on (arm64-nvhe-kvm: Debian's arm64 KVM is built in, and
# the other arm64 lanes boot with kvm-arm.mode=none); kexec_arm64_test a
# lane of its own (arm64-nvhe-kexec), as it reboots the guest;
# kvm_virt_at_load_x86_test a kvm.ko with enable_virt_at_load (6.12:
# x86-svm-612).
LANE_ONLY_PROGRAMS="nohw_test kvm_coexist_arm64_test kexec_arm64_test kvm_virt_at_load_x86_test"

# The lanes. One line each: name, script under lanes/, then the parameters
# (VAR=value, passed to the script in its environment). The script gets the
# lane name as $1.
# KERNEL=debian boots Debian's kernel; KERNEL=NAME a kernel built from
# linux-source-6.1 with kconfig/NAME.config (build-kernel.sh). KDEBUG names
# the kernel debug features the guest must report as active (write_init);
# TEST_TIMEOUT the seconds per test program (300; AXVCPU_TEST_TIMEOUT wins).
# LANE_PROGRAMS, when set, is the whole list of programs the lane runs
# (comma-separated); LANE_EXTRA_PROGRAMS adds programs of
# LANE_ONLY_PROGRAMS to a lane that runs the whole suite.
# DKMS=1 builds the module as DKMS does (build_module_dkms: make
# dkms-source, dkms add and build in the work dir) instead of with make:
# x86-svm (against the installed 6.1 headers) and x86-svm-612 (against
# 6.12's) run the whole suite on that build.
# x86-nosvm and x86-nonpt boot CPUs without SVM and without nested paging:
# the module must load, report no backend and refuse CREATE_VM (nohw_test).
# x86-svm-612 boots Debian 12's 6.12 kernel (KERNEL=debian-6.12, unpacked
# by deps.sh, not installed) on an EPYC (4-level paging, no PKU) with the
# module dkms builds against its headers: the whole suite, KVM told to
# enable SVM at its first VM as 6.1 does (kvm.enable_virt_at_load=0), and
# kvm_virt_at_load_x86_test checking the refusal when it does so at load.
# riscv64-h boots QEMU's virt machine with the H extension on a kernel built
# from linux-source-6.1 (Debian 12 has no riscv64 kernel), riscv64-noh a
# CPU without H (nohw_test); their /init is the C one (no riscv64 busybox).
# riscv64-h-qemu72 runs the riscv64 exit tests on Debian 12's QEMU 7.2
# (QEMU_RISCV=debian), which leaves htinst 0 on guest-page faults: the
# module's own instruction fetch (HLVX) decodes MMIO there, where QEMU 10
# hands it the transformed instruction. riscv64-h-nosstc runs the timer,
# interrupt and Linux tests on a hart without Sstc, where the guest timer
# is the module's hrtimer and hvip.VSTIP. x86-svm-bochs boots Bochs's AMD
# "zambezi" CPU (EMULATOR=bochs), whose SVM saves the next RIP, flushes
# one ASID and filters PAUSE, which QEMU's does not (SVM_ASSISTS: the
# module must report them): the exit tests then complete intercepted
# instructions from the VMCB's next RIP. x86-vmx-bochs runs the VMX
# backend on Bochs's "corei7_skylake_x" (BACKEND=vmx: the module must have
# picked it) with two CPUs, Bochs's quirks answered on its line: the
# whole suite but the fault injection (the debug lane's) and PKRU (no PKU
# in that model) tests, the fuzzer's count shortened, the lane's own
# kernel as the Linux guest (Documentation/testing.rst, "The VMX lane").
# arm64-nvhe runs the suite on the nVHE backend (Debian's arm64 kernel,
# kvm-arm.mode=none: KVM stays away from EL2); arm64-nvhe-kvm the same
# backend with KVM on, taking turns with it on EL2; arm64-nvhe-kexec
# kexecs a kernel while axvcpu owns EL2 and a guest runs, and goes on in
# the boot that kexec starts (kexec_arm64_test), on a GIC without an ITS:
# the LPI tables of a GICv3 with one stay live across kexec and only an
# EFI boot can hand them over (the next kernel says "memory probably
# corrupted"); arm64-max-nvhe a CPU
# with VHE (and 52-bit physical addresses) whose kernel is told to stay
# nVHE (kvm-arm.mode=nvhe), as a VHE host's user would, booted as an arm64
# server is: through UEFI with ACPI (FIRMWARE=efi; the module takes the
# guests' timer PPI from the GTDT). arm64-noel2 boots
# Debian's arm64 kernel on QEMU's virt machine without
# EL2 and arm64-vhe on a CPU with VHE, where the kernel keeps EL2 for
# itself: the module must load, report no backend and refuse CREATE_VM
# (nohw_test), each with its own line.
LANES_TABLE='
x86-svm         x86-svm.sh   QEMU_CPU=max DKMS=1
x86-svm-debug   x86-svm.sh   QEMU_CPU=max KERNEL=x86-debug QEMU_MEM=2G TEST_TIMEOUT=600 KDEBUG=kasan,kfence,lockdep,kmemleak,failslab,fail_page_alloc
x86-nosvm       x86-svm.sh   QEMU_CPU=max,-svm LANE_PROGRAMS=nohw_test
x86-nonpt       x86-svm.sh   QEMU_CPU=EPYC,-npt LANE_PROGRAMS=nohw_test
x86-svm-612     x86-svm.sh   QEMU_CPU=EPYC KERNEL=debian-6.12 DKMS=1 KERNEL_ARGS=kvm.enable_virt_at_load=0 LANE_EXTRA_PROGRAMS=kvm_virt_at_load_x86_test
riscv64-h       riscv64-h.sh QEMU_CPU=rv64 KERNEL=riscv64 AXVCPU_FUZZ_CALLS=30000
riscv64-noh     riscv64-h.sh QEMU_CPU=rv64,h=false KERNEL=riscv64 LANE_PROGRAMS=nohw_test
riscv64-h-qemu72 riscv64-h.sh QEMU_CPU=rv64 KERNEL=riscv64 QEMU_RISCV=debian LANE_PROGRAMS=exits_riscv_test,guest_test,memory_test
riscv64-h-nosstc riscv64-h.sh QEMU_CPU=rv64,sstc=false KERNEL=riscv64 LANE_PROGRAMS=exits_riscv_test,guest_test,run_test,vmm_linux_riscv_test
x86-vmx-bochs   x86-svm.sh   EMULATOR=bochs BOCHS_CPU=corei7_skylake_x AXVCPU_BOCHS_CPUS=2 BOCHS_IPS=20000000 KVM_VENDOR=kvm_intel KERNEL=x86-bochs QEMU_MEM=1G KERNEL_ARGS=clearcpuid=avx512f,xsaveopt,xsavec,xsaves BACKEND=vmx AXVCPU_MODULE_PARAMS=vmx_tick_us=10000 AXVCPU_QUIRKS=guest_masks_host_intr AXVCPU_BENCH_ITERATIONS=2000 AXVCPU_BENCH_WARMUP=200 AXVCPU_BENCH_REGION_MIB=256 AXVCPU_BENCH_VCPUS=8 LINUX_GUEST=lane AXVCPU_FUZZ_CALLS=2000 AXVCPU_TORTURE_ITERS=8 LANE_PROGRAMS=api_test,vcpu_create_test,guest_test,state_test,lifecycle_test,run_test,memory_test,cpuid_x86_test,cr4_x86_test,events_x86_test,exits_x86_test,fpu_x86_test,host_debug_x86_test,host_fpu_x86_test,host_insn_x86_test,host_intercept_x86_test,host_msr_x86_test,host_xsetbv_x86_test,isolation_x86_test,memory_x86_test,mmio_x86_test,regress_x86_test,save_restore_x86_test,state_x86_test,sysreg_x86_test,kvm_coexist_test,fuzz_test,torture_fd_test,torture_kill_test,torture_hotplug_test,vmm_x86_test,vmm_linux_x86_test,module_test
arm64-nvhe      arm64.sh     QEMU_MACHINE=virt,virtualization=on,gic-version=3 QEMU_CPU=cortex-a72 KERNEL_ARGS=kvm-arm.mode=none BACKEND=nvhe AXVCPU_FUZZ_CALLS=30000
arm64-nvhe-kvm  arm64.sh     QEMU_MACHINE=virt,virtualization=on,gic-version=3 QEMU_CPU=cortex-a72 BACKEND=nvhe LANE_PROGRAMS=kvm_coexist_arm64_test,guest_test,module_test,vmm_arm64_test,vmm_linux_arm64_test
arm64-nvhe-kexec arm64.sh    QEMU_MACHINE=virt,virtualization=on,gic-version=3,its=off QEMU_CPU=cortex-a72 KERNEL_ARGS=kvm-arm.mode=none BACKEND=nvhe LANE_PROGRAMS=kexec_arm64_test
arm64-max-nvhe  arm64.sh     QEMU_MACHINE=virt,virtualization=on,gic-version=3 QEMU_CPU=max KERNEL_ARGS=kvm-arm.mode=nvhe BACKEND=nvhe FIRMWARE=efi LANE_PROGRAMS=guest_test,exits_arm64_test,run_test,vmm_arm64_test,vmm_linux_arm64_test
arm64-noel2     arm64.sh     QEMU_MACHINE=virt,gic-version=3 QEMU_CPU=cortex-a72 LANE_PROGRAMS=nohw_test
arm64-vhe       arm64.sh     QEMU_MACHINE=virt,virtualization=on,gic-version=3 QEMU_CPU=max LANE_PROGRAMS=nohw_test
x86-svm-bochs   x86-svm.sh   EMULATOR=bochs BOCHS_CPU=zambezi KERNEL=x86-bochs QEMU_MEM=1G BACKEND=svm SVM_ASSISTS=nrips,flushbyasid,pausefilter LANE_PROGRAMS=exits_x86_test,host_insn_x86_test,cpuid_x86_test,mmio_x86_test,memory_x86_test
'
DEFAULT_LANES="x86-svm x86-svm-debug x86-nosvm x86-nonpt x86-svm-612 x86-svm-bochs x86-vmx-bochs riscv64-h riscv64-noh riscv64-h-qemu72 riscv64-h-nosstc arm64-nvhe arm64-nvhe-kvm arm64-nvhe-kexec arm64-max-nvhe arm64-noel2 arm64-vhe"
DEFAULT_BENCH_LANES="x86-svm x86-svm-612 x86-vmx-bochs riscv64-h arm64-nvhe-kvm"
DEFAULT_DEMO_LANES="x86-svm"
DEFAULT_FUZZ_LANES="x86-svm-debug"
DEFAULT_STRESS_LANES="x86-svm-debug"

# The skips make check accepts, one a line: an ERE on the lane name, the
# program and an ERE its "[test: ]reason" must match, separated by tabs.
# Any other skip fails the run (a skip is not a pass): a test that cannot
# run where it should is a failure, not a footnote.
# - fault_inject_test needs /proc/thread-self/fail-nth, which Debian's
#   kernel lacks (CONFIG_FAULT_INJECTION); the debug lane runs it.
# - arm64-nvhe boots with kvm-arm.mode=none: the VMM tests' boots on KVM
#   (--kvm) run in arm64-nvhe-kvm and arm64-max-nvhe instead.
# - host_pkru_x86_test needs a host kernel using protection keys, which
#   -cpu EPYC (no PKU) does not offer.
# - x86-vmx-bochs: LOCK MOV CR0 (CR8 from 32-bit code) is AMD's; and
#   Bochs masks host interrupts in a guest entered with IF
#   clear (Documentation/reliability.rst, "Emulator bugs"), so the two
#   tests that wait for a host interrupt to end a spin cannot pass there.
EXPECTED_SKIPS='
^x86-svm(-612)?$	fault_inject_test	the kernel lacks CONFIG_FAULT_INJECTION
^arm64-nvhe$	fault_inject_test	the kernel lacks CONFIG_FAULT_INJECTION
^arm64-nvhe$	vmm_linux_arm64_test	KVM is off
^arm64-nvhe$	vmm_arm64_test	KVM is off
^x86-svm-612$	host_pkru_x86_test	the host kernel does not use PKU
^x86-vmx-bochs$	regress_x86_test	LOCK MOV CR0 as CR8 is AMD
^x86-vmx-bochs$	sysreg_x86_test	no AltMovCr8
^x86-vmx-bochs$	run_test	the emulator masks host interrupts
^x86-vmx-bochs$	regress_x86_test	the emulator masks host interrupts
'

# check_expected_skips: turn every skip in $W/skips that EXPECTED_SKIPS
# does not list for this lane into a failure (adds to FAILED).
check_expected_skips() {
	local line rest prog bad=0

	[ -s "$W/skips" ] || return 0
	while IFS= read -r line; do
		rest=${line#"skip $LANE: "}
		prog=${rest%%: *}
		awk -F '\t' -v lane="$LANE" -v prog="$prog" -v what="${rest#*: }" '
			NF == 3 && lane ~ $1 && prog == $2 && what ~ $3 { ok = 1 }
			END { exit !ok }' <<<"$EXPECTED_SKIPS" && continue
		echo "fail $LANE: unexpected skip: $rest" >>"$W/failures"
		bad=$((bad + 1))
	done <"$W/skips"
	FAILED=$((${FAILED:-0} + bad))
	[ "$bad" = 0 ] || say "$bad unexpected skip(s): EXPECTED_SKIPS in tools/testing/lib.sh lists the accepted ones"
}

# lane_lookup NAME: sets LANE_SCRIPT and LANE_PARAMS (an array), or fails.
lane_lookup() {
	local name script params
	while read -r name script params; do
		[ "$name" = "$1" ] || continue
		LANE_SCRIPT=$TESTING_DIR/lanes/$script
		read -r -a LANE_PARAMS <<<"$params"
		return 0
	done <<<"$LANES_TABLE"
	return 1
}

lane_names() {
	awk 'NF { print $1 }' <<<"$LANES_TABLE"
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# source_files: the source files of SRC_ROOT, NUL-separated, relative to it:
# git's tracked and untracked-but-not-ignored files in a git work tree (so
# new files count before they are committed), else every file; never build
# output (an in-tree "make" leaves it untracked) or files a work tree lost.
source_files() {
	local f
	{
		if [ "$(git -C "$SRC_ROOT" rev-parse --show-toplevel 2>/dev/null)" = "$SRC_ROOT" ]; then
			git -C "$SRC_ROOT" ls-files -z --cached --others --exclude-standard
		else
			(cd "$SRC_ROOT" && find . \( -name .git -o -path ./build \) -prune -o -type f -printf '%P\0')
		fi
	} | while IFS= read -r -d '' f; do
		case ${f##*/} in
		*.o|*.ko|*.mod|*.mod.c|*.a|.*.cmd|Module.symvers|modules.order) continue ;;
		esac
		if [ -e "$SRC_ROOT/$f" ]; then printf '%s\0' "$f"; fi
	done
}

# copy_source DEST: a fresh copy of the source tree, for out-of-tree builds
# that leave the checkout clean.
copy_source() {
	rm -rf "$1"
	mkdir -p "$1"
	source_files | tar -C "$SRC_ROOT" --null -T - -cf - | tar -C "$1" -xf -
}

# ensure_linux_source_files: extract the kselftest headers and checkpatch
# from Debian's linux-source tarball into the cache, once.
ensure_linux_source_files() {
	local p=linux-source-6.1 tmp f
	local files=("$KSFT_CACHE/kselftest_harness.h" "$KSFT_CACHE/kselftest.h"
		     "$CHECKPATCH_CACHE/checkpatch.pl" "$CHECKPATCH_CACHE/spelling.txt"
		     "$CHECKPATCH_CACHE/const_structs.checkpatch")
	local missing=0
	for f in "${files[@]}"; do
		[ -s "$f" ] || missing=1
	done
	[ "$missing" -eq 1 ] || return 0
	[ -r "$LINUX_SOURCE_TARBALL" ] || { echo "missing $LINUX_SOURCE_TARBALL (deps.sh)" >&2; return 1; }
	echo "cache: extracting kselftest headers and checkpatch from $LINUX_SOURCE_TARBALL into $CACHE_DIR"
	mkdir -p "$KSFT_CACHE" "$CHECKPATCH_CACHE"
	tmp=$(mktemp -d "$CACHE_DIR/extract.XXXXXX")
	tar -xJf "$LINUX_SOURCE_TARBALL" -C "$tmp" --occurrence=1 \
		$p/tools/testing/selftests/kselftest_harness.h \
		$p/tools/testing/selftests/kselftest.h \
		$p/scripts/checkpatch.pl $p/scripts/spelling.txt \
		$p/scripts/const_structs.checkpatch || { rm -rf "$tmp"; return 1; }
	mv "$tmp/$p/tools/testing/selftests/"kselftest*.h "$KSFT_CACHE/"
	mv "$tmp/$p/scripts/checkpatch.pl" "$tmp/$p/scripts/spelling.txt" \
	   "$tmp/$p/scripts/const_structs.checkpatch" "$CHECKPATCH_CACHE/"
	rm -rf "$tmp"
}

# debian_kver ARCH: the newest Debian kernel version whose headers
# (/usr/src/linux-headers-V) and image (/boot/vmlinuz-V, /lib/modules/V)
# are both installed, e.g. 6.1.0-56-amd64. AXVCPU_KVER overrides.
debian_kver() {
	local d v
	if [ -n "${AXVCPU_KVER:-}" ]; then
		echo "$AXVCPU_KVER"
		return 0
	fi
	for d in /usr/src/linux-headers-*-"$1"; do
		v=${d#/usr/src/linux-headers-}
		[ -f "$d/Makefile" ] && [ -f "/boot/vmlinuz-$v" ] && [ -d "/lib/modules/$v/kernel" ] && echo "$v"
	done | sort -V | tail -n 1 | grep .
}

# headers612_dir: the 6.12 amd64 headers' build directory deps.sh
# unpacked into HEADERS612_ROOT, or nothing (status 1).
headers612_dir() {
	local kver
	[ -f "$HEADERS612_ROOT/complete" ] || return 1
	kver=$(cat "$HEADERS612_ROOT/complete")
	[ -f "$HEADERS612_ROOT/usr/src/linux-headers-$kver/Makefile" ] || return 1
	echo "$HEADERS612_ROOT/usr/src/linux-headers-$kver"
}

# qemu_x86_uses_backports: do the x86 lanes run the bookworm-backports
# QEMU (yes, unless AXVCPU_QEMU_X86 names another)?
qemu_x86_uses_backports() {
	[ -z "${AXVCPU_QEMU_X86:-}" ]
}

# qemu_x86_cmd: the command (words) that runs the x86 lanes' QEMU:
# AXVCPU_QEMU_X86, else the bookworm-backports one.
qemu_x86_cmd() {
	if qemu_x86_uses_backports; then
		echo "$QEMU_X86_DIR/usr/bin/qemu-system-x86_64 -L $QEMU_X86_DIR/usr/share/qemu -L /usr/share/seabios"
	else
		echo "$AXVCPU_QEMU_X86"
	fi
}

# qemu_riscv_uses_backports, qemu_riscv_cmd: the same for the riscv64
# lanes (AXVCPU_QEMU_RISCV; qemu-system-riscv64 for Debian 12's 7.2). The
# firmware is an option of the lane (-bios), not part of the command.
qemu_riscv_uses_backports() {
	[ -z "${AXVCPU_QEMU_RISCV:-}" ]
}

qemu_riscv_cmd() {
	if qemu_riscv_uses_backports; then
		echo "$QEMU_RISCV_DIR/usr/bin/qemu-system-riscv64 -L $QEMU_RISCV_DIR/usr/share/qemu"
	else
		echo "$AXVCPU_QEMU_RISCV"
	fi
}

# qemu_arm_uses_backports, qemu_arm_cmd: the same for the arm64 lanes
# (AXVCPU_QEMU_ARM; qemu-system-aarch64 for Debian 12's 7.2).
qemu_arm_uses_backports() {
	[ -z "${AXVCPU_QEMU_ARM:-}" ]
}

qemu_arm_cmd() {
	if qemu_arm_uses_backports; then
		echo "$QEMU_ARM_DIR/usr/bin/qemu-system-aarch64 -L $QEMU_ARM_DIR/usr/share/qemu"
	else
		echo "$AXVCPU_QEMU_ARM"
	fi
}

# arm64_kver: the Debian arm64 kernel version the arm64 lanes use (that of
# the newest amd64 headers installed, -arm64; AXVCPU_ARM64_KVER overrides).
arm64_kver() {
	local v
	if [ -n "${AXVCPU_ARM64_KVER:-}" ]; then
		echo "$AXVCPU_ARM64_KVER"
		return 0
	fi
	for v in /usr/src/linux-headers-*-amd64/Makefile; do
		v=${v#/usr/src/linux-headers-}
		echo "${v%-amd64/Makefile}-arm64"
	done | grep -v '[*]' | sort -V | tail -n 1 | grep .
}

# ---- lane state: a lane script calls lane_begin first, then the steps.
# The result file ($W/result) is what check.sh reads: "counts P F S", then
# one "fail TEXT" or "skip TEXT" line per failure or skip.

lane_begin() {
	LANE=$1
	MODE=${AXVCPU_MODE:-check}	# check | bench | fuzz | stress | demo
	W=$WORK_ROOT/$LANE
	LANE_T0=$(now)
	mkdir -p "$W"
	rm -f "$W"/{result,failures,skips,counts,serial.log,splats,splat-reports,kmemleak,qemu.log}
	: >"$W/failures"
	: >"$W/skips"
	echo "[$LANE] work dir $W, mode $MODE"
}

say() { echo "[$LANE] $*"; }

# lane_fail TEXT: a lane-level failure (build error, splat, ...): counts 1.
lane_fail() {
	say "FAIL: $*"
	echo "fail $LANE: $*" >>"$W/failures"
	LANE_ERRORS=$((${LANE_ERRORS:-0} + 1))
}

# lane_end [P F S]: write the result file (F plus the lane-level failures)
# and exit, non-zero on any failure.
lane_end() {
	local p=${1:-0} f=$((${2:-0} + ${LANE_ERRORS:-0})) s=${3:-0}
	{
		echo "counts $p $f $s"
		cat "$W/failures" "$W/skips"
	} >"$W/result"
	say "done in $(elapsed "$LANE_T0") s: $p passed, $f failed, $s skipped"
	exit $((f == 0 ? 0 : 1))
}

# lane_abort TEXT: a failure that ends the lane (e.g. a build error).
lane_abort() {
	lane_fail "$*"
	lane_end 0 0 0
}

# run_logged LOG CMD...: run a step with its output in LOG; on failure show
# the end of the log.
run_logged() {
	local log=$1 rc=0
	shift
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		say "'$*' failed (exit $rc); last lines of $log:"
		tail -n 40 "$log" | sed 's/^/    /'
	fi
	return "$rc"
}

# ---- build cache: lanes that boot the same kernel build the same module,
# and every lane of an architecture the same static test binaries. A build
# is kept under $BUILD_CACHE, keyed by a hash of the source tree's contents
# and of everything else the build reads (kernel tree, make arguments,
# compiler); check.sh empties it when make check starts, so it only ever
# serves lanes of one run.
BUILD_CACHE=$WORK_ROOT/build-cache

# build_key PARTS...: the cache key of a build of the source copied to
# $W/src (its hash taken by build_module before anything is built there)
# with PARTS.
build_key() {
	printf '%s\n' "$SRC_HASH" "$@" | sha256sum | cut -c1-16
}

# build_module KDIR [MAKE ARGS...]: copy the source to $W/src and build
# axvcpu.ko there (or take the one an earlier lane built from the same
# source against the same kernel tree). Aborts the lane on failure.
build_module() {
	local kdir=$1 t0 key ver
	shift
	t0=$(now)
	copy_source "$W/src"
	[ -f "$W/src/Kbuild" ] || [ -f "$W/src/Makefile" ] || lane_abort "no Kbuild in $SRC_ROOT"
	SRC_HASH=$(cd "$W/src" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum)
	# the copy has no .git: the checkout's version goes in by hand
	ver=$(git -C "$SRC_ROOT" describe --always --dirty 2>/dev/null || echo unknown)
	set -- AXVCPU_VERSION="$ver" "$@"
	key=module-$(build_key "$(readlink -f "$kdir")" \
		"$(stat -c %Y "$kdir/Module.symvers" "$kdir/.config" 2>/dev/null)" \
		"dkms=${DKMS:-0}" "$@")
	if [ -f "$BUILD_CACHE/$key/axvcpu.ko" ]; then
		cp "$BUILD_CACHE/$key/axvcpu.ko" "$W/src/axvcpu.ko"
		say "module: the same build as an earlier lane's ($BUILD_CACHE/$key)"
		return 0
	fi
	if [ "${DKMS:-0}" = 1 ]; then
		build_module_dkms "$kdir" "$ver"
	else
		run_logged "$W/build-module.log" make -C "$kdir" M="$W/src" -j"$(nproc)" "$@" modules ||
			lane_abort "module build failed (log: $W/build-module.log)"
	fi
	[ -f "$W/src/axvcpu.ko" ] || lane_abort "the module build made no axvcpu.ko"
	mkdir -p "$BUILD_CACHE/$key" && cp "$W/src/axvcpu.ko" "$BUILD_CACHE/$key/"
	say "module built in $(elapsed "$t0") s"
}

# build_module_dkms KDIR VERSION: axvcpu.ko as DKMS builds it for the
# kernel of KDIR (a lane with DKMS=1): make dkms-source into $W/dkms, then
# dkms add and build with its source and module trees there
# (--sourcetree, --dkmstree), the result copied to $W/src/axvcpu.ko.
# DKMS signs the module with its MOK key as on any Debian system
# (/var/lib/dkms/mok.key, made at its first build).
build_module_dkms() {
	local kdir=$1 v kver d=$W/dkms f
	v=$(sed -n 's/^#define AXVCPU_API_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
		"$W/src/include/uapi/linux/axvcpu.h").$2
	kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
	[ -n "$kver" ] || lane_abort "no kernel release in $kdir"
	rm -rf "$d"
	run_logged "$W/build-module.log" make -C "$W/src" DESTDIR="$d" \
		DKMS_VERSION="$v" dkms-source ||
		lane_abort "make dkms-source failed (log: $W/build-module.log)"
	mkdir -p "$d/tree"
	{
		dkms add -m axvcpu -v "$v" --sourcetree "$d/usr/src" --dkmstree "$d/tree" &&
		dkms build -m axvcpu -v "$v" -k "$kver" --kernelsourcedir "$kdir" \
			--sourcetree "$d/usr/src" --dkmstree "$d/tree"
	} >>"$W/build-module.log" 2>&1 ||
		lane_abort "dkms build failed (log: $W/build-module.log, $d/tree/axvcpu/$v/build/make.log)"
	f=$(find "$d/tree/axvcpu/$v/$kver" -name 'axvcpu.ko*' | head -n 1)
	case $f in
	*.ko) cp "$f" "$W/src/axvcpu.ko" ;;
	*.ko.xz) xz -dc "$f" >"$W/src/axvcpu.ko" ;;
	*.ko.gz) gzip -dc "$f" >"$W/src/axvcpu.ko" ;;
	*.ko.zst) zstd -q -dc "$f" >"$W/src/axvcpu.ko" ;;
	*) lane_abort "dkms build made no axvcpu.ko (log: $W/build-module.log)" ;;
	esac
	say "module: dkms $(dkms --version | cut -d- -f2) built axvcpu/$v for $kver"
}

# build_tests: the kselftests into $W/tests (static binaries), or a copy of
# AXVCPU_TESTS_OVERRIDE. Needs $W/src (build_module). Extra make arguments
# (e.g. a cross CC) come from the array TEST_MAKE_ARGS. BUILD_VMM=0 leaves
# out the reference VMM (tools/axvcpu-run), for an arch it has no machine
# for.
build_tests() {
	local t0 dir=$W/src/tools/testing/selftests/axvcpu key cc a
	t0=$(now)
	rm -rf "$W/tests"
	mkdir -p "$W/tests"
	if [ -n "${AXVCPU_TESTS_OVERRIDE:-}" ]; then
		cp -a "$AXVCPU_TESTS_OVERRIDE/." "$W/tests/" || lane_abort "cannot copy $AXVCPU_TESTS_OVERRIDE"
		say "tests: prebuilt from AXVCPU_TESTS_OVERRIDE=$AXVCPU_TESTS_OVERRIDE"
		return 0
	fi
	cc=gcc
	for a in ${TEST_MAKE_ARGS[@]+"${TEST_MAKE_ARGS[@]}"}; do
		case $a in CC=*) cc=${a#CC=} ;; esac
	done
	key=tests-$(build_key "$($cc --version 2>&1 | head -n 1)" "${BUILD_VMM:-1}" \
		${TEST_MAKE_ARGS[@]+"${TEST_MAKE_ARGS[@]}"})
	if [ -f "$BUILD_CACHE/$key/.complete" ]; then
		cp -a "$BUILD_CACHE/$key/." "$W/tests/" || lane_abort "cannot copy $BUILD_CACHE/$key"
		rm -f "$W/tests/.complete"
		say "tests: the same build as an earlier lane's ($BUILD_CACHE/$key)"
		return 0
	fi
	ensure_linux_source_files || lane_abort "cannot extract the kselftest headers"
	[ -f "$dir/Makefile" ] || lane_abort "no tools/testing/selftests/axvcpu/Makefile in $SRC_ROOT"
	run_logged "$W/build-tests.log" make -C "$dir" -j"$(nproc)" \
		OUTPUT="$W/tests" KSFT_DIR="$KSFT_CACHE" ${TEST_MAKE_ARGS[@]+"${TEST_MAKE_ARGS[@]}"} ||
		lane_abort "selftest build failed (log: $W/build-tests.log)"
	if [ "${BUILD_VMM:-1}" = 1 ]; then
		# the reference VMM and its sample guests, for vmm_test and make demo
		run_logged "$W/build-vmm.log" make -C "$W/src/tools/axvcpu-run" \
			OUTPUT="$W/tests/vmm" ${TEST_MAKE_ARGS[@]+"${TEST_MAKE_ARGS[@]}"} ||
			lane_abort "axvcpu-run build failed (log: $W/build-vmm.log)"
		rm -rf "$W/tests/vmm/.obj"
		mv "$W/tests/vmm/axvcpu-demo" "$W/tests/$DEMO_PROGRAM" ||
			lane_abort "axvcpu-run built no axvcpu-demo (log: $W/build-vmm.log)"
	fi
	rm -rf "${BUILD_CACHE:?}/$key"
	mkdir -p "$BUILD_CACHE/$key" && cp -a "$W/tests/." "$BUILD_CACHE/$key/" &&
		touch "$BUILD_CACHE/$key/.complete"
	say "tests built in $(elapsed "$t0") s"
}

# test_programs: the programs to run in this mode, sorted (LAST_PROGRAMS
# last): every executable
# file at the top of $W/tests but the benchmark (check), the benchmark
# alone (bench), the fuzzer's test alone (fuzz) or those of
# AXVCPU_STRESS_PROGRAMS (stress). AXVCPU_TESTS narrows the list in check
# mode.
test_programs() {
	local f n extra
	for f in "$W"/tests/*; do
		if [ ! -f "$f" ] || [ ! -x "$f" ]; then continue; fi
		n=${f##*/}
		case $n in *[!A-Za-z0-9_.+-]*) say "ignoring oddly named program '$n'" >&2; continue ;; esac
		if [ "$MODE" = demo ]; then
			[ "$n" = "$DEMO_PROGRAM" ] || continue
		elif [ "$n" = "$DEMO_PROGRAM" ]; then
			continue
		elif [ "$MODE" = bench ]; then
			[ "$n" = "$BENCH_PROGRAM" ] || continue
		elif [ "$MODE" = fuzz ]; then
			[ "$n" = "$FUZZ_PROGRAM" ] || continue
		elif [ "$MODE" = stress ]; then
			case " ${AXVCPU_STRESS_PROGRAMS:-$STRESS_PROGRAMS} " in
			*" $n "*) ;;
			*) continue ;;
			esac
		else
			[ "$n" != "$BENCH_PROGRAM" ] || continue
		fi
		# a lane's program list narrows its tests, not the benchmark
		# or the demo, which a mode picks alone
		if [ "$MODE" = bench ] || [ "$MODE" = demo ]; then
			:
		elif [ -n "${LANE_PROGRAMS:-}" ]; then
			case " ${LANE_PROGRAMS//,/ } " in *" $n "*) ;; *) continue ;; esac
		elif [[ " $LANE_ONLY_PROGRAMS " == *" $n "* ]]; then
			extra=${LANE_EXTRA_PROGRAMS:-}
			case " ${extra//,/ } " in *" $n "*) ;; *) continue ;; esac
		fi
		if [ -n "${AXVCPU_TESTS:-}" ] && [ "$MODE" = check ]; then
			case " $AXVCPU_TESTS " in *" $n "*) ;; *) continue ;; esac
		fi
		if readelf -l "$f" 2>/dev/null | grep -q INTERP; then
			say "warning: $n is dynamically linked; the guest has no libc" >&2
		fi
		echo "$n"
	done | LC_ALL=C sort | awk -v last="$LAST_PROGRAMS" '
		BEGIN { n = split(last, L, " "); for (i = 1; i <= n; i++) at[L[i]] = i }
		$0 in at { held[at[$0]] = $0; next }
		{ print }
		END { for (i = 1; i <= n; i++) if (held[i] != "") print held[i] }'
}

# initramfs_skeleton ROOT [INIT]: the directory layout and busybox
# (BUSYBOX, /bin/busybox by default: the arm64 lanes name an arm64 one), or,
# with INIT (a static binary: build_c_init), that as /init and no busybox.
initramfs_skeleton() {
	rm -rf "$1"
	mkdir -p "$1"/{bin,sbin,dev,etc,proc,sys,tmp,run,lib/axvcpu/kvm,tests}
	if [ -n "${2:-}" ]; then
		install -m 755 "$2" "$1/init"
	else
		cp "${BUSYBOX:-/bin/busybox}" "$1/bin/busybox"
	fi
}

# copy_test_programs DEST PROGRAM...: the programs a lane runs, and the
# reference VMM with its guests when one of them runs it, into the
# initramfs's DEST: no more (Bochs unpacks the initramfs at a few MB a
# minute of wall time; the whole build is 44 MB).
copy_test_programs() {
	local dest=$1 p vmm=0 tc=0
	shift
	mkdir -p "$dest"
	for p in "$@"; do
		cp "$W/tests/$p" "$dest/" || lane_abort "cannot copy $W/tests/$p"
		case $p in
		vmm_*|"$BENCH_PROGRAM"|"$DEMO_PROGRAM") vmm=1 ;;
		trace_cmd_x86_test) tc=1 ;;
		esac
	done
	if [ "$vmm" = 1 ] && [ -d "$W/tests/vmm" ]; then
		cp -a "$W/tests/vmm" "$dest/" || lane_abort "cannot copy $W/tests/vmm"
		rm -rf "$dest/vmm/.obj"
	fi
	if [ "$tc" = 1 ]; then
		[ -x /usr/bin/trace-cmd ] ||
			lane_abort "no /usr/bin/trace-cmd for trace_cmd_x86_test (deps.sh installs trace-cmd)"
		copy_host_program "$dest/.." /usr/bin/trace-cmd ||
			lane_abort "cannot copy trace-cmd and its libraries"
	fi
}

# copy_host_program ROOT PATH: a dynamically linked program of this
# machine (amd64: the x86 guests run the host's binaries) and the
# libraries and loader ldd names for it, each at its own path under ROOT.
copy_host_program() {
	local root=$1 bin=$2 lib
	install -D -m 755 "$bin" "$root$bin" || return 1
	for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		install -D -m 755 "$(readlink -f "$lib")" "$root$lib" || return 1
	done
}

# build_c_init CC: the C /init (tools/testing/init/axvcpu-init.c, for
# guests without busybox) built static with CC into $W/init. Aborts the
# lane on failure.
build_c_init() {
	run_logged "$W/build-init.log" "$1" -O2 -Wall -Wextra -Werror -static \
		-o "$W/init" "$TESTING_DIR/init/axvcpu-init.c" ||
		lane_abort "building the C /init failed (log: $W/build-init.log)"
}

# write_init ROOT PROGRAM...: the guest's /init. It prints, on the console:
#   AXVCPU-INIT uptime=<s> kernel=<release> lane=<lane>
#   AXVCPU-INSMOD rc=<insmod status>          (also again if a test left it unloaded)
#   AXVCPU-TEST-BEGIN <program> uptime=<s>
#   ... the program's own output (kselftest TAP) ...
#   AXVCPU-TEST-END <program> rc=<exit status> uptime=<s> secs=<s>
#                   leftover=<processes it left running, killed>
# A program that kexecs a kernel (kexec_arm64_test) ends its first boot
# without an END; the next boot's INIT line says continues=<program>, and
# AXVCPU-TEST-CONTINUE <program> uptime=<s> stands for its BEGIN there.
#   AXVCPU-DMESG-BEGIN / the whole dmesg / AXVCPU-DMESG-END
#   AXVCPU-DONE uptime=<s>
# then powers off. In stress mode the programs run again and again, each
# pass opening with AXVCPU-STRESS-PASS <n> uptime=<s>, until
# AXVCPU_STRESS_SECONDS of guest uptime have passed. A debug kernel adds,
# after INIT, the debug features it
# has active (AXVCPU-KDEBUG features=kasan,kfence,lockdep,...) and, before
# the dmesg dump, kmemleak's report after two scans (AXVCPU-KMEMLEAK-BEGIN
# ... AXVCPU-KMEMLEAK-END rc=<0 if the scans ran>) and whether lockdep is
# still on (AXVCPU-KDEBUG-END debug_locks=<1|0>). Programs run in /tests
# with stdin /dev/null under busybox timeout; the environment is AXVCPU_KO,
# AXVCPU_KVM_DIR, AXVCPU_KVM_MODULES (KVM's modules in load order),
# AXVCPU_LANE. With TEST_CPUS set (a taskset -c list) the programs run
# confined to those CPUs.
write_init() {
	local root=$1 timeout
	shift
	timeout=$(program_timeout)
	{
		echo '#!/bin/busybox sh'
		echo "# generated by tools/testing/lib.sh for lane $LANE"
		echo "LANE='$LANE'"
		echo "PROGRAMS='$*'"
		echo "TIMEOUT=$timeout"
		echo "KVM_MODULES='${KVM_MODULES:-}'"
		echo "TEST_CPUS='${TEST_CPUS:-}'"
		echo "CONSOLE_DRAIN=${CONSOLE_DRAIN:-0}"
		if [ "$MODE" = stress ]; then
			echo "STRESS_SECONDS=${AXVCPU_STRESS_SECONDS:-1800}"
		else
			echo "STRESS_SECONDS="
		fi
		guest_env_exports
		cat <<'EOF'
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
exec </dev/console >/dev/console 2>&1
up() { read -r u _ </proc/uptime; echo "$u"; }
# A boot that a program started with kexec, in an initramfs whose
# /etc/axvcpu-continue names it: that program goes on (--continue), the
# ones after it run as usual.
CONTINUE=
[ -r /etc/axvcpu-continue ] && read -r CONTINUE </etc/axvcpu-continue
echo "AXVCPU-INIT uptime=$(up) kernel=$(uname -r) lane=$LANE${CONTINUE:+ continues=$CONTINUE}"
kd=
dmesg | grep -q 'KernelAddressSanitizer initialized' && kd="$kd kasan"
read -r ki </sys/module/kfence/parameters/sample_interval 2>/dev/null || ki=0
[ "$ki" != 0 ] && kd="$kd kfence"
[ -e /proc/lockdep_stats ] && kd="$kd lockdep"
[ -e /sys/kernel/debug/kmemleak ] && kd="$kd kmemleak"
[ -d /sys/kernel/debug/failslab ] && kd="$kd failslab"
[ -d /sys/kernel/debug/fail_page_alloc ] && kd="$kd fail_page_alloc"
echo "AXVCPU-KDEBUG features=$(echo $kd | tr ' ' ,)"
export AXVCPU_KO=/lib/axvcpu/axvcpu.ko AXVCPU_KVM_DIR=/lib/axvcpu/kvm
export AXVCPU_KVM_MODULES="$KVM_MODULES" AXVCPU_LANE="$LANE"
load() { insmod "$AXVCPU_KO" ${AXVCPU_MODULE_PARAMS:-}; echo "AXVCPU-INSMOD rc=$?"; }
load
# Kill what a program left running and count it in $reaped: busybox's
# timeout kills only the program's own PID, so any child it left escapes.
# User processes have an exe link, kernel threads none; this shell is PID
# 1; timeout's watcher (a child that polls the program's PID each second)
# ends by itself and is left alone.
reap() {
	reaped=0
	for d in /proc/[0-9]*; do
		[ "${d#/proc/}" = 1 ] && continue
		readlink "$d/exe" >/dev/null 2>&1 || continue
		read -r cmd <"$d/cmdline" 2>/dev/null
		case $cmd in timeout*) continue ;; esac
		echo "AXVCPU-REAP pid=${d#/proc/} cmd=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)"
		kill -9 "${d#/proc/}" 2>/dev/null && reaped=$((reaped + 1))
	done
	[ "$reaped" = 0 ] || sleep 1
}
run_programs() {
	skip=$CONTINUE
	CONTINUE=
	for t in $PROGRAMS; do
		arg= mark=BEGIN
		if [ -n "$skip" ]; then
			[ "$t" = "$skip" ] || continue
			skip= arg=--continue mark=CONTINUE
		fi
		[ -d /sys/module/axvcpu ] || load
		t0=$(up)
		echo "AXVCPU-TEST-$mark $t uptime=$t0"
		cd /tests
		if [ -n "$TEST_CPUS" ]; then
			taskset -c "$TEST_CPUS" timeout -k 10 "$TIMEOUT" "./$t" $arg </dev/null
		else
			timeout -k 10 "$TIMEOUT" "./$t" $arg </dev/null
		fi
		rc=$?
		cd /
		reap
		t1=$(up)
		echo "AXVCPU-TEST-END $t rc=$rc uptime=$t1 secs=$(awk "BEGIN { print $t1 - $t0 }") leftover=$reaped"
	done
}
if [ -n "$STRESS_SECONDS" ]; then
	pass=0
	while awk "BEGIN { exit !($(up) < $STRESS_SECONDS) }"; do
		pass=$((pass + 1))
		echo "AXVCPU-STRESS-PASS $pass uptime=$(up)"
		run_programs
	done
else
	run_programs
fi
if [ -e /sys/kernel/debug/kmemleak ]; then
	# Objects younger than 5 s are never reported: wait, then scan twice
	# (an object only in transit during the first scan is not a leak).
	echo "AXVCPU-KMEMLEAK-BEGIN uptime=$(up)"
	sleep 6
	if echo scan >/sys/kernel/debug/kmemleak && sleep 2 &&
	   echo scan >/sys/kernel/debug/kmemleak; then
		cat /sys/kernel/debug/kmemleak
		echo "AXVCPU-KMEMLEAK-END rc=0 uptime=$(up)"
	else
		echo "AXVCPU-KMEMLEAK-END rc=1 uptime=$(up)"
	fi
fi
if [ -e /proc/lockdep_stats ]; then
	echo "AXVCPU-KDEBUG-END debug_locks=$(awk '/debug_locks:/ { print $2 }' /proc/lockdep_stats)"
fi
echo "AXVCPU-DMESG-BEGIN"
dmesg
echo "AXVCPU-DMESG-END"
echo "AXVCPU-DONE uptime=$(up)"
# an emulated UART that sends at its baud rate (Bochs: 9600 of its
# emulated time, a dmesg of 30 KB is most of a minute) still holds the
# console's last lines: they go out before the power does. stty applies
# a setting with TCSADRAIN, which waits until the tty has sent all it
# holds; the sleep covers the UART's own FIFO.
if [ "$CONSOLE_DRAIN" != 0 ]; then
	s=$(stty -F /dev/console speed 2>/dev/null) && stty -F /dev/console "$s" 2>/dev/null
	sleep "$CONSOLE_DRAIN"
fi
poweroff -f
EOF
	} >"$root/init"
	chmod 755 "$root/init"
	echo "$timeout" >"$W/test-timeout"
}

# program_timeout: the seconds each program gets in the guest in this mode.
program_timeout() {
	if [ "$MODE" = bench ]; then
		echo "${AXVCPU_BENCH_TIMEOUT:-1200}"
	elif [ "$MODE" = demo ]; then
		echo 300
	elif [ "$MODE" = fuzz ]; then
		fuzz_program_timeout
	elif [ "$MODE" = stress ]; then
		echo "${AXVCPU_TEST_TIMEOUT:-900}"
	else
		echo "${AXVCPU_TEST_TIMEOUT:-${TEST_TIMEOUT:-300}}"
	fi
}

# write_init_conf ROOT PROGRAM...: for a guest whose /init is the C one
# (build_c_init): its parameters, in ROOT/etc/axvcpu-init.conf, one
# KEY=VALUE a line, for the same run write_init's script would make (the
# markers are the same; tools/testing/init/axvcpu-init.c).
write_init_conf() {
	local root=$1 timeout
	shift
	timeout=$(program_timeout)
	mkdir -p "$root/etc"
	{
		echo "# generated by tools/testing/lib.sh for lane $LANE"
		echo "LANE=$LANE"
		echo "PROGRAMS=$*"
		echo "TIMEOUT=$timeout"
		echo "KVM_MODULES=${KVM_MODULES:-}"
		echo "TEST_CPUS=${TEST_CPUS:-}"
		if [ "$MODE" = stress ]; then
			echo "STRESS_SECONDS=${AXVCPU_STRESS_SECONDS:-1800}"
		else
			echo "STRESS_SECONDS="
		fi
		guest_env_vars
	} >"$root/etc/axvcpu-init.conf"
	echo "$timeout" >"$W/test-timeout"
}

# guest_env_vars: "AXVCPU_FUZZ_X=v" lines, one per AXVCPU_FUZZ_*,
# AXVCPU_TORTURE_* and AXVCPU_COEXIST_* variable of this environment,
# AXVCPU_MODULE_PARAMS (axvcpu.ko's parameters: the init's insmod and
# module_test's reloads pass them) and AXVCPU_QUIRKS (the emulator's
# quirks some tests skip for: axv_lane_quirk()), values limited to characters that
# need no quoting, for the guest.
guest_env_vars() {
	local v
	for v in $(compgen -e | grep -E '^AXVCPU_((FUZZ|TORTURE|COEXIST|BENCH)_|MODULE_PARAMS$|QUIRKS$|LINUX_GUEST_ARGS$)' || true); do
		case ${!v} in
		*[!A-Za-z0-9_.+=,-]*) say "ignoring $v: only [A-Za-z0-9_.+=,-] is forwarded" >&2 ;;
		*) echo "$v=${!v}" ;;
		esac
	done
}

# guest_env_exports: the same as "export AXVCPU_FUZZ_X='v'" lines, for the
# busybox /init.
guest_env_exports() {
	local l
	guest_env_vars | while IFS= read -r l; do
		echo "export ${l%%=*}='${l#*=}'"
	done
}

# fuzz_program_timeout: seconds for fuzz_test in make fuzz: its own bound
# (AXVCPU_FUZZ_SECONDS, 3600) plus the leak and sanity checks after it.
fuzz_program_timeout() {
	echo $((${AXVCPU_FUZZ_SECONDS:-3600} + 300))
}

# pack_initramfs ROOT OUT: a gzip'ed newc cpio.
pack_initramfs() {
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$2"
}

# run_emulator TIMEOUT CMD...: one emulator at a time on this machine
# (flock), killed after TIMEOUT seconds. Returns the emulator's status;
# 137 = killed by the timeout, 75 = the emulator lock was not free in time.
# With BOOT_GUARD_LOG set (the guest's serial log), a lane kernel that
# reports a bug of its own ("BUG:", "Kernel panic") before its /init runs
# (no AXVCPU-INIT line yet: no axvcpu code has run) is stopped at once:
# status 76, for the lane to boot once more.
run_emulator() {
	local rc=0 progress= total=0
	# a line every 30 s while the guest runs its programs
	if [ -n "${SERIAL:-}" ]; then
		declare -p PROGRAMS >/dev/null 2>&1 && total=${#PROGRAMS[@]}
		emulator_progress "$SERIAL" "$total" &
		progress=$!
	fi
	run_emulator_locked "$@" || rc=$?
	[ -z "$progress" ] || stop_background "$progress"
	return "$rc"
}

run_emulator_locked() {
	local t=$1 pid
	shift
	if [ -z "${BOOT_GUARD_LOG:-}" ]; then
		flock -w "${AXVCPU_EMU_LOCK_WAIT:-1800}" -E 75 "$EMU_LOCK" \
			timeout -s KILL "$t" "$@" </dev/null
		return
	fi
	flock -w "${AXVCPU_EMU_LOCK_WAIT:-1800}" -E 75 "$EMU_LOCK" \
		timeout -s KILL "$t" "$@" </dev/null &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		[ -f "$BOOT_GUARD_LOG" ] || continue
		grep -q -a 'AXVCPU-INIT ' "$BOOT_GUARD_LOG" && break
		if grep -q -a -E 'BUG: |Kernel panic' "$BOOT_GUARD_LOG"; then
			kill_tree "$pid"
			wait "$pid" 2>/dev/null
			return 76
		fi
	done
	wait "$pid"
}

# emulator_progress LOG TOTAL: every 30 s, what the guest whose serial log
# is LOG has done of its TOTAL programs (run_emulator runs it beside the
# emulator and kills it after): a lane is otherwise silent for minutes.
emulator_progress() {
	local log=$1 total=$2 t0 ended cur
	set +e +o pipefail	# a count of 0 is no error here
	t0=$(now)
	while sleep 30; do
		[ -f "$log" ] || continue
		ended=$(tr -d '\r' <"$log" | grep -a -c 'AXVCPU-TEST-END ')
		cur=$(tr -d '\r' <"$log" | grep -a -o -E 'AXVCPU-TEST-(BEGIN|CONTINUE) [^ ]+' |
			tail -n 1 | cut -d ' ' -f 2)
		if [ -z "$cur" ]; then
			say "guest booting, $(elapsed "$t0") s"
		elif [ "$MODE" != stress ] && [ "$total" -gt 0 ] && [ "$ended" -ge "$total" ]; then
			say "guest: its $total programs ended, finishing, $(elapsed "$t0") s"
		else
			say "guest: $ended of $total programs ended, running $cur, $(elapsed "$t0") s"
		fi
	done
}

# stop_background PID: kill_tree a helper this shell started with &, and
# reap it quietly (bash would report it "Killed").
stop_background() {
	kill_tree "$1"
	wait "$1" 2>/dev/null || true
}

# kill_tree PID: SIGKILL to PID and every process below it (ours only).
kill_tree() {
	local c
	for c in $(pgrep -P "$1"); do
		kill_tree "$c"
	done
	kill -KILL "$1" 2>/dev/null || true
}

# bochs_iso KERNEL INITRD APPEND ISO: a CD image Bochs's BIOS boots, with
# isolinux starting KERNEL with INITRD and the command line APPEND
# (Bochs has no -kernel; shared/EMULATORS.md has the recipe).
bochs_iso() {
	local d
	d=$(mktemp -d "$W/iso.XXXXXX")
	mkdir -p "$d/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$d/isolinux/" &&
		cp "$1" "$d/vmlinuz" && cp "$2" "$d/initrd.gz" || return 1
	printf '%s\n' "SERIAL 0 115200" "DEFAULT linux" "PROMPT 0" "TIMEOUT 0" \
		"LABEL linux" "  KERNEL /vmlinuz" "  APPEND initrd=/initrd.gz $3" \
		>"$d/isolinux/isolinux.cfg"
	xorriso -as mkisofs -quiet -o "$4" -b isolinux/isolinux.bin -c isolinux/boot.cat \
		-no-emul-boot -boot-load-size 4 -boot-info-table "$d" || return 1
	rm -rf "$d"
}

# run_bochs TIMEOUT ISO SERIAL CPU_MODEL COUNT MEGS: Bochs (the Debian
# build, its debugger compiled in: told to continue, and again after each
# stop) booting ISO, COM1 into SERIAL, through run_emulator (Bochs ignores
# SIGTERM; run_emulator's timeout sends SIGKILL). Its exit status says
# nothing of the guest (1 after an ACPI power-off): the serial log does.
# BOCHS_IPS: the instructions a second of guest time lasts (clock:
# sync=none: the guest's clock counts instructions), 200 million unless
# the lane says otherwise.
run_bochs() {
	local rc="$W/bochsrc"
	printf '%s\n' "megs: $6" \
		"romimage: file=/usr/share/bochs/BIOS-bochs-latest" \
		"vgaromimage: file=/usr/share/vgabios/vgabios.bin" \
		"cpu: model=$4, count=$5, ips=${BOCHS_IPS:-200000000}, reset_on_triple_fault=0" \
		"display_library: term" \
		"ata0-master: type=cdrom, path=$2, status=inserted" \
		"boot: cdrom" \
		"com1: enabled=1, mode=file, dev=$3" \
		"clock: sync=none, time0=local" \
		"log: $W/bochs.log" \
		"panic: action=report, cpu0=report" "error: action=report" \
		"info: action=ignore" "debug: action=ignore" >"$rc"
	# the debugger stops at every guest triple fault (before the SVM
	# SHUTDOWN intercept takes it): "c" again each time
	yes c | head -n 100000 >"$W/bochs-debugger.rc"
	: >"$W/bochs-stdout.log"
	bochs_screen_drain "$W/bochs-stdout.log" &
	local drain=$! ret=0
	run_emulator "$1" env TERM=xterm bochs -q -f "$rc" \
		-rc "$W/bochs-debugger.rc" >"$W/bochs-stdout.log" 2>&1 || ret=$?
	kill "$drain" 2>/dev/null
	wait "$drain" 2>/dev/null
	return "$ret"
}

# bochs_screen_drain LOG: read and drop what Bochs's term display writes.
# Debian's Bochs (its debugger build) opens a pseudo-terminal of its own
# for the VGA screen and writes curses output to the master side, which
# nobody reads: once the slave's input queue is full (the cursor's blink
# alone fills it after some minutes of emulated time) the write blocks
# and the whole machine stops, in the middle of whatever test ran. Open
# the slave it names on stderr ("Bochs connected to screen /dev/pts/N")
# and read it until Bochs is gone (run_bochs kills this when Bochs ends).
bochs_screen_drain() {
	local pts
	while :; do
		pts=$(grep -a -o 'connected to screen "/dev/pts/[0-9]*"' "$1" 2>/dev/null |
			grep -o '/dev/pts/[0-9]*')
		if [ -n "$pts" ]; then
			exec cat "$pts" >/dev/null 2>&1
		fi
		sleep 0.2
	done
}

# The kernel messages that fail a lane (Documentation/testing.rst, "What
# fails a run"). SPLAT_RE: words opening a kernel message, i.e. right after
# the "[ seconds.micros] " prefix of the console and of dmesg (so a test's
# own output cannot trip it, nor a benign line such as "Speculative Return
# Stack Overflow: WARNING: ..." at boot). It covers WARN (WARNING:), BUG
# (BUG:, kernel BUG at), oopses, KASAN and KFENCE (BUG: KASAN/KFENCE:),
# UBSAN (UBSAN:), lockdep (WARNING: possible circular locking, inconsistent
# lock state, suspicious RCU usage, ...; BUG: sleeping function called from
# invalid context; INFO: trying to register non-static key), SLUB's own
# checks (BUG kmalloc-64 (Tainted: ...)), hung tasks (INFO: task ...
# blocked), RCU stalls (rcu: INFO:), soft lockups (watchdog: BUG:),
# kmemleak's scan result and panics. SPLAT_ANY_RE: phrases that fail a
# kernel message wherever they stand in it.
SPLAT_RE='WARNING:|BUG:|kernel BUG at|BUG [^ :]+ \((Not t|T)ainted|Oops|general protection fault'
SPLAT_RE+='|Call Trace:|KASAN|UBSAN|kmemleak: [0-9]+ new suspected|INFO: task .* blocked'
SPLAT_RE+='|(WARNING: )?possible (circular|recursive) locking|inconsistent lock state'
SPLAT_RE+='|suspicious RCU usage|INFO: (lockdep is turned off|trying to register non-static key)'
SPLAT_RE+='|lockdep:|DEBUG_LOCKS_WARN_ON|rcu: INFO:|watchdog: BUG:|Kernel panic'
SPLAT_ANY_RE='blocked for more than [0-9]+ seconds|soft lockup|hard LOCKUP'
SPLAT_ANY_RE+='|turning off the locking correctness validator|BUG: sleeping function called'

# judge_emulator_exit RC: what an emulator's exit status says of the
# lane (0: the serial log judges; 75: the emulator lock; 137: the lane's
# timeout killed it; anything else a failure with the start of its log).
judge_emulator_exit() {
	case $1 in
	0) ;;
	75) lane_abort "the emulator lock $EMU_LOCK stayed busy" ;;
	137) GUEST_STOPPED_WHY="lane timeout: the emulator killed after $LANE_TIMEOUT s" ;;
	76) lane_fail "the lane's kernel reported a bug of its own before /init, on both boots (run_emulator's boot guard)" ;;
	*) lane_fail "the emulator failed, status $1: $(head -c 300 "$W/qemu.log")" ;;
	esac
	[ -s "$SERIAL" ] || lane_abort "empty serial log (the emulator did not start?)"
}

# judge_serial_log PROGRAM...: the results in $SERIAL, the skips the lane
# does not expect, and any kernel splat, with its reports shown.
judge_serial_log() {
	parse_serial_log "$SERIAL" "$@"
	check_expected_skips
	if splat_scan "$SERIAL" >"$W/splats"; then
		lane_fail "kernel splat: $(head -n 1 "$W/splats") (all: $W/splats)"
		splat_reports "$SERIAL" >"$W/splat-reports"
		say "the reports (all: $W/splat-reports):"
		head -n 200 "$W/splat-reports" | sed 's/^/    /'
	fi
}

# SPARSE_WARN_RE: a warning or error of sparse in a C=2 build's log.
SPARSE_WARN_RE=':[0-9]+(:[0-9]+)?: (warning|error):'

# lane_sparse ARCHNAME KDIR MAKE-ARGS...: sparse (C=2) on every file of a
# cross build of the module in $W/src (lint's sparse sees the x86 one
# only); a warning fails the lane. Once per arch, in its full lane.
lane_sparse() {
	local name=$1 kdir=$2 t0 n
	shift 2
	t0=$(now)
	run_logged "$W/sparse.log" make -C "$kdir" M="$W/src" "$@" C=2 modules ||
		lane_fail "sparse build failed (log: $W/sparse.log)"
	n=$(grep -c -E "$SPARSE_WARN_RE" "$W/sparse.log" || true)
	if [ "$n" -gt 0 ]; then
		grep -E "$SPARSE_WARN_RE" "$W/sparse.log" | head -n 30 | sed 's/^/    /'
		lane_fail "sparse: $n warnings on the $name build (log: $W/sparse.log)"
	else
		say "sparse: no warnings on the $name build ($(elapsed "$t0") s)"
	fi
}

# ALLOC_FAIL_RE: the first line of the kernel's report of a failed
# allocation (warn_alloc(): "page allocation failure: order:..., mode:..."
# or "vmalloc error: size ..."), followed by a stack dump whose
# "Call Trace:" is no bug: the fault-injection tests make allocations fail
# on purpose, and one the module cannot ask to be quiet
# (fpu_alloc_guest_fpstate()'s vzalloc()) reports it.
ALLOC_FAIL_RE='(page allocation failure: order:|vmalloc error: size )'

# splat_scan LOG: print the offending kernel lines (each once); true if any.
# The "Call Trace:" of an allocation failure's report (ALLOC_FAIL_RE, up
# to 3 lines before it) is not one.
splat_scan() {
	local stamp='\[ *[0-9]+\.[0-9]+\] '
	tr -d '\r' <"$1" | grep -E "$stamp($SPLAT_RE)|$stamp.*($SPLAT_ANY_RE)|$stamp.*$ALLOC_FAIL_RE|$stamp(CPU: |Hardware name: )" |
		awk -v af="$ALLOC_FAIL_RE" -v ct="Call Trace:" '
		$0 ~ af { alloc = 4; next }
		alloc > 0 && index($0, ct) { alloc = 0; next }
		{ if (alloc > 0) alloc-- }
		/\] (CPU: |Hardware name: )/ { next }
		!seen[$0]++' | grep .
}

# splat_reports LOG: each splat with the kernel messages that follow it, to
# the report's end (a line of "=" as KASAN and UBSAN close theirs, or
# "---[ end trace") or 120 lines: the reports to read, KASAN's access and
# allocation stacks included. From the console as it happened, then from
# the dmesg dump what did not reach the console (loglevel), each once.
splat_reports() {
	local stamp='^\[ *[0-9]+\.[0-9]+\] '
	tr -d '\r' <"$1" | awk -v stamp="$stamp" -v re="$stamp($SPLAT_RE)" \
		-v any="$stamp.*($SPLAT_ANY_RE)" '
	/AXVCPU-(DMESG|DONE)/ { n = 0 }
	$0 !~ stamp { next }
	{ msg = $0; sub(stamp, "", msg) }
	n > 0 {
		print; n--; seen[$0] = 1
		if (msg ~ /^=+$/ || msg ~ /^---\[ end trace/) n = 0
		next
	}
	($0 ~ re || $0 ~ any) && !($0 in seen) {
		if (shown++) print "--"
		print; n = 119; seen[$0] = 1
	}'
}

# kdebug_check LOG REQUIRED: the debug kernel's own checks. Fails the lane
# when a feature of REQUIRED (comma-separated: kasan, kfence, lockdep,
# kmemleak, failslab, fail_page_alloc) is not active in the guest, when
# lockdep turned itself off during the run, when kmemleak's scans did not
# run, and for each object kmemleak reports as unreferenced (the report,
# also in $W/kmemleak, is printed).
kdebug_check() {
	local log=$1 required=$2 have f dl n
	# awk reads the log itself and stops at the first match: a writer
	# upstream of an early exit would die of SIGPIPE on a long log
	have=$(awk '{ sub(/\r$/, "") } match($0, /AXVCPU-KDEBUG features=[^ ]*/) {
		print substr($0, RSTART + 23, RLENGTH - 23); exit }' "$log")
	if [ -n "$required" ] || [ -n "$have" ]; then
		say "kernel debug features active in the guest: ${have:-none}"
	fi
	for f in ${required//,/ }; do
		case ",$have," in
		*",$f,"*) ;;
		*) lane_fail "debug feature $f is not active in the guest kernel" ;;
		esac
	done
	dl=$(awk '{ sub(/\r$/, "") } match($0, /AXVCPU-KDEBUG-END debug_locks=[0-9]*/) {
		print substr($0, RSTART + 30, RLENGTH - 30); exit }' "$log")
	case ",$have," in
	*,lockdep,*)
		if [ "$dl" = 1 ]; then
			say "lockdep still on at the end of the run (debug_locks=1)"
		elif [ -s "$W/splats" ]; then
			# KASAN, a WARN or lockdep's own report taint the kernel
			say "lockdep turned itself off during the run (debug_locks=${dl:-?}), after the splat above"
		elif grep -q 'AXVCPU-DONE' "$log"; then
			lane_fail "lockdep turned itself off during the run (debug_locks=${dl:-?}; see the dmesg dump)"
		fi ;;
	esac
	case ",$have," in
	*,kmemleak,*) ;;
	*) return 0 ;;
	esac
	awk '{ sub(/\r$/, "") } /AXVCPU-KMEMLEAK-BEGIN/ { on = 1; next }
		/AXVCPU-KMEMLEAK-END/ { print; exit } on' "$log" >"$W/kmemleak"
	if ! grep -q 'AXVCPU-KMEMLEAK-END' "$W/kmemleak"; then
		grep -q 'AXVCPU-DONE' "$log" && lane_fail "kmemleak: no report at the end of the run"
		return 0
	fi
	if ! grep -q 'AXVCPU-KMEMLEAK-END rc=0' "$W/kmemleak"; then
		lane_fail "kmemleak: the scans failed (kmemleak disabled itself? see the dmesg dump)"
		return 0
	fi
	sed -i '$d' "$W/kmemleak"
	n=$(grep -c '^unreferenced object' "$W/kmemleak" || true)
	if [ "$n" -gt 0 ]; then
		lane_fail "kmemleak: $n unreferenced object(s) after the run (report: $W/kmemleak)"
		head -n 120 "$W/kmemleak" | sed 's/^/    /'
	else
		say "kmemleak: no leaks after the run"
	fi
}

# parse_serial_log LOG PROGRAM...: read the markers and the kselftest TAP of
# each program, print one line per program, append to $W/failures and
# $W/skips, and set PASSED FAILED SKIPPED. Per program: the "# Totals:"
# line counts (xfail as passed; fail, xpass and error as failed); no
# Totals line, no end marker, a timeout or an unexpected exit status is one
# failure. A program that skipped as a whole (exit 4 = KSFT_SKIP with
# "1..0 # SKIP reason") is one skip. The guest not reaching init or not
# finishing (GUEST_STOPPED_WHY says why, if known), and a failed insmod,
# are one failure each.
parse_serial_log() {
	local log=$1
	shift
	awk -v lane="$LANE" -v programs="$*" -v timeout="$(cat "$W/test-timeout")" \
		-v failures="$W/failures" -v skips="$W/skips" -v mode="$MODE" \
		-v counts="$W/counts" -v why="${GUEST_STOPPED_WHY:-kernel panic, hang or QEMU error}" '
	function fail(text) { print "fail " lane ": " text >> failures }
	function finish(rc, secs, leftover,    p, f, s, bad) {
		p = f = s = 0
		if (have_totals) {
			p = T["pass"] + T["xfail"]
			f = T["fail"] + T["xpass"] + T["error"]
			s = T["skip"]
			printf "%s", pending_skips >> skips
		} else if (rc == 4 && whole_skip != "") {
			s = 1
			print "skip " lane ": " cur ": " whole_skip >> skips
		}
		if (rc == "") {
			bad = "no end marker (the guest stopped or was killed)"
		} else if ((rc == 124 || rc == 137 || rc == 143) && secs + 1 >= timeout) {
			bad = "timed out after " timeout " s"
		} else if (rc > 128 && rc < 192) {
			bad = "killed by signal " rc - 128
		} else if (mode == "bench" || mode == "demo") {
			if (rc != 0) bad = "exit status " rc
		} else if (!have_totals && !(rc == 4 && whole_skip != "")) {
			bad = "no \"# Totals\" line (crashed?), exit status " rc
		} else if (rc != 0 && rc != 2 && rc != 4 && f == 0) {
			bad = "exit status " rc
		}
		if (bad == "" && leftover + 0 > 0)
			bad = "left " leftover " process(es) running after it ended (killed)"
		if (bad != "" && !have_totals && test != "") bad = bad " (during " test ")"
		if (bad != "") { fail(cur ": " bad); f++ }
		how = (rc == "") ? "no end marker" : "exit " rc ", " secs " s"
		if (mode != "bench" && mode != "demo")
			printf "    %-32s %3d passed, %d failed, %d skipped  (%s)\n", cur, p, f, s, how
		else
			printf "    %s: %s\n", cur, how
		P += p; F += f; S += s
		done[cur] = 1
		cur = ""
	}
	function value(line, key) {
		if (match(line, key "=[^ ]*"))
			return substr(line, RSTART + length(key) + 1, RLENGTH - length(key) - 1)
		return ""
	}
	{ sub(/\r$/, "") }
	/AXVCPU-INIT / {
		init = 1
		c = value($0, "continues")
		if (cur != "" && c != cur) finish("", "", "")
		print "    guest reached init at " value($0, "uptime") " s (guest clock)" (c != "" ? ", in the boot " c " started by kexec" : "")
	}
	/AXVCPU-INSMOD rc=/ && value($0, "rc") != "0" {
		fail("insmod axvcpu.ko failed, status " value($0, "rc")); F++
	}
	/AXVCPU-TEST-BEGIN / {
		if (cur != "") finish("", "", "")
		cur = $0; sub(/.*AXVCPU-TEST-BEGIN /, "", cur); sub(/ .*/, "", cur)
		have_totals = 0; whole_skip = ""; test = ""; pending_skips = ""; split("", T)
		next
	}
	/AXVCPU-TEST-CONTINUE / {
		c = $0; sub(/.*AXVCPU-TEST-CONTINUE /, "", c); sub(/ .*/, "", c)
		if (c != cur) {
			if (cur != "") finish("", "", "")
			fail(c ": went on in a new boot without having begun in the last one"); F++
		}
		next
	}
	/AXVCPU-TEST-END / {
		if (cur != "") finish(value($0, "rc"), value($0, "secs"), value($0, "leftover"))
		next
	}
	/AXVCPU-DONE/ { finished = 1; print "    guest finished at " value($0, "uptime") " s (guest clock)" }
	cur == "" { next }
	mode == "bench" || mode == "demo" { print "    | " $0; next }
	/^# +RUN +/ { test = $0; sub(/^# +RUN +/, "", test); sub(/ \.\.\.$/, "", test) }
	/^not ok [0-9]+/ { t = $0; sub(/^not ok [0-9]+ */, "", t); fail(cur ": " t) }
	/^ok [0-9]+ .*# SKIP/ {
		t = $0; sub(/^ok [0-9]+ */, "", t)
		reason = t; sub(/.*# SKIP */, "", reason)
		name = t; sub(/ *# SKIP.*/, "", name)
		if (name == "") name = test
		pending_skips = pending_skips "skip " lane ": " cur ": " (name != "" ? name ": " : "") reason "\n"
	}
	/^1\.\.0 # SKIP/ {
		whole_skip = $0; sub(/^1\.\.0 # SKIP */, "", whole_skip)
		if (whole_skip == "") whole_skip = "skipped"
	}
	/^# Totals: / {
		have_totals = 1
		n = split($0, kv, /[ :]+/)
		for (i = 3; i < n; i += 2) T[kv[i]] = kv[i + 1] + 0
	}
	END {
		if (cur != "") finish("", "", "")
		np = split(programs, prog, " ")
		for (i = 1; i <= np; i++)
			if (!(prog[i] in done)) { fail(prog[i] ": never ran"); F++ }
		if (!init) { fail("the guest never reached init (" why ")"); F++ }
		else if (!finished) { fail("the guest did not finish (" why ")"); F++ }
		print P + 0, F + 0, S + 0 > counts
	}' "$log"
	read -r PASSED FAILED SKIPPED <"$W/counts"
}
