#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sparse-march.sh ARGS...: sparse, for a riscv64 build (make C=2
# CHECK=this): Debian 12's sparse 0.6.4 parses "-march=rv64imac" but not
# the multi-letter extensions the kernel appends ("_zicsr_zifencei..."),
# so they are cut off; everything else goes to sparse as it is.
for a; do
	shift
	case $a in
	-march=*_*) set -- "$@" "${a%%_*}" ;;
	*) set -- "$@" "$a" ;;
	esac
done
exec sparse "$@"
