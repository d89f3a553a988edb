#!/bin/bash
# 105-sync-topologies: a ring (a -> b -> c -> a, each pulling from the
# next) and a diamond (d pulls from b and c, both pulling from a) converge:
# after a few rounds every agent has the same tip of every publisher branch,
# main is rebuilt everywhere, and a later round changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

names=(a b c d)
pubs=(achpr iachr ohchr coe)
for i in 0 1 2 3; do mkagent "$T/agents/${names[$i]}" "${pubs[$i]}"; done
for x in a b c d; do
	for y in a b c d; do [ "$x" = "$y" ] || trust "$T/agents/$x" "$T/agents/$y"; done
done
serve
peer() { "$HRDEX" -C "$T/agents/$1" peer add "$2" "$(url_of "$T/agents/$2")"; }

note "ring: a pulls c, b pulls a, c pulls b; each publishes"
peer a c
peer b a
peer c b
for x in a b c; do hpublish "$T/agents/$x" decision "from-$x"; done
for round in 1 2 3; do
	for x in a b c; do sync_agent "$T/agents/$x" || fail "ring round $round: sync of $x failed"; done
done
for p in achpr iachr ohchr; do
	want=$(tip "$T/agents/a" "$p")
	[ "$want" != none ] || fail "ring: a lacks $p"
	for x in b c; do expect_tip "$T/agents/$x" "$p" "$want" "ring: $x agrees on $p"; done
done
for x in a b c; do
	[ "$(ls "$T/agents/$x/view" | tr '\n' ' ')" = "README.md achpr iachr ohchr " ] || fail "ring: view of $x"
done

note "ring: a new document travels the whole ring in one pass each"
hpublish "$T/agents/a" report later
for x in b c; do sync_agent "$T/agents/$x" || fail "ring: sync of $x"; done
expect_tip "$T/agents/c" achpr "$(tip "$T/agents/a" achpr)" "ring: a's new tip reached c through b"

note "diamond: d pulls b and c, which both carry a's branch"
peer d b
peer d c
hpublish "$T/agents/d" note from-d
sync_agent "$T/agents/d" --json || fail "diamond: sync of d failed"
for p in achpr iachr ohchr; do expect_tip "$T/agents/d" "$p" "$(tip "$T/agents/b" "$p")" "diamond: d has $p"; done
[ "$(jq '[.peers[].branches[] | select(.status == "accepted")] | length' "$T/last-sync.out")" = 3 ] ||
	fail "diamond: each branch should be accepted once, from one of the two peers"
main=$(tip "$T/agents/d" main)
sync_agent "$T/agents/d" || fail "diamond: second sync of d failed"
expect_tip "$T/agents/d" main "$main" "diamond: a round with nothing new"
echo ok
