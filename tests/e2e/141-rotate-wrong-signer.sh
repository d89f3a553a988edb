#!/bin/bash
# 141-rotate-wrong-signer: after achpr rotated from key 1 to key 2 (accepted
# by V, whose allowed_signers then lists both keys for stock git), whoever
# still holds the retired key 1 publishes a second rotation (achpr/key/3.json,
# naming a key of its own) on today's tip, signed by key 1: refused (the key
# valid there is key 2, whatever allowed_signers grants), while iachr's
# honest branch moves in the same sync.  A first rotation signed by a key
# that is not achpr's current one (a key the operator also trusts for
# achpr, left from an earlier hand-made change) is refused the same way on
# a peer that never saw the branch.  achpr's honest next commit, signed by
# key 2, is then accepted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/rotate-lib.sh"

two_publishers
hpublish "$A" decision d1
publish "$B" report r1
"$HRDEX" -C "$A" key rotate >/dev/null 2>&1 || fail "key rotate failed"
hpublish "$A" decision d2
good=$(tip "$A" achpr)
sync_agent "$V" 2>/dev/null || fail "first sync failed"
expect_tip "$V" achpr "$good" "V did not follow the rotation"

note "the retired key 1 signs a second rotation on today's tip"
newkey thief
keydoc achpr 3 "$T/thief.pub" "$A/keys/retired/id_ed25519.1.pub" >"$T/k3.json"
bad=$(KEY=$A/keys/retired/id_ed25519.1 commit_files "$A" "key rotate" "achpr/key/3.json=$T/k3.json")
publish "$B" report r2
b2=$(tip "$B" iachr)
sync_agent "$V" --json 2>/dev/null || true
expect_tip "$V" achpr "$good" "a rotation signed by the retired key was accepted"
expect_tip "$V" iachr "$b2" "the honest branch did not move in the same sync"
expect_peer_rule a achpr "rejected signature"
expect_reason a achpr "not valid at this point of the branch"
"$HRDEX" -C "$V" query --publisher achpr --format refs | grep -q key/3 && fail "the forged key document is in the cache"
grep -q "$(cut -d' ' -f2 "$T/thief.pub")" "$V/allowed_signers" && fail "V trusts the thief's key"

note "a rotation signed by the current key 2 that says it replaces key 1"
g "$A" update-ref refs/heads/achpr "$good" "$bad"
keydoc achpr 3 "$T/thief.pub" "$A/keys/retired/id_ed25519.1.pub" >"$T/k3b.json"
bad2=$(commit_files "$A" "key rotate" "achpr/key/3.json=$T/k3b.json")
sync_agent "$V" --json 2>/dev/null || true
expect_tip "$V" achpr "$good" "a rotation naming another key as the one it replaces was accepted"
expect_peer_rule a achpr "rejected rotation"
expect_reason a achpr "but the key that signs here is"
g "$A" update-ref refs/heads/achpr "$good" "$bad2"

note "achpr's honest next commit, signed by key 2, is accepted"
hpublish "$A" decision d3
d3=$(tip "$A" achpr)
sync_agent "$V" 2>/dev/null || fail "V's last sync failed"
expect_tip "$V" achpr "$d3" "the honest commit after the refused rotation"
verify_stock "$V" achpr iachr
"$HRDEX" -C "$V" verify >/dev/null 2>&1 || fail "hrdex verify fails on V"
echo "ok"
