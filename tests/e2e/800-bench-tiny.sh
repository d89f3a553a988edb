#!/bin/bash
# The benchmark at N = 200, one rep, so that its code cannot rot: every
# scenario runs, results.json is well formed and every answer comparison
# passed.  Times are never asserted.  Also: the corpus is the same bytes for
# the same seed, and another seed gives another corpus.
. "$(dirname "$0")/lib.sh"
CORPUS=${CORPUS:-$(dirname "$HRDEX")/bench/corpus}
[ -x "$CORPUS" ] || fail "no $CORPUS: run make first (make check builds it)"

note "the corpus is deterministic"
"$CORPUS" -n 60 -s 7 -o "$T/a" >"$T/a.meta"
"$CORPUS" -n 60 -s 7 -o "$T/b" >"$T/b.meta"
"$CORPUS" -n 60 -s 8 -o "$T/c" >/dev/null
diff -r "$T/a" "$T/b" >/dev/null || fail "seed 7 twice gave different files"
cmp -s "$T/a.meta" "$T/b.meta" || fail "seed 7 twice gave different facts"
diff -r -q "$T/a" "$T/c" >/dev/null && fail "seeds 7 and 8 gave the same corpus"
"$CORPUS" -n 61 -s 7 -o "$T/d" >/dev/null
diff -r -q "$T/a" "$T/d" >"$T/diff" || true
grep -v '^Only in' "$T/diff" && fail "document i depends on N"
"$CORPUS" -f 60 -n 1 -s 7 -o "$T/e" >/dev/null
diff -r -q "$T/d" "$T/e" >"$T/diff" || true
grep '^Files' "$T/diff" && fail "document 60 alone differs from document 60 of 61"

note "the benchmark at N = 200"
TMPDIR="$T" CORPUS="$CORPUS" \
	"$top/tests/bench/bench.sh" -n 200 -r 1 -o "$T/results.json" >"$T/table" 2>"$T/log" ||
	fail "bench.sh failed: $(tail -n 5 "$T/log")"
cat "$T/table"
jq -e . "$T/results.json" >/dev/null || fail "results.json is not JSON"
jq -e '.n == 200 and .reps == 1 and (.scenarios | length) == 9 and .ok' "$T/results.json" >/dev/null ||
	fail "results.json: $(jq -c '{n, reps, ok, checks}' "$T/results.json")"
for s in publish query-filter query-text query-backrefs; do
	jq -e --arg s "$s" '.scenarios[] | select(.name == $s) | .hrdex.median_ms > 0 and .ratio > 0' \
		"$T/results.json" >/dev/null || fail "scenario $s has no numbers"
done
for c in validate-sample publish-same-tree query-filter-answers query-text-answers query-backrefs-answers; do
	jq -e --arg c "$c" 'any(.checks[]; .name == $c and .ok)' "$T/results.json" >/dev/null || fail "check $c"
done
if "$HRDEX" sync --help >/dev/null 2>&1; then
	for c in sync-initial-tips sync-initial-cache sync-initial-view sync-incremental sync-nochange-main; do
		jq -e --arg c "$c" 'any(.checks[]; .name == $c and .ok)' "$T/results.json" >/dev/null || fail "check $c"
	done
	jq -e '[.scenarios[] | select(.skipped)] | length == 0' "$T/results.json" >/dev/null ||
		fail "a scenario was skipped though sync exists"
else
	note "no sync command yet: the sync scenarios were skipped"
fi
compgen -G "$T/hrdex-bench.*" >/dev/null && fail "bench.sh left its folder behind"
echo "bench tiny: ok"
