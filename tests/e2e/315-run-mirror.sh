#!/bin/bash
# 315-run-mirror: the service's syncs push to the mirrors like `hrdex sync`
# does: a pass of `hrdex run` that accepts a peer's new branch pushes it to a
# mirror with mirror.NAME.branches = all, and a pass with nothing new pushes
# nothing and still succeeds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a V=$T/agents/v
mkagent "$A" achpr
mkagent "$V" ohchr
trust "$V" "$A"
git config -f "$V/hrdex.conf" sync.jitter 0
serve
git init -q --bare "$T/all.git"
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
git config -f "$V/hrdex.conf" mirror.all.url "file://$T/all.git"
git config -f "$V/hrdex.conf" mirror.all.branches all
hpublish "$A" decision d1

note "a pass that accepts achpr pushes it to the mirror"
"$HRDEX" -C "$V" run --once 2>"$T/run1" || fail "run --once failed: $(cat "$T/run1")"
[ "$(tip "$V" achpr)" = "$(tip "$A" achpr)" ] || fail "achpr not accepted: $(cat "$T/run1")"
[ "$(git -C "$T/all.git" rev-parse -q --verify refs/heads/achpr)" = "$(tip "$V" achpr)" ] ||
	fail "the service synced achpr but did not push it to the mirror: $(cat "$T/run1")"
grep -q "pushed .* to mirror 'all'" "$T/run1" || fail "the push was not logged: $(cat "$T/run1")"

note "a newer tip goes the same way; a pass with nothing new pushes nothing"
hpublish "$A" decision d2
"$HRDEX" -C "$V" run --once 2>"$T/run2" || fail "second pass failed: $(cat "$T/run2")"
[ "$(git -C "$T/all.git" rev-parse refs/heads/achpr)" = "$(tip "$A" achpr)" ] ||
	fail "the mirror did not get achpr's new tip: $(cat "$T/run2")"
"$HRDEX" -C "$V" run --once 2>"$T/run3" || fail "third pass failed: $(cat "$T/run3")"
grep -q "mirror" "$T/run3" && fail "a pass with nothing new pushed: $(cat "$T/run3")"
echo ok
