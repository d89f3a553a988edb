#!/bin/bash
# 121-rollback: the agent records the newest tip it accepted per publisher
# in STATE/tips.json, outside repo.git.  After repo.git is restored from an
# old backup, a peer that serves an older tip of achpr (a fast-forward from
# the restored branch, but older than what the agent had accepted) is
# refused with rule "rollback", while iachr's honest branch moves in the same
# sync; the next offer of the newest tip is accepted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

two_publishers
publish "$A" decision d1
publish "$B" report r1
sync_agent "$V" 2>/dev/null || fail "first sync failed"
t1=$(tip "$A" achpr)
expect_tip "$V" achpr "$t1" "first sync"
cp -a "$V/repo.git" "$T/backup.git"

publish "$A" decision d2
t2=$(tip "$A" achpr)
publish "$A" decision d3
t3=$(tip "$A" achpr)
sync_agent "$V" 2>/dev/null || fail "second sync failed"
expect_tip "$V" achpr "$t3" "second sync"
[ -f "$V/tips.json" ] || fail "no STATE/tips.json"
[ "$(jq -r .publishers.achpr.tip "$V/tips.json")" = "$t3" ] || fail "tips.json does not record achpr at $t3: $(cat "$V/tips.json")"

note "repo.git is restored from the backup; a peer serves achpr at an older tip"
rm -rf "$V/repo.git"
cp -a "$T/backup.git" "$V/repo.git"
expect_tip "$V" achpr "$t1" "the restore"
h=$(hostile old "$A")
GIT_DIR=$h git update-ref refs/heads/achpr "$t2"
"$HRDEX" -C "$V" peer remove a
"$HRDEX" -C "$V" peer add old "$(url_of "$T/agents/old")"
publish "$B" report r2
b2=$(tip "$B" iachr)
sync_agent "$V" --json 2>/dev/null || true
expect_tip "$V" achpr "$t1" "an older tip than the newest accepted one was accepted after the restore"
expect_tip "$V" iachr "$b2" "the honest branch did not move in the same sync"
expect_peer_rule old achpr "rejected rollback"
jq -r '.peers[] | select(.name == "old") | .branches[] | .reason' "$T/last-sync.out" | grep -q "newest 'achpr' this agent accepted" ||
	fail "the reason is not clear: $(cat "$T/last-sync.out")"
"$HRDEX" -C "$V" status --json >"$T/status.json" || true
jq -e '.rejections[] | select(.rule == "rollback")' "$T/status.json" >/dev/null || fail "status does not show the rollback: $(cat "$T/status.json")"

"$HRDEX" -C "$V" verify >"$T/verify.out" 2>&1 && fail "verify passes on a branch behind the newest accepted tip"
grep -q "newest 'achpr' this agent accepted" "$T/verify.out" || fail "verify does not say why: $(cat "$T/verify.out")"

note "the next offer of the newest tip is accepted"
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
sync_agent "$V" a 2>/dev/null || fail "sync from a failed"
expect_tip "$V" achpr "$t3" "the newest tip was refused"
"$HRDEX" -C "$V" verify >/dev/null 2>&1 || fail "verify fails"
echo "ok"
