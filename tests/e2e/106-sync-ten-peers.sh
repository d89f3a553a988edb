#!/bin/bash
# 106-sync-ten-peers: an agent with ten peers on loopback.  The first round
# takes every branch; a round with nothing new changes nothing and takes well
# under a second (the figure is printed; the bound is loose for slow machines
# and sanitizer builds).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

V=$T/agents/v
mkagent "$V" ohchr
for i in 0 1 2 3 4 5 6 7 8 9; do
	mkagent "$T/agents/p$i" "pub$i"
	trust "$V" "$T/agents/p$i"
	publish "$T/agents/p$i" decision "d$i"
done
# One server per peer, as in real life (one git daemon for all ten would
# overflow its listen backlog and add SYN retransmits of a second).
for i in 0 1 2 3 4 5 6 7 8 9; do
	start_daemon "$T/agents/p$i" port
	"$HRDEX" -C "$V" peer add "p$i" "git://127.0.0.1:$port/repo.git"
done
sync_agent "$V" || fail "first round failed"
for i in 0 1 2 3 4 5 6 7 8 9; do expect_tip "$V" "pub$i" "$(tip "$T/agents/p$i" "pub$i")" "pub$i"; done
main=$(tip "$V" main)
best=999999
for run in 1 2 3 4 5; do
	start=$(date +%s%N)
	"$HRDEX" -C "$V" sync --json >"$T/round.json" 2>/dev/null || fail "no-change round failed"
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$ms" -lt "$best" ] && best=$ms
	echo "no-change sync with 10 peers: $ms ms (round $(jq -c '[.elapsed_ms, [.peers[].elapsed_ms]]' "$T/round.json"))"
done
expect_tip "$V" main "$main" "a round with nothing new moved main"
note "best of 5: $best ms"
[ "$best" -lt 1000 ] || fail "a no-change round with 10 peers took $best ms"
echo ok
