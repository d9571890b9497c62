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
# its Recommends, so libc6-dev (static test programs) is named.
BUILD_PKGS=(make gcc libc6-dev kmod xz-utils)
X86_PKGS=(qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static
	  linux-source-6.1 cpio gzip "${BUILD_PKGS[@]}")
LINT_PKGS=(perl sparse g++ linux-headers-amd64 linux-source-6.1 "${BUILD_PKGS[@]}")
# A kernel built from linux-source-6.1 (lane x86-svm-debug): kconfig needs
# flex and bison, objtool libelf-dev, the build bc, perl and openssl's
# headers; the module tools (modinfo) are in kmod.
KERNEL_BUILD_PKGS=(build-essential bc bison flex libelf-dev libssl-dev perl
		   linux-source-6.1 xz-utils "${BUILD_PKGS[@]}")

want=()
for job in "$@"; do
	case $job in
	lint)	want+=("${LINT_PKGS[@]}") ;;
	x86-*-debug) want+=("${X86_PKGS[@]}" "${KERNEL_BUILD_PKGS[@]}") ;;
	x86-*)	want+=("${X86_PKGS[@]}") ;;
	*)	echo "deps: unknown lane or job '$job' (lanes: $(lane_names | xargs))" >&2
		exit 2 ;;
	esac
done

missing=()
for pkg in $(printf '%s\n' "${want[@]}" | sort -u); do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
	[ "${status:0:2}" = ii ] || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "deps: all present ($*)"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
	exit 1
fi
echo "deps: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
