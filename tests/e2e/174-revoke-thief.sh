#!/bin/bash
# 174-revoke-thief: after the registry's sanctioned reset of achpr (to G,
# continued by a new key), the thief's commits signed by the revoked key are
# refused from every peer, whatever their date, while iachr moves in the same
# sync: the abandoned commit served by a relay that accepted it before the
# revocation; a new commit on G signed by the stolen key dated 2019; a
# commit signed by the stolen key on top of the new key's first commit.
# Nothing the thief sends is shown; the new key's commits keep moving.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/revoke-lib.sh"

rv_network
good=$(tip "$A" achpr)
publish "$A" decision forged "Forged decision"
forged=$(tip "$A" achpr)
sync_agent "$V" 2>/dev/null || fail "sync failed"
expect_tip "$V" achpr "$forged" "the forged commit (validly signed)"
relay=$(hostile relay "$V") # a copy made before the revocation: achpr at the forged commit

ssh-keygen -q -t ed25519 -N '' -C achpr -f "$T/newkey"
rv_revoke "$good" "$T/newkey"
sync_agent "$V" registry 2>/dev/null || true
expect_tip "$V" achpr "$good" "the registry's revocation"

note "the thief, from three peers; iachr moves in the same sync"
h=$(hostile thief "$A")
doc achpr decision late >"$T/late.json"
late=$(GIT_COMMITTER_DATE=2019-03-01T12:00:00Z GIT_AUTHOR_DATE=2019-03-01T12:00:00Z \
	mkcommit "$h" "$good" "$A/keys/id_ed25519" "backdated" "achpr/decision/late.json=$T/late.json")
GIT_DIR=$h git update-ref refs/heads/achpr "$late"
"$HRDEX" -C "$V" peer add relay "file://$relay" >/dev/null
"$HRDEX" -C "$V" peer add thief "file://$h" >/dev/null
publish "$B" report r2
b2=$(tip "$B" iachr)
sync_agent "$V" --json 2>/dev/null || true
expect_tip "$V" iachr "$b2" "iachr did not move in the same sync"
expect_tip "$V" achpr "$good" "a commit by the revoked key was accepted"
expect_peer_rule a achpr "rejected signature"
expect_peer_rule relay achpr "rejected signature"
expect_peer_rule thief achpr "rejected signature"
jq -r '.peers[] | select(.name == "thief") | .branches[] | .reason' "$T/last-sync.out" | grep -q "reset of the branch to ${good:0:12}" ||
	fail "the reason does not name the reset: $(cat "$T/last-sync.out")"

note "the new key continues; a stolen-key commit on top of it is refused too"
h2=$(hostile a2 "$V")
doc achpr decision n1 >"$T/n1.json"
n1=$(mkcommit "$h2" "$good" "$T/newkey" "continue with the new key" "achpr/decision/n1.json=$T/n1.json")
GIT_DIR=$h2 git update-ref refs/heads/achpr "$n1"
"$HRDEX" -C "$V" peer add a2 "file://$h2" >/dev/null
sync_agent "$V" a2 2>/dev/null || fail "sync from a2 failed"
expect_tip "$V" achpr "$n1" "the new key's commit"
GIT_DIR=$h git fetch -q "$h2" "+refs/heads/achpr:refs/heads/achpr"
doc achpr decision late2 >"$T/late2.json"
late2=$(mkcommit "$h" "$n1" "$A/keys/id_ed25519" "on top" "achpr/decision/late2.json=$T/late2.json")
GIT_DIR=$h git update-ref refs/heads/achpr "$late2"
publish "$B" report r3
b3=$(tip "$B" iachr)
sync_agent "$V" --json 2>/dev/null || true
expect_tip "$V" iachr "$b3" "iachr did not move in the same sync"
expect_tip "$V" achpr "$n1" "a stolen-key commit on the new key's history was accepted"
expect_peer_rule thief achpr "rejected signature"
for f in forged late late2; do
	[ ! -e "$V/view/achpr/decision/$f.json" ] || fail "the thief's $f is in view/"
done
"$HRDEX" -C "$V" verify >/dev/null 2>"$T/err" || fail "verify fails: $(cat "$T/err")"
echo ok
