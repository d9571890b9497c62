#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh [lint] [LANE...]: install (apt, Debian 12) what lint and the named
# lanes need. Idempotent: when everything is installed it does nothing and
# needs no network. Otherwise it runs apt-get update once, then installs
# the missing packages, saying which.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# What each kind of job needs (Debian package names). gcc comes without
# its Recommends, so libc6-dev (static test programs) is named. dwarves:
# pahole, with which 6.12's kbuild writes a module's BTF (its headers ship
# vmlinux; Debian 13's linux-headers packages pull it in the same way).
BUILD_PKGS=(make gcc libc6-dev kmod xz-utils dwarves)
X86_PKGS=(qemu-system-x86 seabios linux-image-amd64 linux-headers-amd64 dkms
	  busybox-static linux-source-6.1 cpio gzip trace-cmd "${BUILD_PKGS[@]}")
LINT_PKGS=(perl sparse g++ linux-headers-amd64 linux-source-6.1 gcc-aarch64-linux-gnu
	   "${BUILD_PKGS[@]}")
# The riscv64 lanes: no Debian riscv64 kernel or busybox, so a kernel built
# from linux-source-6.1 with the cross compiler, static test programs and a
# static C /init (tools/testing/init/) built with it, Debian 12's QEMU for
# riscv64 (qemu-system-misc: the libraries of the bookworm-backports one the
# lanes run, and AXVCPU_QEMU_RISCV's default) and OpenSBI as its firmware.
RISCV_PKGS=(gcc-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-system-misc opensbi
	    cpio gzip sparse "${BUILD_PKGS[@]}")
# The arm64 lanes: the cross compiler and static libc for the module and
# the tests, Debian 12's QEMU for arm (the libraries of the backports one
# the lanes run), the amd64 headers whose linux-kbuild-6.1 builds against
# Debian's arm64 headers (arm64_debian fetches those); edk2 for the lanes
# that boot through UEFI (AAVMF_FW in lib.sh).
ARM64_PKGS=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm
	    qemu-efi-aarch64 linux-headers-amd64 cpio gzip "${BUILD_PKGS[@]}")
# The Bochs lanes (x86-*-bochs): Bochs 2.7 with its BIOS and VGA BIOS, and
# an ISO to boot from (isolinux, xorriso), besides what a built kernel needs.
BOCHS_PKGS=(bochs bochsbios vgabios bochs-term isolinux syslinux-common xorriso)
# A kernel built from linux-source-6.1 (x86-svm-debug, riscv64-*): kconfig needs
# flex and bison, objtool libelf-dev, the build bc, perl and openssl's
# headers; the module tools (modinfo) are in kmod.
KERNEL_BUILD_PKGS=(build-essential bc bison flex libelf-dev libssl-dev perl
		   linux-source-6.1 xz-utils "${BUILD_PKGS[@]}")

# qemu_backports PACKAGE DIR BINARY: Debian's PACKAGE (qemu-system-x86,
# qemu-system-riscv) from $QEMU_SUITE and the common and data packages it
# needs, unpacked (dpkg -x, not installed: Debian 12's own QEMU stays as it
# is) into DIR, with apt state of its own under the cache (shared by the
# packages). BINARY (under DIR/usr/bin) prints its version at the end.
qemu_backports() {
	local pkg=$1 dir=$2 bin=$3 a=$CACHE_DIR/apt-$QEMU_SUITE tmp f
	local opts=(-o "Dir::Etc::sourcelist=$a/sources.list" -o Dir::Etc::sourceparts=-
		    -o "Dir::State::Lists=$a/lists" -o "Dir::Cache::Archives=$a/archives"
		    -o APT::Get::List-Cleanup=0)

	[ -f "$dir/complete" ] && return 0
	mkdir -p "$CACHE_DIR" "$a/lists/partial" "$a/archives/partial"
	echo "deb http://deb.debian.org/debian $QEMU_SUITE main" >"$a/sources.list"
	echo "deps: fetching $pkg from $QEMU_SUITE into $dir"
	apt-get "${opts[@]}" update -q >"$a/update.log" 2>&1 ||
		{ tail -n 5 "$a/update.log" >&2; return 1; }
	tmp=$(mktemp -d "$CACHE_DIR/$pkg.XXXXXX")
	(cd "$tmp" && apt-get "${opts[@]}" download -q \
		"$pkg/$QEMU_SUITE" "qemu-system-common/$QEMU_SUITE" \
		"qemu-system-data/$QEMU_SUITE") >"$a/download.log" 2>&1 ||
		{ tail -n 5 "$a/download.log" >&2; rm -rf "$tmp"; return 1; }
	for f in "$tmp"/*.deb; do
		dpkg-deb -x "$f" "$tmp/root"
	done
	rm -rf "$dir"
	mv "$tmp/root" "$dir"
	(cd "$tmp" && ls ./*.deb) >"$dir/complete"
	rm -rf "$tmp"
	"$dir/usr/bin/$bin" --version | head -n 1
}

# arm64_debian: Debian's arm64 kernel image, its headers and
# busybox-static, of version arm64_kver, unpacked into ARM64_ROOT (apt
# state of its own under the cache: the machine's dpkg gets no arm64
# architecture). The headers' scripts link to ../../lib/linux-kbuild-6.1,
# which is pointed at the amd64 one installed here.
# apt_arm64_update: apt's options for Debian 12's arm64 packages, with
# their own lists in APT_ARM64 (the host's apt knows amd64 alone), in
# APT_ARM64_OPTS; the lists fetched. For apt-get download, never install.
APT_ARM64=$CACHE_DIR/apt-arm64
APT_ARM64_OPTS=(-o "Dir::Etc::sourcelist=$APT_ARM64/sources.list" -o Dir::Etc::sourceparts=-
		-o "Dir::State::Lists=$APT_ARM64/lists" -o "Dir::Cache::Archives=$APT_ARM64/archives"
		-o APT::Get::List-Cleanup=0 -o APT::Architecture=arm64
		-o APT::Architectures::=arm64)
apt_arm64_update() {
	local a=$APT_ARM64
	mkdir -p "$a/lists/partial" "$a/archives/partial"
	{
		echo "deb [arch=arm64] http://deb.debian.org/debian bookworm main"
		echo "deb [arch=arm64] http://deb.debian.org/debian bookworm-updates main"
		echo "deb [arch=arm64] http://deb.debian.org/debian-security bookworm-security main"
	} >"$a/sources.list"
	apt-get "${APT_ARM64_OPTS[@]}" update -q >"$a/update.log" 2>&1 ||
		{ tail -n 5 "$a/update.log" >&2; return 1; }
}

arm64_debian() {
	local a=$APT_ARM64 kver tmp f
	local opts=("${APT_ARM64_OPTS[@]}")

	kver=$(arm64_kver) || { echo "deps: no amd64 headers to match an arm64 kernel to" >&2; return 1; }
	[ -f "$ARM64_ROOT/complete" ] && [ "$(cat "$ARM64_ROOT/complete")" = "$kver" ] && return 0
	echo "deps: fetching Debian's arm64 kernel $kver into $ARM64_ROOT"
	apt_arm64_update || return 1
	tmp=$(mktemp -d "$CACHE_DIR/arm64.XXXXXX")
	chmod 755 "$tmp"
	(cd "$tmp" && apt-get "${opts[@]}" download -q "linux-image-$kver-unsigned" \
		"linux-headers-$kver" busybox-static) >"$a/download.log" 2>&1 ||
		{ tail -n 5 "$a/download.log" >&2; rm -rf "$tmp"; return 1; }
	for f in "$tmp"/*.deb; do
		dpkg-deb -x "$f" "$tmp/root"
	done
	ln -sfn /usr/lib/linux-kbuild-6.1 "$tmp/root/usr/lib/linux-kbuild-6.1"
	rm -rf "$ARM64_ROOT"
	mv "$tmp/root" "$ARM64_ROOT"
	rm -rf "$tmp"
	echo "$kver" >"$ARM64_ROOT/complete"
}

# headers_612: Debian 12's newest 6.12 amd64 kernel headers (what
# linux-headers-6.12-amd64 points to) and their kbuild, unpacked into
# HEADERS612_ROOT (dpkg -x, not installed: installing them would pull the
# 6.12 kernel image in, and the lanes boot the newest installed kernel).
# lint builds the module against them.
APT612=$CACHE_DIR/apt-headers-6.12
APT612_OPTS=(-o "Dir::Etc::sourcelist=$APT612/sources.list" -o Dir::Etc::sourceparts=-
	     -o "Dir::State::Lists=$APT612/lists" -o "Dir::Cache::Archives=$APT612/archives"
	     -o APT::Get::List-Cleanup=0)
headers_612() {
	local a=$APT612 kver tmp f
	local opts=("${APT612_OPTS[@]}")
	mkdir -p "$a/lists/partial" "$a/archives/partial"
	{
		echo "deb http://deb.debian.org/debian bookworm main"
		echo "deb http://deb.debian.org/debian bookworm-updates main"
		echo "deb http://deb.debian.org/debian-security bookworm-security main"
	} >"$a/sources.list"
	if [ -f "$HEADERS612_ROOT/complete" ]; then
		return 0
	fi
	apt-get "${opts[@]}" update -q >"$a/update.log" 2>&1 ||
		{ tail -n 5 "$a/update.log" >&2; return 1; }
	kver=$(apt-cache "${opts[@]}" depends linux-headers-6.12-amd64 2>/dev/null |
	       sed -n 's/.*Depends: linux-headers-\(6\.12\..*\)-amd64$/\1/p' | head -n 1)
	[ -n "$kver" ] || { echo "deps: no linux-headers-6.12-amd64 in bookworm" >&2; return 1; }
	echo "deps: fetching Debian's 6.12 headers ($kver) into $HEADERS612_ROOT"
	tmp=$(mktemp -d "$CACHE_DIR/headers-6.12.XXXXXX")
	chmod 755 "$tmp"
	(cd "$tmp" && apt-get "${opts[@]}" download -q "linux-headers-$kver-amd64" \
		"linux-headers-$kver-common" "linux-kbuild-$kver") >"$a/download.log" 2>&1 ||
		{ tail -n 5 "$a/download.log" >&2; rm -rf "$tmp"; return 1; }
	for f in "$tmp"/*.deb; do
		dpkg-deb -x "$f" "$tmp/root"
	done
	# its Makefile includes the common part by absolute path
	sed -i "s|/usr/src/|$HEADERS612_ROOT/usr/src/|" \
		"$tmp/root/usr/src/linux-headers-$kver-amd64/Makefile"
	rm -rf "$HEADERS612_ROOT"
	mv "$tmp/root" "$HEADERS612_ROOT"
	rm -rf "$tmp"
	echo "$kver-amd64" >"$HEADERS612_ROOT/complete"
}

# headers_612_arm64: the arm64 headers of the same 6.12 upload, unpacked
# into HEADERS612_ROOT beside the amd64 ones: they share the common part
# and, through their relative links, the amd64 kbuild tools (the arm64
# package's own would be arm64 binaries). lint cross-builds against them.
headers_612_arm64() {
	local kver tmp
	[ -f "$HEADERS612_ROOT/complete-arm64" ] && return 0
	headers_612 || return 1
	kver=$(cat "$HEADERS612_ROOT/complete")
	kver=${kver%-amd64}
	echo "deps: fetching Debian's 6.12 arm64 headers ($kver) into $HEADERS612_ROOT"
	apt_arm64_update || return 1
	tmp=$(mktemp -d "$CACHE_DIR/headers-6.12-arm64.XXXXXX")
	chmod 755 "$tmp"
	(cd "$tmp" && apt-get "${APT_ARM64_OPTS[@]}" download -q "linux-headers-$kver-arm64") \
		>"$APT_ARM64/download-6.12.log" 2>&1 ||
		{ tail -n 5 "$APT_ARM64/download-6.12.log" >&2; rm -rf "$tmp"; return 1; }
	dpkg-deb -x "$tmp"/*.deb "$HEADERS612_ROOT" || { rm -rf "$tmp"; return 1; }
	rm -rf "$tmp"
	sed -i "s|/usr/src/|$HEADERS612_ROOT/usr/src/|" \
		"$HEADERS612_ROOT/usr/src/linux-headers-$kver-arm64/Makefile"
	echo "$kver-arm64" >"$HEADERS612_ROOT/complete-arm64"
}

# image_612: the kernel of the same 6.12 upload (linux-image-*-unsigned:
# vmlinuz and the modules, xz-compressed), unpacked into IMAGE612_ROOT for
# the x86-svm-612 lane; not installed, as the headers are not.
image_612() {
	local kver tmp
	[ -f "$IMAGE612_ROOT/complete" ] && return 0
	headers_612 || return 1
	kver=$(cat "$HEADERS612_ROOT/complete")
	echo "deps: fetching Debian's 6.12 kernel (linux-image-$kver-unsigned, about 110 MB) into $IMAGE612_ROOT"
	apt-get "${APT612_OPTS[@]}" update -q >"$APT612/update.log" 2>&1 ||
		{ tail -n 5 "$APT612/update.log" >&2; return 1; }
	tmp=$(mktemp -d "$CACHE_DIR/image-6.12.XXXXXX")
	chmod 755 "$tmp"
	(cd "$tmp" && apt-get "${APT612_OPTS[@]}" download -q "linux-image-$kver-unsigned") \
		>"$APT612/download-image.log" 2>&1 ||
		{ tail -n 5 "$APT612/download-image.log" >&2; rm -rf "$tmp"; return 1; }
	dpkg-deb -x "$tmp"/*.deb "$tmp/root" || { rm -rf "$tmp"; return 1; }
	rm -rf "$IMAGE612_ROOT"
	mv "$tmp/root" "$IMAGE612_ROOT"
	rm -rf "$tmp"
	echo "$kver" >"$IMAGE612_ROOT/complete"
}

want=()
lint=false
k612=false
x86=false
riscv=false
arm64=false
for job in "$@"; do
	case $job in
	lint)	want+=("${LINT_PKGS[@]}"); lint=true ;;
	x86-*-debug) want+=("${X86_PKGS[@]}" "${KERNEL_BUILD_PKGS[@]}"); x86=true ;;
	x86-*-bochs) want+=("${X86_PKGS[@]}" "${KERNEL_BUILD_PKGS[@]}" "${BOCHS_PKGS[@]}") ;;
	x86-*-612) want+=("${X86_PKGS[@]}"); x86=true; k612=true ;;
	x86-*)	want+=("${X86_PKGS[@]}"); x86=true ;;
	riscv64-*) want+=("${RISCV_PKGS[@]}" "${KERNEL_BUILD_PKGS[@]}"); riscv=true ;;
	arm64-*) want+=("${ARM64_PKGS[@]}"); arm64=true ;;
	*)	echo "deps: unknown lane or job '$job' (lanes: $(lane_names | xargs))" >&2
		exit 2 ;;
	esac
done

missing=()
for pkg in $(printf '%s\n' "${want[@]}" | sort -u); do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
	[ "${status:0:2}" = ii ] || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
		exit 1
	fi
	echo "deps: installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if $lint; then
	headers_612 || { echo "deps: cannot fetch Debian's 6.12 headers" >&2; exit 1; }
	headers_612_arm64 || { echo "deps: cannot fetch Debian's 6.12 arm64 headers" >&2; exit 1; }
fi
if $k612; then
	image_612 || { echo "deps: cannot fetch Debian's 6.12 kernel" >&2; exit 1; }
fi
if $x86 && qemu_x86_uses_backports; then
	qemu_backports qemu-system-x86 "$QEMU_X86_DIR" qemu-system-x86_64 ||
		{ echo "deps: cannot fetch qemu-system-x86 from $QEMU_SUITE" >&2; exit 1; }
fi
if $riscv && qemu_riscv_uses_backports; then
	qemu_backports qemu-system-riscv "$QEMU_RISCV_DIR" qemu-system-riscv64 ||
		{ echo "deps: cannot fetch qemu-system-riscv from $QEMU_SUITE" >&2; exit 1; }
fi
if $arm64; then
	if qemu_arm_uses_backports; then
		qemu_backports qemu-system-arm "$QEMU_ARM_DIR" qemu-system-aarch64 ||
			{ echo "deps: cannot fetch qemu-system-arm from $QEMU_SUITE" >&2; exit 1; }
	fi
	arm64_debian || { echo "deps: cannot fetch Debian's arm64 kernel" >&2; exit 1; }
fi
[ "${#missing[@]}" -eq 0 ] && echo "deps: all present ($*)"
exit 0
