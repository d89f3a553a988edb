#!/bin/bash
# 142-rotate-old-key: achpr rotated from key 1 to key 2 and V followed; V's
# allowed_signers still lists key 1 (so that stock git verify-commit passes
# on the commits it signed).  Whoever holds the retired key 1 appends a
# commit on today's tip, dated before the rotation (2019), then one dated
# now, then one dated in 2030: each refused (validity is by position in the
# branch, never by the date a commit names), while iachr's honest branch
# moves in the same sync.  A commit signed by key 2 placed BEFORE the
# rotation (on a copy of the branch a fresh peer has never seen) is refused
# too.  Stock git verify-commit passes on all V accepted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/rotate-lib.sh"

A=$T/agents/a B=$T/agents/b V=$T/agents/v W=$T/agents/w
mkagent "$A" achpr
mkagent "$B" iachr
mkagent "$V" ohchr
mkagent "$W" coe
trust "$V" "$A" "$B"
trust "$W" "$A" "$B"
serve
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
"$HRDEX" -C "$V" peer add b "$(url_of "$B")"
hpublish "$A" decision d1
first=$(tip "$A" achpr)
publish "$B" report r1
"$HRDEX" -C "$A" key rotate >/dev/null 2>&1 || fail "key rotate failed"
rot=$(tip "$A" achpr)
hpublish "$A" decision d2
good=$(tip "$A" achpr)
sync_agent "$V" 2>/dev/null || fail "first sync failed"
expect_tip "$V" achpr "$good" "V did not follow the rotation"
grep -q "^achpr namespaces=\"git\" $(cut -d' ' -f1,2 "$A/keys/retired/id_ed25519.1.pub")" "$V/allowed_signers" ||
	fail "V's allowed_signers no longer lists key 1"

n=0
for when in 2019-03-01T12:00:00Z now 2030-01-01T00:00:00Z; do
	n=$((n + 1))
	note "the retired key 1 signs a commit after the rotation, dated $when"
	[ "$when" = now ] && when=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	doc achpr decision "late$n" >"$T/late.json"
	late=$(GIT_COMMITTER_DATE="$when" GIT_AUTHOR_DATE="$when" KEY=$A/keys/retired/id_ed25519.1 \
		commit_files "$A" "backdated" "achpr/decision/late$n.json=$T/late.json")
	publish "$B" report "r$((n + 1))"
	b=$(tip "$B" iachr)
	sync_agent "$V" --json 2>/dev/null || true
	expect_tip "$V" achpr "$good" "a commit after the rotation signed by the old key, dated $when, was accepted"
	expect_tip "$V" iachr "$b" "the honest branch did not move in the same sync"
	expect_peer_rule a achpr "rejected signature"
	expect_reason a achpr "only key 2"
	"$HRDEX" -C "$V" query --publisher achpr --format refs | grep -q "late$n" && fail "late$n is in the cache"
	g "$A" update-ref refs/heads/achpr "$good" "$late"
done

note "a commit signed by key 2 before the rotation, offered to a peer that never saw the branch"
H=$T/agents/h
mkdir -p "$H"
hgd=$(hostile h "$A")
doc achpr decision early >"$T/early.json"
early=$(mkcommit "$hgd" "$first" "$A/keys/id_ed25519" "early" "achpr/decision/early.json=$T/early.json")
k2doc=$T/k2.json
g "$A" show "$rot:achpr/key/2.json" >"$k2doc"
after=$(mkcommit "$hgd" "$early" "$A/keys/retired/id_ed25519.1" "key rotate" "achpr/key/2.json=$k2doc")
GIT_DIR=$hgd git update-ref refs/heads/achpr "$after"
# W trusts key 2 too (say its operator added the rotation lines by hand)
printf 'achpr namespaces="git" %s\n' "$(cut -d' ' -f1,2 "$A/keys/id_ed25519.pub")" >>"$W/allowed_signers"
"$HRDEX" -C "$W" peer add h "$(url_of "$H")"
"$HRDEX" -C "$W" peer add b "$(url_of "$B")"
sync_agent "$W" --json 2>/dev/null || true
expect_tip "$W" achpr none "a commit signed by key 2 before the rotation that makes it valid was accepted"
expect_tip "$W" iachr "$b" "W: the honest branch did not move in the same sync"
expect_peer_rule h achpr "rejected signature"
expect_reason h achpr "makes valid only after the commit that adds it"

verify_stock "$V" achpr iachr
"$HRDEX" -C "$V" verify >/dev/null 2>&1 || fail "hrdex verify fails on V"
echo "ok"
