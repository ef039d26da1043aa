#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# run-fuzzers.sh BUILD SECONDS - run every libFuzzer harness built in BUILD
# (make fuzz) for SECONDS each, from the seed corpus in tests/fuzz/corpus/
# NAME, and print the executions of each (and per second).  New corpus entries go to
# BUILD/fuzz-corpus/NAME (the tree's corpus is only read); a crash leaves
# its input as BUILD/fuzz-artifacts/NAME-crash-* and fails the run.
set -uo pipefail
build=${1:?usage: run-fuzzers.sh BUILD SECONDS}
secs=${2:?usage: run-fuzzers.sh BUILD SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
status=0
total=0
found=0
mkdir -p "$build/fuzz-artifacts"
for exe in "$build"/tests/fuzz/fuzz_*; do
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	name=$(basename "$exe")
	name=${name#fuzz_}
	# The viommu harness runs long inputs (host batches fill at 64 commands)
	# that touch some 2000 features each: the entropic schedule's frequency
	# updates cost it half its executions for no more coverage in equal
	# time (measured), so it uses the plain schedule.
	extra=()
	case $name in
	scenario | cost) max_len=4096 ;;
	viommu) max_len=1024 extra=(-entropic=0) ;;
	*) max_len=128 ;;
	esac
	work="$build/fuzz-corpus/$name"
	log="$build/fuzz-artifacts/$name.log"
	mkdir -p "$work"
	found=$((found + 1))
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$exe" -max_total_time="$secs" -max_len="$max_len" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/fuzz-artifacts/$name-" "${extra[@]}" \
		"$work" "$here/corpus/$name" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	corpus=$(find "$work" -type f | wc -l)
	if [ "$rc" -ne 0 ]; then
		status=1
		echo "fuzz: $name: FAILED (exit $rc) after ${execs:-?} executions; log $log"
		grep -E 'ERROR|check failed|runtime error|Test unit written' "$log" | head -5 |
			sed 's/^/  /'
	else
		echo "fuzz: $name: ${execs:-0} executions in $secs s" \
			"($(( secs > 0 ? ${execs:-0} / secs : 0 ))/s), corpus $corpus new inputs," \
			"no finding"
	fi
	total=$((total + ${execs:-0}))
done
if [ "$found" -eq 0 ]; then
	echo "fuzz: no harness in $build/tests/fuzz (build it with: ninja -C $build fuzzers)"
	exit 1
fi
verdict=$([ $status = 0 ] && echo 'no finding' || echo 'FINDINGS')
echo "fuzz: $found harnesses, $total executions, $verdict"
exit $status
