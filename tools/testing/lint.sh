#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh: make lint. Five checks, one result line each; exit status
# non-zero on any finding:
#   checkpatch  checkpatch.pl --strict on every *.c, *.h, *.S outside tools/
#   sparse      the module built with C=2 against Debian's amd64 headers
#   kernels     the module built with W=1 (-Werror) against Debian 12's
#               6.12 amd64 and arm64 headers too (axvcpu_compat.h)
#   uapi        each include/uapi header compiled alone as C and as C++
#   install     make install, uninstall, headers_install and dkms-source,
#               staged in the work dir (DESTDIR, INSTALL_HDR_PATH) for the
#               6.1 headers
# checkpatch and its data files come from Debian's linux-source tarball,
# extracted once into the cache (lib.sh: ensure_linux_source_files).
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# checkpatch message types ignored, each with its reason (the only place):
#   LINUX_VERSION_CODE  an out-of-tree module may have to build against
#                       several kernel versions
#   FILE_PATH_CHANGES   about the kernel's MAINTAINERS file, which an
#                       out-of-tree module does not have
# and in axvcpu_compat.h alone (COMPAT_FILE), the one file that compares
# kernel versions:
#   CONSTANT_COMPARISON "#if LINUX_VERSION_CODE < KERNEL_VERSION(...)" is
#                       two constants, the idiom of out-of-tree modules
# and in axvcpu_trace.h alone (TRACE_FILE), the trace event definitions,
# laid out as include/trace/events/ lays them out (the TRACE_EVENT macro's
# arguments one a line, __print_symbolic() tables as macros), which
# checkpatch reads as C:
#   COMPLEX_MACRO, OPEN_ENDED_LINE, PARENTHESIS_ALIGNMENT
IGNORE_TYPES=LINUX_VERSION_CODE,FILE_PATH_CHANGES
COMPAT_FILE=axvcpu_compat.h
TRACE_FILE=axvcpu_trace.h

W=$WORK_ROOT/lint
mkdir -p "$W"
bad=0
result() {	# result CHECK STATUS TEXT
	if [ "$2" -eq 0 ]; then
		echo "lint: $1: ok, $3"
	else
		echo "lint: $1: FAILED, $3"
		bad=$((bad + 1))
	fi
}

"$TESTING_DIR/deps.sh" lint >/dev/null || { echo "lint: deps.sh lint failed"; exit 1; }
ensure_linux_source_files || { echo "lint: cannot extract checkpatch"; exit 1; }

# ---- checkpatch
mapfile -d '' files < <(source_files | grep -z -E '\.(c|h|S)$' | grep -z -v '^tools/')
rc=0
mapfile -d '' others < <(printf '%s\0' "${files[@]}" |
	grep -z -v -x -e "$COMPAT_FILE" -e "$TRACE_FILE")
(cd "$SRC_ROOT" && perl "$CHECKPATCH_CACHE/checkpatch.pl" --no-tree --strict --terse \
	--show-types --no-summary --quiet --ignore "$IGNORE_TYPES" -f "${others[@]}" &&
	perl "$CHECKPATCH_CACHE/checkpatch.pl" --no-tree --strict --terse --show-types \
	--no-summary --quiet --ignore "$IGNORE_TYPES,CONSTANT_COMPARISON" -f "$COMPAT_FILE" &&
	perl "$CHECKPATCH_CACHE/checkpatch.pl" --no-tree --strict --terse --show-types \
	--no-summary --quiet \
	--ignore "$IGNORE_TYPES,COMPLEX_MACRO,OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT" \
	-f "$TRACE_FILE") \
	>"$W/checkpatch.log" 2>&1 || rc=$?
n=$(grep -c -E ': (ERROR|WARNING|CHECK):' "$W/checkpatch.log")
[ "$rc" -ne 0 ] || [ "$n" -ne 0 ] && { cat "$W/checkpatch.log"; rc=1; }
result checkpatch "$rc" "${#files[@]} files, $n findings"

# ---- sparse (C=2: every file, not just the rebuilt ones)
rc=0
if ! kver=$(debian_kver amd64); then
	echo "no Debian amd64 kernel headers" >"$W/sparse.log"
	rc=1
else
	copy_source "$W/src"
	make -C "/usr/src/linux-headers-$kver" M="$W/src" C=2 -j"$(nproc)" modules \
		>"$W/sparse.log" 2>&1 || rc=$?
fi
n=$(grep -c -E "$SPARSE_WARN_RE" "$W/sparse.log")
if [ "$rc" -ne 0 ] || [ "$n" -ne 0 ]; then
	grep -E "$SPARSE_WARN_RE|Error|error:" "$W/sparse.log" | head -n 60
	result sparse 1 "$n warnings$([ "$rc" -ne 0 ] && echo ", build failed (exit $rc)") (log: $W/sparse.log)"
else
	result sparse 0 "no warnings ($kver)"
fi

# ---- the newest kernel series users run (6.12), W=1 and -Werror
rc=0
if ! kdir612=$(headers612_dir); then
	echo "no Debian 6.12 amd64 kernel headers in $HEADERS612_ROOT (deps.sh lint)" >"$W/6.12.log"
	rc=1
else
	kver612=${kdir612##*/linux-headers-}
	copy_source "$W/src-6.12"
	make -C "$kdir612" M="$W/src-6.12" W=1 -j"$(nproc)" modules >"$W/6.12.log" 2>&1 || rc=$?
	# and the arm64 backend, cross-built against the arm64 headers
	kdir612a=${kdir612%-amd64}-arm64
	if [ "$rc" -eq 0 ] && [ -f "$kdir612a/Makefile" ]; then
		copy_source "$W/src-6.12-arm64"
		make -C "$kdir612a" M="$W/src-6.12-arm64" ARCH=arm64 \
			CROSS_COMPILE=aarch64-linux-gnu- W=1 -j"$(nproc)" modules \
			>>"$W/6.12.log" 2>&1 || rc=$?
	elif [ "$rc" -eq 0 ]; then
		echo "no Debian 6.12 arm64 headers at $kdir612a (deps.sh lint)" >>"$W/6.12.log"
		rc=1
	fi
fi
if [ "$rc" -ne 0 ]; then
	grep -E "error|warning|Error|no Debian" "$W/6.12.log" | head -n 40
	result kernels 1 "the build against 6.12 failed (log: $W/6.12.log)"
else
	result kernels 0 "builds against $kver612 and ${kver612%-amd64}-arm64 too"
fi

# ---- uapi headers, standalone, in C and C++
rc=0
n=0
while IFS= read -r -d '' h; do
	inc=${h#include/uapi/}
	for cc in "gcc -x c" "g++ -x c++"; do
		# shellcheck disable=SC2086 # the compiler and its language
		if ! printf '#include <%s>\n' "$inc" |
		     $cc -Wall -Werror -fsyntax-only -I "$SRC_ROOT/include/uapi" - 2>&1; then
			echo "  ${cc%% *} cannot compile $h on its own"
			rc=1
		fi
	done
	n=$((n + 1))
done < <(source_files | grep -z -E '^include/uapi/.*\.h$')
result uapi "$rc" "$n headers as C and C++"

# ---- make install / uninstall / headers_install, staged
rc=0
if [ -n "${kver:-}" ]; then
	copy_source "$W/src-install"
	d=$W/install
	rm -rf "$d"
	{
		make -C "$W/src-install" KVER="$kver" KDIR="/usr/src/linux-headers-$kver" \
			DESTDIR="$d" install &&
		[ -f "$d/lib/modules/$kver/updates/axvcpu.ko" ] &&
		[ -f "$d/lib/udev/rules.d/60-axvcpu.rules" ] &&
		grep -q axvcpu "$d/lib/modules/$kver/modules.dep" &&
		make -C "$W/src-install" KVER="$kver" DESTDIR="$d" uninstall &&
		[ ! -e "$d/lib/modules/$kver/updates/axvcpu.ko" ] &&
		[ ! -e "$d/lib/udev/rules.d/60-axvcpu.rules" ] &&
		make -C "$W/src-install" INSTALL_HDR_PATH="$d/usr" headers_install &&
		[ -f "$d/usr/include/linux/axvcpu.h" ] &&
		make -C "$W/src-install" DESTDIR="$d" DKMS_VERSION=2.lint dkms-source &&
		grep -qx 'PACKAGE_VERSION="2.lint"' "$d/usr/src/axvcpu-2.lint/dkms.conf" &&
		[ -f "$d/usr/src/axvcpu-2.lint/Kbuild" ] &&
		[ ! -e "$d/usr/src/axvcpu-2.lint/tools" ]
	} >"$W/install.log" 2>&1 || rc=1
else
	rc=1
fi
[ "$rc" -ne 0 ] && tail -n 20 "$W/install.log"
result install "$rc" "install, uninstall, headers_install, dkms-source staged (log: $W/install.log)"

[ "$bad" -eq 0 ] && echo "lint: ok" || echo "lint: FAILED ($bad of 5 checks)"
[ "$bad" -eq 0 ]
