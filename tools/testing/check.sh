#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [--lanes "LANE..."]   make check: lint, then every lane's tests
# check.sh --bench [--lanes ...]  make bench: every lane's axvcpu_bench
# check.sh --fuzz [--lanes ...]   make fuzz: the long fuzzer run (fuzz_test)
# check.sh --stress [--lanes ...] make stress: the race programs repeated
#                                 under multi-threaded TCG
# check.sh --demo                 make demo
#
# Each lane (tools/testing/lib.sh: LANES_TABLE) builds the module and the
# kselftests, boots its emulator and writes a result file. This script sums
# them and prints a summary per lane; its last line is "N passed, M failed,
# K skipped" (only skips a lane expects: lib.sh, EXPECTED_SKIPS).
# It exits non-zero on any failure: a failed test, a test program that
# crashed or timed out, a lane timeout, a kernel splat, a build error, lint.
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	echo "usage: $0 [--lanes \"LANE...\"] [--bench | --fuzz | --stress | --demo]"
	echo "lanes: $(lane_names | xargs) (default: $DEFAULT_LANES; for --bench: $DEFAULT_BENCH_LANES;"
	echo "       for --fuzz: $DEFAULT_FUZZ_LANES; for --stress: $DEFAULT_STRESS_LANES)"
}

mode=check
lanes=
while [ $# -gt 0 ]; do
	case $1 in
	--lanes)	lanes=${2:-}; shift ;;
	--lanes=*)	lanes=${1#--lanes=} ;;
	--bench)	mode=bench ;;
	--fuzz)		mode=fuzz ;;
	--stress)	mode=stress ;;
	--demo)		mode=demo ;;
	-h|--help)	usage; exit 0 ;;
	*)		usage >&2; exit 2 ;;
	esac
	shift
done

# make demo: the reference VMM (tools/axvcpu-run) runs its sample guest in
# the lane of this machine's architecture; the guest's console output is
# the lane's output (lines starting with "|").
if [ "$mode" = demo ] && [ -z "$lanes" ]; then
	lanes=$DEFAULT_DEMO_LANES
fi

# make bench leaves out the debug lane unless asked: KASAN and lockdep
# make its figures meaningless.
if [ -z "$lanes" ]; then
	lanes=$DEFAULT_LANES
	[ "$mode" = bench ] && lanes=$DEFAULT_BENCH_LANES
	[ "$mode" = fuzz ] && lanes=$DEFAULT_FUZZ_LANES
	[ "$mode" = stress ] && lanes=$DEFAULT_STRESS_LANES
fi

if [ "$mode" = stress ]; then
	export AXVCPU_STRESS_SECONDS=${AXVCPU_STRESS_SECONDS:-1800}
	export AXVCPU_TORTURE_ITERS=${AXVCPU_TORTURE_ITERS:-60}
	export AXVCPU_COEXIST_ROUNDS=${AXVCPU_COEXIST_ROUNDS:-100}
	echo "stress: ${AXVCPU_STRESS_PROGRAMS:-$STRESS_PROGRAMS} again and again for $AXVCPU_STRESS_SECONDS s per lane" \
		"(torture iterations $AXVCPU_TORTURE_ITERS, KVM alternations $AXVCPU_COEXIST_ROUNDS), TCG thread ${AXVCPU_QEMU_TCG_THREAD:-multi}"
fi

# make fuzz: a million calls and a fresh seed unless told otherwise, the
# same for every lane; fuzz_test reads them in the guest (lib.sh forwards
# AXVCPU_FUZZ_*). The seed is printed here too, so that a run whose guest
# died still says how to replay it.
if [ "$mode" = fuzz ]; then
	export AXVCPU_FUZZ_CALLS=${AXVCPU_FUZZ_CALLS:-1000000}
	export AXVCPU_FUZZ_SECONDS=${AXVCPU_FUZZ_SECONDS:-3600}
	export AXVCPU_FUZZ_FAULTS=${AXVCPU_FUZZ_FAULTS:-5}
	if [ -z "${AXVCPU_FUZZ_SEED:-}" ] || [ "$AXVCPU_FUZZ_SEED" = random ]; then
		AXVCPU_FUZZ_SEED=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	fi
	export AXVCPU_FUZZ_SEED
	echo "fuzz: seed $AXVCPU_FUZZ_SEED, $AXVCPU_FUZZ_CALLS calls, at most $AXVCPU_FUZZ_SECONDS s per lane"
	echo "fuzz: replay with: make fuzz AXVCPU_FUZZ_SEED=$AXVCPU_FUZZ_SEED AXVCPU_FUZZ_CALLS=$AXVCPU_FUZZ_CALLS"
fi

for lane in $lanes; do
	lane_lookup "$lane" || { echo "unknown lane '$lane'" >&2; usage >&2; exit 2; }
done

T0=$(now)
# lanes of this run share builds (lib.sh, build cache); none from an
# earlier run
rm -rf "${BUILD_CACHE:?}"
passed=0
failed=0
skipped=0
summary=()

# Everything the run needs, installed once up front.
export AXVCPU_MODE=$mode
deps_jobs=$lanes
[ "$mode" = check ] && deps_jobs="lint $lanes"
# shellcheck disable=SC2086 # a list of job names
if ! "$TESTING_DIR/deps.sh" $deps_jobs; then
	echo "deps: installing the dependencies failed"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

if [ "$mode" = check ]; then
	echo "== lint"
	if "$TESTING_DIR/lint.sh"; then
		summary+=("lint: ok")
	else
		failed=$((failed + 1))
		summary+=("lint: FAILED (1 failure; the findings are above, under '== lint')")
	fi
fi

for lane in $lanes; do
	lane_lookup "$lane"
	w=$WORK_ROOT/$lane
	mkdir -p "$w"
	rm -f "$w/result"
	echo "== lane $lane: ${LANE_SCRIPT#"$REPO_ROOT"/} ${LANE_PARAMS[*]}"
	t0=$(now)
	env "${LANE_PARAMS[@]}" AXVCPU_MODE="$mode" "$LANE_SCRIPT" "$lane" 2>&1 | tee "$w/lane.log"
	rc=${PIPESTATUS[0]}
	secs=$(elapsed "$t0")
	p=0 f=0 s=0
	details=()
	if [ -f "$w/result" ]; then
		read -r _ p f s <"$w/result"
		while IFS= read -r line; do
			case $line in
			"fail $lane: "*) details+=("    FAIL ${line#"fail $lane: "}") ;;
			"skip $lane: "*) details+=("    skip ${line#"skip $lane: "}") ;;
			esac
		done <"$w/result"
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1
			details+=("    FAIL the lane script exited with status $rc")
		fi
	else
		f=1
		details+=("    FAIL the lane script ended without a result (exit status $rc)")
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$mode" = bench ]; then
		summary+=("$lane: bench $([ "$f" -eq 0 ] && echo ok || echo "FAILED ($f)") (${secs} s)")
	else
		summary+=("$lane: $p passed, $f failed, $s skipped (${secs} s)")
	fi
	summary+=(${details[@]+"${details[@]}"})
	if [ "$mode" = fuzz ] && [ -f "$w/serial.log" ]; then
		while IFS= read -r line; do
			summary+=("    $line")
		done < <(tr -d '\r' <"$w/serial.log" | sed -n 's/^#.*:bounded:\(fuzz: .*\)$/\1/p')
	fi
	if [ "$mode" = stress ] && [ -f "$w/serial.log" ]; then
		summary+=("    stress: $(tr -d '\r' <"$w/serial.log" | grep -c 'AXVCPU-STRESS-PASS') passes of ${AXVCPU_STRESS_PROGRAMS:-$STRESS_PROGRAMS}")
	fi
	[ -f "$w/serial.log" ] && summary+=("    serial log: $w/serial.log")
done

echo "== summary ($mode, $(elapsed "$T0") s)"
printf '%s\n' "${summary[@]}"
if [ "$mode" = bench ]; then
	echo "bench: $(echo "$lanes" | wc -w) lane(s), $failed failed"
else
	echo "$passed passed, $failed failed, $skipped skipped"
fi
[ "$failed" -eq 0 ]
