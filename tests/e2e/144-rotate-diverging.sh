#!/bin/bash
# 144-rotate-diverging: two rotations on diverging commits.  achpr rotates
# with `hrdex key rotate` (key 2, X) and publishes with the new key; whoever
# holds key 1 too makes another rotation on the same parent (key 2', Y), and
# a commit signed by key 2'.  V took X first: Y is not a fast-forward of
# it, refused as such, while iachr moves in the same sync.  R, a fresh
# peer offered both in one sync, sees a forked log and takes neither; once
# only X is offered, R takes it.  Stock git verify-commit passes on all
# that V and R accepted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/rotate-lib.sh"

A=$T/agents/a B=$T/agents/b V=$T/agents/v R=$T/agents/r H=$T/agents/h
mkagent "$A" achpr
mkagent "$B" iachr
mkagent "$V" ohchr
mkagent "$R" coe
trust "$V" "$A" "$B"
trust "$R" "$A" "$B"
serve
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
"$HRDEX" -C "$V" peer add b "$(url_of "$B")"
hpublish "$A" decision d1
base=$(tip "$A" achpr)
publish "$B" report r1
mkdir -p "$H"
hgd=$(hostile h "$A")

note "X: achpr rotates and publishes with key 2"
"$HRDEX" -C "$A" key rotate >/dev/null 2>&1 || fail "key rotate failed"
hpublish "$A" decision d2
x=$(tip "$A" achpr)
sync_agent "$V" 2>/dev/null || fail "V's sync failed"
expect_tip "$V" achpr "$x" "V did not take X"

note "Y: another rotation on the same parent, signed by key 1, then a commit signed by key 2'"
newkey other
keydoc achpr 2 "$T/other.pub" "$A/keys/retired/id_ed25519.1.pub" >"$T/k2.json"
yrot=$(mkcommit "$hgd" "$base" "$A/keys/retired/id_ed25519.1" "key rotate" "achpr/key/2.json=$T/k2.json")
doc achpr decision dy >"$T/dy.json"
y=$(mkcommit "$hgd" "$yrot" "$T/other" "publish" "achpr/decision/dy.json=$T/dy.json")
GIT_DIR=$hgd git update-ref refs/heads/achpr "$y"
"$HRDEX" -C "$V" peer add h "$(url_of "$H")"
publish "$B" report r2
b2=$(tip "$B" iachr)
sync_agent "$V" --json 2>/dev/null || true
expect_tip "$V" achpr "$x" "the diverging rotation Y replaced X"
expect_tip "$V" iachr "$b2" "the honest branch did not move in the same sync"
expect_peer_rule h achpr "rejected fast-forward"

note "a fresh peer offered X and Y in one sync takes neither"
"$HRDEX" -C "$R" peer add a "$(url_of "$A")"
"$HRDEX" -C "$R" peer add h "$(url_of "$H")"
"$HRDEX" -C "$R" peer add b "$(url_of "$B")"
sync_agent "$R" --json 2>/dev/null || true
expect_tip "$R" achpr none "a forked key history was accepted"
expect_tip "$R" iachr "$b2" "R: the honest branch did not move in the same sync"
jq -r '.peers[] | .branches[] | select(.publisher == "achpr") | .rule' "$T/last-sync.out" | grep -q fork ||
	fail "R does not call it a fork: $(cat "$T/last-sync.out")"
"$HRDEX" -C "$R" peer remove h >/dev/null
sync_agent "$R" 2>/dev/null || fail "R's sync without h failed"
expect_tip "$R" achpr "$x" "R did not take X once it alone was offered"

for d in "$V" "$R"; do
	verify_stock "$d" achpr iachr
	"$HRDEX" -C "$d" verify >/dev/null 2>&1 || fail "hrdex verify fails on $(basename "$d")"
done
echo "ok"
