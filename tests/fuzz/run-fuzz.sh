#!/bin/bash
# run-fuzz.sh BINDIR SECONDS TARGET... - fuzz each target in turn for SECONDS,
# starting from its committed corpus, then merge what was found back into
# tests/fuzz/corpus/TARGET/ minimised (edge coverage alone, set cover by
# cover.awk, at most FUZZ_CORPUS_MAX=200 files, the ones covering most),
# ready to commit.
# Files named regress-* (inputs that found a fixed bug) and keep-* are always
# kept.  Crashes
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
max=${FUZZ_CORPUS_MAX:-200}
failed=()
mkdir -p "$artifacts"
for t in "$@"; do
	corpus=$top/tests/fuzz/corpus/$t
	work=$top/build/fuzz/work/$t
	merged=$top/build/fuzz/work/$t.merged
	log=$top/build/fuzz/work/$t.log
	ctl=$top/build/fuzz/work/$t.ctl
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
	# libFuzzer's merge only to learn each file's features (edges alone:
	# -use_counters=0); cover.awk then picks the fewest files that keep them,
	# at most $max.
	rm -rf "$ctl" "$merged.tmp"
	mkdir -p "$merged.tmp"
	if ! "$bindir/fuzz_$t" -merge=1 -use_counters=0 -merge_control_file="$ctl" -timeout=25 \
		-rss_limit_mb=2048 "$merged.tmp" "$corpus" "$work" >"$log.merge" 2>&1; then
		echo "  merge failed (see $log.merge)"
		failed+=("$t-merge")
		continue
	fi
	rm -rf "$merged.tmp"
	awk -f "$top/tests/fuzz/cover.awk" "$ctl" >"$ctl.cover"
	head -n "$max" "$ctl.cover" | cut -f1 | while IFS= read -r f; do
		case $f in */regress-* | */keep-*) continue ;; esac
		cp "$f" "$merged/$(sha1sum <"$f" | cut -d' ' -f1)"
	done
	echo "  features: $(awk -F'\t' '{ s += $2 } END { print s + 0 }' "$ctl.cover") in" \
		"$(wc -l <"$ctl.cover") files; kept $(head -n "$max" "$ctl.cover" |
		awk -F'\t' '{ s += $2 } END { print s + 0 }')"
	# Inputs that once found a bug (regress-*) or pin a case that matters
	# (keep-*) stay, under their own names, whatever their coverage.
	find "$corpus" -maxdepth 1 -type f \( -name 'regress-*' -o -name 'keep-*' \) \
		-exec cp {} "$merged/" \;
	rm -rf "$corpus"
	mv "$merged" "$corpus"
	echo "  corpus: $(find "$corpus" -type f | wc -l) files"
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz failures: ${failed[*]} (inputs in $artifacts)"
	exit 1
fi
