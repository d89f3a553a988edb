#!/bin/bash
# verify re-checks branches from their first commit, main, and the cache; it
# names each problem and exits 1, and 0 once repaired.
. "$(dirname "$0")/lib.sh"
S="$T/s"
"$HRDEX" -C "$S" init --publisher ohchr >/dev/null 2>&1
"$HRDEX" -C "$S" publish "$top"/schemas/examples/ohchr-*.json >/dev/null
jq '.id = "second"' "$top/schemas/examples/ohchr-report-a-hrc-32-20.json" >"$T/second.json"
"$HRDEX" -C "$S" publish "$T/second.json" >/dev/null

note "a healthy state verifies"
"$HRDEX" -C "$S" verify >"$T/out" 2>"$T/err" || fail "verify failed: $(cat "$T/out" "$T/err")"
grep -q "'ohchr': 2 commits checked" "$T/err" || fail "commits not counted: $(cat "$T/err")"
"$HRDEX" -C "$S" verify --json | jq -e '.ok == true and .branches.ohchr == 2' >/dev/null || fail "json"

note "a cache row gone is named"
sqlite3 "$S/cache.db" "DELETE FROM documents WHERE ref = 'ohchr/report/second'"
expect_exit 1 "$HRDEX" -C "$S" verify >"$T/out" 2>/dev/null
grep -q "ohchr/report/second" "$T/out" || fail "missing row not named: $(cat "$T/out")"
"$HRDEX" -C "$S" reindex >/dev/null 2>&1
"$HRDEX" -C "$S" verify >/dev/null 2>&1 || fail "reindex did not repair the cache"

note "an unsigned commit on a branch is named"
git="git --git-dir $S/repo.git"
tip=$($git rev-parse refs/heads/ohchr)
bad=$(echo "unsigned" | $git commit-tree -p "$tip" "$tip^{tree}")
$git update-ref refs/heads/ohchr "$bad" "$tip"
expect_exit 1 "$HRDEX" -C "$S" verify >"$T/out" 2>/dev/null
grep -q "^branch ohchr: signature: .*unsigned" "$T/out" || fail "unsigned commit not named: $(cat "$T/out")"
$git update-ref refs/heads/ohchr "$tip" "$bad"

note "main out of step with a branch is named"
m=$($git rev-parse refs/heads/main)
$git update-ref refs/heads/main "$m~1"
expect_exit 1 "$HRDEX" -C "$S" verify >"$T/out" 2>/dev/null
grep -q "^main ohchr: " "$T/out" || fail "stale main not named: $(cat "$T/out")"
$git update-ref refs/heads/main "$m"
"$HRDEX" -C "$S" verify >/dev/null 2>&1 || fail "not healthy again"
echo "verify: ok"
