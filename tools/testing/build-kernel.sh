#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh NAME: a guest kernel built from Debian's linux-source-6.1,
# cached outside the checkout; prints the cache directory as its last line.
#
# NAME picks the config fragment tools/testing/kconfig/NAME.config (and the
# architecture: x86-* is x86_64 with the host's gcc; riscv64 and riscv64-*
# are ARCH=riscv with CROSS_COMPILE=riscv64-linux-gnu-), merged onto
# "make tinyconfig" with
# scripts/kconfig/merge_config.sh, then "make olddefconfig". Every option
# of the fragment must survive that, or the build fails naming the option.
#
# The cache directory, ${XDG_CACHE_HOME:-$HOME/.cache}/axvcpu/kernel-NAME-KEY/,
# KEY being a hash of the fragment's options, the base config, the
# architecture, the linux-source package version, the compiler (the cross
# compiler's for a cross build) and this recipe, holds:
#   linux/       the source, built in place: the KDIR of "make -C KDIR M=..."
#                (with the kernel's ARCH= and CROSS_COMPILE= for a cross build)
#   bzImage      the kernel image (x86; Image on riscv)
#   modules/     the kernel's modules (the KVM ones), with modules.order
#   config       the final .config
#   build.log    the whole build's output; build-secs its wall time
#   complete     written last: the build is usable
# A build that was interrupted resumes (incrementally) on the next run. One
# build at a time per key (flock on kernel-NAME-KEY.lock next to it), and
# "make -j${AXVCPU_KERNEL_JOBS:-2}" under nice. AXVCPU_KERNEL_REBUILD=1
# deletes the cached build of this key first; deleting the directory does
# the same.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NAME=${1:?usage: $0 NAME (a fragment tools/testing/kconfig/NAME.config)}
FRAGMENT=$TESTING_DIR/kconfig/$NAME.config
BASE=tinyconfig
RECIPE=1	# bump when the steps below change what gets built
JOBS=${AXVCPU_KERNEL_JOBS:-2}
# CROSS: the CROSS_COMPILE prefix, empty for a native build (its key then
# is what it was before cross builds existed: the cached x86 kernels stay).
CROSS=
case $NAME in
x86-*)	KARCH=x86_64 IMAGE=arch/x86/boot/bzImage ;;
riscv64|riscv64-*)
	KARCH=riscv IMAGE=arch/riscv/boot/Image CROSS=riscv64-linux-gnu- ;;
*)	echo "build-kernel: no architecture known for '$NAME'" >&2; exit 2 ;;
esac

log() { echo "kernel $NAME: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ -f "$FRAGMENT" ] || die "no fragment $FRAGMENT"
[ -r "$LINUX_SOURCE_TARBALL" ] || die "missing $LINUX_SOURCE_TARBALL (deps.sh)"
command -v "${CROSS}gcc" >/dev/null || die "no ${CROSS}gcc (deps.sh)"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || echo unknown)
key=$({
	echo "recipe $RECIPE base $BASE arch $KARCH linux-source-6.1 $srcver"
	"${CROSS}gcc" --version | head -n 1
	grep -E '^(# )?CONFIG_' "$FRAGMENT"	# the options, not the comments
} | sha256sum | cut -c1-12)
D=$CACHE_DIR/kernel-$NAME-$key
mkdir -p "$CACHE_DIR"

exec 9>"$D.lock"
if ! flock -n 9; then
	log "another run is building $D; waiting for it"
	flock -w "${AXVCPU_KERNEL_LOCK_WAIT:-5400}" 9 || die "the lock $D.lock stayed busy"
fi

if [ "${AXVCPU_KERNEL_REBUILD:-0}" = 1 ] && [ -d "$D" ]; then
	log "AXVCPU_KERNEL_REBUILD=1: deleting $D"
	rm -rf "$D"
fi
if [ -f "$D/complete" ]; then
	log "cached: $D (built in $(cat "$D/build-secs" 2>/dev/null || echo '?') s)"
	echo "$D"
	exit 0
fi

t0=$(now)
mkdir -p "$D"
L=$D/linux
BLOG=$D/build.log
if [ ! -f "$D/unpacked" ]; then
	log "unpacking $LINUX_SOURCE_TARBALL into $L"
	rm -rf "$L"
	mkdir -p "$L"
	tar -xJf "$LINUX_SOURCE_TARBALL" -C "$L" --strip-components=1 || die "unpacking failed"
	: >"$D/unpacked"
else
	log "resuming the interrupted build in $D"
fi

# The config: tinyconfig + the fragment, and nothing of it lost.
MAKE_ARGS=(ARCH="$KARCH" ${CROSS:+CROSS_COMPILE="$CROSS"})
mk() { nice make -C "$L" "${MAKE_ARGS[@]}" "$@"; }
{
	echo "== $(date -u '+%F %T') $NAME key $key: $BASE + $FRAGMENT (linux-source-6.1 $srcver)"
	mk "$BASE" &&
	(cd "$L" && scripts/kconfig/merge_config.sh -m .config "$FRAGMENT") &&
	mk olddefconfig
} >>"$BLOG" 2>&1 || { tail -n 30 "$BLOG" >&2; die "configuring failed (log: $BLOG)"; }
lost=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" "$L/.config" && continue
		opt=${line%%=*}
		log "ERROR: $line did not survive olddefconfig (now: $(grep -E "^(# )?${opt}[= ]" "$L/.config" || echo 'not present: unknown or dependencies unmet'))"
		lost=1 ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		grep -q "^$opt=" "$L/.config" || continue
		log "ERROR: $line did not survive olddefconfig (now: $(grep "^$opt=" "$L/.config"); something selects it)"
		lost=1 ;;
	esac
done <"$FRAGMENT"
[ "$lost" -eq 0 ] || die "the config lost options of $FRAGMENT (above)"
cp "$L/.config" "$D/config"
cp "$FRAGMENT" "$D/fragment.config"

# The build: image, modules, and so the state "make M=" needs
# (Module.symvers, generated headers, scripts, objtool).
# How long it takes: what the newest earlier build of this kernel took
# (another key, e.g. before a fragment change), else a rough figure for
# this machine's two cores.
last=$(cat "$(ls -t "$CACHE_DIR"/kernel-"$NAME"-*/build-secs 2>/dev/null | head -n 1)" \
	2>/dev/null || true)
log "building with make -j$JOBS under nice, about ${last:-600} s${last:+ (the last build of $NAME)} (log: $BLOG)"
# a line a minute meanwhile, with the files compiled so far
(
	set +e +o pipefail
	while sleep 60; do
		log "  still building: $(grep -c -E '^  (CC|AS) ' "$BLOG") files compiled, $(elapsed "$t0") s"
	done
) &
progress=$!
trap 'stop_background "$progress"' EXIT
rc=0
mk -j"$JOBS" all >>"$BLOG" 2>&1 || rc=$?
stop_background "$progress"
if [ "$rc" -ne 0 ]; then
	grep -E 'error|Error' "$BLOG" | tail -n 20 >&2 || true
	die "the build failed (log: $BLOG)"
fi
if [ ! -f "$L/$IMAGE" ] || [ ! -f "$L/Module.symvers" ]; then
	die "the build made no $IMAGE or Module.symvers"
fi
cp "$L/$IMAGE" "$D/${IMAGE##*/}"
rm -rf "$D/modules"
mkdir -p "$D/modules"
while IFS= read -r m; do
	m=${m%.o}
	m=${m%.ko}.ko
	cp "$L/$m" "$D/modules/"
	echo "${m##*/}"
done <"$L/modules.order" >"$D/modules/modules.order"
secs=$(elapsed "$t0")
echo "$secs" >"$D/build-secs"
: >"$D/complete"
log "built in $secs s (make -j$JOBS; $(du -sh "$D" | cut -f1) in $D)"
echo "$D"
