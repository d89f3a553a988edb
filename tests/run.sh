#!/bin/bash
# run.sh BUILD [unit|e2e|fuzz] - run the unit tests (cmocka), the end-to-end
# scenarios and the fuzz corpora, then print "N passed, N failed, N skipped"
# and exit non-zero on any failure.  A unit case counts once; an e2e script
# counts once, and so does each fuzz target run over its corpus
# (tests/fuzz/run-regression.sh); exit 77 means skipped, with the reason on
# its last line.  A failed test's log tail (and for the crash harness its seed
# and every VIOLATION line) is printed here too: CI keeps only this output.
set -u
build=${1:?usage: tests/run.sh BUILD [unit|e2e|fuzz]}
only=${2:-all}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$top" && cd "$build" && pwd)
export HRDEX="$build/hrdex" HRDEX_TOP="$top" HRDEX_BUILD="$build"
# Known leaks inside Debian's libraries (see the files) must not fail a run.
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
logdir="$build/test-logs"
mkdir -p "$logdir"
passed=0 failed=0 skipped=0
failures=()

# show_log LOG : what a failed test said, into this run's own output (CI
# keeps nothing else): the crash harness's seed and every VIOLATION line
# (they may be far from the end), then the last 30 lines.
show_log() {
	local log=$1
	if grep -qE '^crash: seed [0-9]+ |VIOLATION' "$log"; then
		echo "     -- seed and violations:"
		grep -E '^crash: seed [0-9]+ \(|VIOLATION' "$log" | head -n 200 | cut -c1-600 | sed 's/^/     /'
	fi
	echo "     -- last 30 lines of $log:"
	tail -n 30 "$log" | cut -c1-600 | sed 's/^/     /'
}

run_unit() {
	local bin name log out p f
	for bin in "$build"/tests/test_*; do
		[ -x "$bin" ] || continue
		case "$bin" in *.d) continue ;; esac
		name=$(basename "$bin")
		log="$logdir/$name.log"
		if [ "${HRDEX_VALGRIND:-}" = 1 ]; then
			(cd "$top" && valgrind -q --error-exitcode=99 --leak-check=full \
				--suppressions="$top/tests/valgrind.supp" \
				--errors-for-leak-kinds=definite "$bin") >"$log" 2>&1
		else
			(cd "$top" && "$bin") >"$log" 2>&1
		fi
		rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n1)
		p=${p:-0} f=${f:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1 # crashed, leaked or reported nothing
		fi
		passed=$((passed + p))
		failed=$((failed + f))
		if [ "$f" -ne 0 ]; then
			failures+=("unit/$name (see $log)")
			echo "FAIL unit $name ($p passed, $f failed)"
			grep -E '^\[  (FAILED|ERROR) +\]|error|ERROR|Assert|assert' "$log" | head -n 20 | sed 's/^/     /'
			show_log "$log"
		else
			echo "ok   unit $name ($p)"
		fi
	done
}

run_e2e() {
	local t name log rc start
	for t in "$top"/tests/e2e/[0-9]*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		log="$logdir/e2e-$name.log"
		start=$SECONDS
		timeout -k 10 600 bash "$t" >"$log" 2>&1 </dev/null
		rc=$?
		if [ "$rc" -eq 0 ]; then
			passed=$((passed + 1))
			echo "ok   e2e  $name ($((SECONDS - start))s)"
		elif [ "$rc" -eq 77 ]; then
			skipped=$((skipped + 1))
			echo "skip e2e  $name: $(tail -n1 "$log")"
		else
			failed=$((failed + 1))
			failures+=("e2e/$name (see $log)")
			if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
				echo "FAIL e2e  $name (exit $rc: timed out after 600 s)"
			else
				echo "FAIL e2e  $name (exit $rc)"
			fi
			show_log "$log"
		fi
	done
}

run_fuzz() {
	local c name log rc
	for c in "$top"/tests/fuzz/corpus/*/; do
		[ -d "$c" ] || continue
		name=$(basename "$c")
		log="$logdir/fuzz-$name.log"
		"$top/tests/fuzz/run-regression.sh" "$name" >"$log" 2>&1 </dev/null
		rc=$?
		if [ "$rc" -eq 0 ]; then
			passed=$((passed + 1))
			echo "ok   fuzz $name ($(find "$c" -type f | wc -l) inputs)"
		elif [ "$rc" -eq 77 ]; then
			skipped=$((skipped + 1))
			echo "skip fuzz $name: $(tail -n1 "$log")"
		else
			failed=$((failed + 1))
			failures+=("fuzz/$name (see $log)")
			echo "FAIL fuzz $name (exit $rc)"
			grep -E 'invariant broken|ERROR|SUMMARY|Test unit written|missing' "$log" |
				head -n 10 | sed 's/^/     /'
			show_log "$log"
		fi
	done
}

# The layer rule (docs/ARCHITECTURE.md): a file includes only from its own
# layer or a lower one.  Counts as one test.
run_layers() {
	local log="$logdir/layers.log"
	if "$top/tests/layers.sh" "$top" >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "ok   layers"
	else
		failed=$((failed + 1))
		failures+=("layers (see $log)")
		echo "FAIL layers"
		tail -n 30 "$log" | sed 's/^/     /'
	fi
}

case "$only" in
unit) run_layers; run_unit ;;
e2e) run_e2e ;;
fuzz) run_fuzz ;;
*) run_layers; run_unit; run_e2e; run_fuzz ;;
esac

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
