#!/bin/bash
# 173-reset-restore: the rollback rule still holds across a sanctioned
# reset.  V accepted a thief's commit F on achpr (stolen key), then reset
# achpr to G with a new key (the one reset there is: `trust reset`, as the
# registry's revocation does), and accepted N1 signed by the new key.  Then
# V's repo.git is restored from a backup taken BEFORE the reset (achpr at
# F, no abandoned ref).  In one sync: the thief serves F plus a commit
# signed by the stolen key, and an old peer serves G: both refused; iachr's
# honest branch moves; and the honest peer serving N1 brings achpr back to
# N1 (the newest tip the ledger recorded), with F out of view/ again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

two_publishers
publish "$A" decision d1
good=$(tip "$A" achpr)
publish "$B" report r1
publish "$A" decision forged "Forged decision"
forged=$(tip "$A" achpr)
sync_agent "$V" 2>/dev/null || fail "first sync failed"
expect_tip "$V" achpr "$forged" "first sync"
cp -a "$V/repo.git" "$T/backup.git"

note "the reset, and achpr's new agent continues with the new key"
ssh-keygen -q -t ed25519 -N '' -C achpr -f "$T/newkey"
"$HRDEX" -C "$V" trust reset achpr "$good" "achpr namespaces=\"git\" $(cat "$T/newkey.pub")" --yes-reset-branch \
	2>/dev/null || fail "trust reset failed"
expect_tip "$V" achpr "$good" "the reset"
h2=$(hostile a2 "$V")
doc achpr decision n1 >"$T/n1.json"
n1=$(mkcommit "$h2" "$good" "$T/newkey" "continue with the new key" "achpr/decision/n1.json=$T/n1.json")
GIT_DIR=$h2 git update-ref refs/heads/achpr "$n1"
"$HRDEX" -C "$V" peer remove a >/dev/null
"$HRDEX" -C "$V" peer add a2 "$(url_of "$T/agents/a2")"
sync_agent "$V" a2 2>/dev/null || fail "sync from a2 failed"
expect_tip "$V" achpr "$n1" "the new key's commit"

note "repo.git is restored from the backup taken before the reset"
rm -rf "$V/repo.git"
cp -a "$T/backup.git" "$V/repo.git"
expect_tip "$V" achpr "$forged" "the restore"
h=$(hostile thief "$A")
doc achpr decision late >"$T/late.json"
late=$(mkcommit "$h" "$forged" "$A/keys/id_ed25519" "more from the thief" "achpr/decision/late.json=$T/late.json")
GIT_DIR=$h git update-ref refs/heads/achpr "$late"
h3=$(hostile old "$A")
GIT_DIR=$h3 git update-ref refs/heads/achpr "$good"
"$HRDEX" -C "$V" peer add thief "$(url_of "$T/agents/thief")"
"$HRDEX" -C "$V" peer add old "$(url_of "$T/agents/old")"
publish "$B" report r2
b2=$(tip "$B" iachr)
sync_agent "$V" b thief old --json 2>/dev/null || true
expect_tip "$V" iachr "$b2" "the honest branch did not move in the same sync"
[ "$(tip "$V" achpr)" = "$late" ] && fail "the thief's commit after the restore was accepted"
expect_peer_rule thief achpr "rejected rollback"
[ "$(tip "$V" achpr)" = "$good" ] && fail "the old peer moved achpr back"

note "the honest peer's N1: achpr back at the newest tip the ledger recorded"
sync_agent "$V" a2 b --json 2>/dev/null || true
expect_tip "$V" achpr "$n1" "N1 (the newest accepted tip) after the restore"
[ ! -e "$V/view/achpr/decision/forged.json" ] || fail "the forged decision is back in view/"
[ -f "$V/view/achpr/decision/n1.json" ] || fail "n1 is not in view/"
"$HRDEX" -C "$V" verify >/dev/null 2>"$T/err" || fail "verify fails: $(cat "$T/err")"
echo ok
