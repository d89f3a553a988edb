#!/bin/bash
# 143-rotate-key-of-another: achpr publishes a rotation (achpr/key/2.json,
# signed by its current key) naming iachr's key: refused (one key speaks
# for one publisher), while iachr's honest branch moves in the same sync.
# Then iachr rotates with `hrdex key rotate` (V follows), and achpr
# publishes a rotation naming iachr's NEW key (one no allowed_signers line
# of a first key gives): refused the same way; and one naming achpr's own
# earlier key: refused (a rotation names a new key).  A rotation to a fresh
# key is then accepted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/rotate-lib.sh"

two_publishers
hpublish "$A" decision d1
good=$(tip "$A" achpr)
publish "$B" report r1
sync_agent "$V" 2>/dev/null || fail "first sync failed"

attempt() { # WHAT KEYPUB REASON
	local bad b
	keydoc achpr 2 "$2" "$A/keys/id_ed25519.pub" >"$T/k2.json"
	bad=$(commit_files "$A" "key rotate" "achpr/key/2.json=$T/k2.json")
	publish "$B" report "r$RANDOM"
	b=$(tip "$B" iachr)
	sync_agent "$V" --json 2>/dev/null || true
	expect_tip "$V" achpr "$good" "a rotation naming $1 was accepted"
	expect_tip "$V" iachr "$b" "the honest branch did not move in the same sync"
	expect_peer_rule a achpr "rejected rotation"
	expect_reason a achpr "$3"
	g "$A" update-ref refs/heads/achpr "$good" "$bad"
}

note "a rotation naming iachr's key"
cp "$B/keys/id_ed25519.pub" "$T/iachr1.pub"
attempt "iachr's key" "$T/iachr1.pub" "names a key that publisher 'iachr' uses"

note "iachr rotates; a rotation of achpr naming iachr's new key"
"$HRDEX" -C "$B" key rotate >/dev/null 2>&1 || fail "iachr's key rotate failed"
sync_agent "$V" 2>/dev/null || fail "V did not follow iachr's rotation"
expect_tip "$V" iachr "$(tip "$B" iachr)" "V did not follow iachr's rotation"
attempt "iachr's new key" "$B/keys/id_ed25519.pub" "names a key that publisher 'iachr' uses"

note "a rotation naming achpr's own key"
attempt "its own key" "$A/keys/id_ed25519.pub" "names a key this branch used before"

note "a rotation to a fresh key is accepted"
newkey fresh
keydoc achpr 2 "$T/fresh.pub" "$A/keys/id_ed25519.pub" >"$T/k2.json"
ok=$(commit_files "$A" "key rotate" "achpr/key/2.json=$T/k2.json")
sync_agent "$V" 2>/dev/null || fail "V's last sync failed"
expect_tip "$V" achpr "$ok" "a rotation to a fresh key"
grep -q "^achpr namespaces=\"git\" $(cut -d' ' -f1,2 "$T/fresh.pub")" "$V/allowed_signers" || fail "V does not list the fresh key"
verify_stock "$V" achpr iachr
echo "ok"
