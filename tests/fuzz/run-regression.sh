#!/bin/bash
# run-regression.sh TARGET - run the libFuzzer target build/fuzz/bin/fuzz_TARGET
# once over each input of its committed corpus, tests/fuzz/corpus/TARGET/,
# as a regression test (tests/run.sh counts each target as one test).
# Exit 0: every input passed; 77: skipped (no clang, reason on the last
# line); anything else: an input crashed or broke an invariant (the input
# is saved under build/fuzz/artifacts/).
set -u
target=${1:?usage: run-regression.sh TARGET}
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/build/fuzz/bin/fuzz_$target
corpus=$top/tests/fuzz/corpus/$target
artifacts=$top/build/fuzz/artifacts
if [ "$target" = tree ] && [ ! -f "$top/agent/store/accept.h" ]; then
	echo "agent/store/accept.c (tree acceptance) is not on this branch yet"
	exit 77
fi
if [ ! -x "$bin" ]; then
	if ! command -v "${FUZZ_CC:-clang}" >/dev/null; then
		echo "no clang to build fuzz targets with (Debian: clang, libclang-rt-14-dev)"
		exit 77
	fi
	echo "$bin is missing: run 'make fuzz-build'"
	exit 1
fi
[ -d "$corpus" ] || { echo "no corpus at $corpus"; exit 1; }
mkdir -p "$artifacts"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# -runs=0: execute the corpus once, no mutations; nothing is written to it.
exec timeout -k 10 300 "$bin" -runs=0 -timeout=25 -rss_limit_mb=2048 \
	-artifact_prefix="$artifacts/$target-" "$corpus"
