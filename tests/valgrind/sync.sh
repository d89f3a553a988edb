#!/bin/bash
# tests/valgrind/sync.sh - two agents under valgrind: init, publish (with an
# attachment, and a batch of 70 that goes through the pack writer), trust,
# sync over git daemon (the fetch runs in a forked child, checked too),
# withdraw, sync again, query, reindex, verify, an outbox pass with one
# valid and one invalid file.  Zero memcheck errors and zero definite leaks,
# or it fails and prints the valgrind reports.  Run by `make valgrind`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export HRDEX_VG_BIN=${HRDEX:-$here/../../build/default/hrdex}
export HRDEX_BUILD=${HRDEX_BUILD:-$(dirname "$HRDEX_VG_BIN")}
export HRDEX=$here/hrdex
. "$here/../e2e/lib.sh"
. "$here/../e2e/sync-lib.sh"
export HRDEX_VG_LOGS=$T/vg
mkdir -p "$HRDEX_VG_LOGS"

report() {
	local f bad=0
	for f in "$HRDEX_VG_LOGS"/vg.*.log; do
		[ -s "$f" ] || continue
		bad=1
		echo "== $f" >&2
		head -n 60 "$f" >&2
	done
	return $bad
}
run() { "$@" >/dev/null 2>"$T/err" || { cat "$T/err" >&2; report || true; fail "exit $?: $*"; }; }

A=$T/agents/a B=$T/agents/b
note "init, publish"
mkagent "$A" achpr 2>/dev/null
mkagent "$B" iachr 2>/dev/null
printf 'annex\n' >"$T/annex.txt"
hpublish "$A" decision res-1 "$T/annex.txt"
mkdir "$T/many"
for i in $(seq 1 70); do doc achpr report "r-$i" >"$T/many/r-$i.json"; done
run "$HRDEX" -C "$A" publish "$T/many"
trust "$B" "$A" 2>/dev/null
serve
run "$HRDEX" -C "$B" peer add a "$(url_of "$A")"
note "sync"
run "$HRDEX" -C "$B" sync
expect_tip "$B" achpr "$(tip "$A" achpr)" "B took A's branch"
note "withdraw, sync again"
run "$HRDEX" -C "$A" withdraw achpr/report/r-7
run "$HRDEX" -C "$B" sync --json
expect_tip "$B" achpr "$(tip "$A" achpr)" "B took the withdrawal"
note "query, reindex, verify"
run "$HRDEX" -C "$B" query --text Document --format refs
run "$HRDEX" -C "$B" reindex
if "$HRDEX_VG_BIN" verify --help >/dev/null 2>&1; then run "$HRDEX" -C "$B" verify; fi
if "$HRDEX_VG_BIN" run --help >/dev/null 2>&1; then
	note "an outbox pass"
	git config -f "$B/hrdex.conf" outbox.settle 0
	mkdir -p "$B/outbox"
	doc iachr note ob-1 >"$B/outbox/ob-1.json"
	doc iachr note ob-2 | sed 's/2016-05-04/2016-02-30/' >"$B/outbox/ob-2.json"
	run "$HRDEX" -C "$B" run --once
	[ -f "$B/outbox/done/ob-1.json" ] && [ -f "$B/outbox/rejected/ob-2.json" ] || fail "outbox pass"
fi
report || fail "valgrind found errors or definite leaks"
echo "valgrind: $(ls "$HRDEX_VG_LOGS" | wc -l) hrdex processes (fetch children included): no errors, no definite leaks"
