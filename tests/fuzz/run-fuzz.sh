#!/bin/bash
# run-fuzz.sh BINDIR SECONDS TARGET... - fuzz each target in turn for SECONDS,
# starting from its committed corpus, then merge what was found back into
# tests/fuzz/corpus/TARGET/ minimised (-merge=1), ready to commit.  Crashes
# and broken invariants leave their input in build/fuzz/artifacts/ and fail
# the run (the others still run).
set -u
bindir=${1:?usage: run-fuzz.sh BINDIR SECONDS TARGET...}
seconds=${2:?usage: run-fuzz.sh BINDIR SECONDS TARGET...}
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
bindir=$(cd "$bindir" && pwd)
artifacts=$top/build/fuzz/artifacts
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
failed=()
mkdir -p "$artifacts"
for t in "$@"; do
	corpus=$top/tests/fuzz/corpus/$t
	work=$top/build/fuzz/work/$t
	merged=$top/build/fuzz/work/$t.merged
	log=$top/build/fuzz/work/$t.log
	rm -rf "$work" "$merged"
	mkdir -p "$corpus" "$work" "$merged"
	echo "fuzz $t for ${seconds}s (log: $log)"
	# New inputs go to the work folder (first folder given); the corpus is read.
	"$bindir/fuzz_$t" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
		-max_len=16384 -print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
		"$work" "$corpus" >"$log" 2>&1
	rc=$?
	grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::average_exec_per_sec)' "$log" |
		sed 's/^/  /'
	if [ "$rc" -ne 0 ]; then
		failed+=("$t")
		echo "  FAILED (exit $rc):"
		grep -E 'invariant broken|ERROR|SUMMARY|Test unit written' "$log" | head -n 5 | sed 's/^/    /'
	fi
	"$bindir/fuzz_$t" -merge=1 -timeout=25 -rss_limit_mb=2048 "$merged" "$corpus" "$work" \
		>"$log.merge" 2>&1 || { echo "  merge failed (see $log.merge)"; failed+=("$t-merge"); continue; }
	rm -rf "$corpus"
	mv "$merged" "$corpus"
	echo "  corpus: $(find "$corpus" -type f | wc -l) files"
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz failures: ${failed[*]} (inputs in $artifacts)"
	exit 1
fi
