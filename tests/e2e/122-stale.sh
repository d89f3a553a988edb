#!/bin/bash
# 122-stale: a trusted publisher whose branch has not moved, and for which no
# peer offered anything newer, for network.staleAfter seconds is named by a
# warning in `status` (text and --json) and by hrdex_publisher_stale in
# metrics.prom (a frozen member, or a peer freezing what this agent sees);
# the warning goes once the branch moves.  A publisher that moved is not
# named, and junk a peer offers (a commit by the wrong key) does not hide
# the freeze.  The warning does not make the agent unhealthy.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a B=$T/agents/b V=$T/agents/v
mkagent "$A" achpr
mkagent "$B" iachr
mkagent "$V" ohchr
trust "$V" "$A" "$B"
git config -f "$V/hrdex.conf" network.staleAfter 5
serve
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
"$HRDEX" -C "$V" peer add b "$(url_of "$B")"
publish "$A" decision d1
publish "$B" report r1
sync_agent "$V" 2>/dev/null || fail "first sync failed"
"$HRDEX" -C "$V" status --json >"$T/s0.json" || true
[ "$(jq '.warnings | length' "$T/s0.json")" = 0 ] || fail "warnings right after the branches moved: $(jq .warnings "$T/s0.json")"

note "iachr stands still for longer than network.staleAfter; achpr moves; a peer offers junk as iachr"
sleep 6
publish "$A" decision d2
h=$(hostile junk "$B")
doc iachr report fake >"$T/fake.json"
junk=$(mkcommit "$h" "$(tip "$B" iachr)" "$A/keys/id_ed25519" "not iachr's key" "iachr/report/fake.json=$T/fake.json")
GIT_DIR=$h git update-ref refs/heads/iachr "$junk"
"$HRDEX" -C "$V" peer add junk "$(url_of "$T/agents/junk")"
sync_agent "$V" 2>/dev/null || true
expect_rejected signature
"$HRDEX" -C "$V" status --json >"$T/s1.json" || true
jq -r '.warnings[]' "$T/s1.json" | grep -q "publisher 'iachr': its branch has not moved" ||
	fail "no stale warning for iachr: $(jq -c '{warnings, network}' "$T/s1.json")"
jq -r '.warnings[]' "$T/s1.json" | grep -q "'achpr'" && fail "achpr moved, yet is named stale: $(jq .warnings "$T/s1.json")"
[ "$(jq -r '.network.publishers[] | select(.id == "iachr") | .stale' "$T/s1.json")" = true ] || fail "network.publishers does not mark iachr stale"
jq -r '.problems[]' "$T/s1.json" | grep -q iachr && fail "a stale member made this agent unhealthy"
"$HRDEX" -C "$V" status >"$T/s1.txt" 2>&1 || true
grep -q "warning: publisher 'iachr'.*network.staleAfter is 5" "$T/s1.txt" || fail "text status has no warning: $(cat "$T/s1.txt")"

note "metrics.prom, written by the service, has the gauge"
"$HRDEX" -C "$V" run --once >/dev/null 2>&1 || true
grep -q '^hrdex_publisher_stale{publisher="iachr"} 1$' "$V/metrics.prom" || fail "no stale gauge for iachr: $(grep stale "$V/metrics.prom")"
grep -q '^hrdex_publisher_stale{publisher="achpr"} 0$' "$V/metrics.prom" || fail "achpr's gauge is not 0: $(grep stale "$V/metrics.prom")"

"$HRDEX" -C "$V" peer remove junk >/dev/null

note "iachr moves: the warning goes"
publish "$B" report r2
sync_agent "$V" 2>/dev/null || fail "third sync failed"
"$HRDEX" -C "$V" status --json >"$T/s2.json" || true
jq -r '.warnings[]' "$T/s2.json" | grep -q iachr && fail "iachr still named stale after it moved"
echo "ok"
