#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [QEMU]: QEMU 10.0's TCG crashes translating MOV to segment
# register 6 or 7 (8E /6, 8E /7), without axvcpu: boots a floppy whose boot
# sector (boot.S) executes that instruction in real mode and prints what
# happened on COM1. Default QEMU: qemu-system-x86_64 on PATH. Prints "MU"
# (#UD raised, as on hardware) or QEMU's exit status; Debian's 10.0.2
# (bookworm-backports) dies with SIGSEGV (status 139) in tcg_optimize(),
# Debian 12's 7.2 prints MU.
set -euo pipefail
QEMU=${1:-qemu-system-x86_64}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
W=${AXVCPU_WORK:-/tmp/axvcpu-work}/qemu-bug-mov-sreg
rm -rf "$W" && mkdir -p "$W"
as --32 -o "$W/boot.o" "$HERE/boot.S"
ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$W/boot.img" "$W/boot.o"
rc=0
how=
# shellcheck disable=SC2086 # QEMU may carry options (-L for firmware)
$QEMU -accel tcg -cpu max -m 16M -display none -nic none \
	-monitor none -serial "file:$W/serial.log" \
	-drive "format=raw,if=floppy,file=$W/boot.img" </dev/null >"$W/qemu.log" 2>&1 &
pid=$!
trap 'kill -KILL "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	grep -q '[UN]' "$W/serial.log" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.2
done
if kill -0 "$pid" 2>/dev/null; then
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	how="still running (stopped by run.sh)"
else
	wait "$pid" 2>/dev/null || rc=$?
	how="exited with status $rc"
fi
echo "== $($QEMU --version | head -n 1)"
echo "serial: '$(cat "$W/serial.log" 2>/dev/null)', QEMU $how"
