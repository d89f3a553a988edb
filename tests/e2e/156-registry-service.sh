#!/bin/bash
# 156-registry-service: the service follows the registry with no restart.
# `run --once` applies the registry's members (trust, peers); the running
# service, after the registry admits a new member, trusts it, adds it as a
# peer (network.autoPeers), re-reads hrdex.conf by itself and accepts the new
# member's branch in a later pass; a withdrawal takes the trust away again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/service.sh"
. "$(dirname "$0")/registry-lib.sh"

A=$T/agents
mkdir -p "$A"
mkregistry "$A/ohchr" ohchr
for p in achpr iachr afcm; do mkmember "$A/$p" $p "$A/ohchr"; done
S=$A/achpr
git config -f "$S/hrdex.conf" network.autoPeers true
git config -f "$S/hrdex.conf" sync.interval 1
git config -f "$S/hrdex.conf" sync.jitter 0
admit "$A/ohchr" "$A/achpr" "African Commission on Human and Peoples' Rights"
admit "$A/ohchr" "$A/iachr" "Inter-American Commission on Human Rights"
hnote "$A/iachr" n1 "Note from Washington"
hnote "$A/afcm" n1 "Note from Arusha"

# same DIR PUB : DIR holds PUB's branch at PUB's own tip.
same() { [ "$(tip "$1" "$2")" = "$(tip "$A/$2" "$2")" ]; }

note "run --once applies the registry"
"$HRDEX" -C "$S" run --once 2>"$T/once.log" || fail "run --once failed: $(cat "$T/once.log")"
grep -q "registry: publisher 'iachr' trusted" "$T/once.log" || fail "run --once: $(cat "$T/once.log")"
[ "$(git config -f "$S/hrdex.conf" peer.iachr.url)" = "file://$A/iachr/repo.git" ] || fail "no peer iachr"

note "the running service: a new member is trusted, peered and synced with no restart"
start_run "$S" "$T/run.log"
wait_for 20 same "$S" iachr || fail "iachr not synced: $(cat "$T/run.log")"
admit "$A/ohchr" "$A/afcm" "African Court on Human and Peoples' Rights"
wait_for 20 grep -q "the registry's members changed; configuration reloaded" "$T/run.log" ||
	fail "no reload: $(cat "$T/run.log")"
wait_for 20 same "$S" afcm || fail "afcm not synced: $(cat "$T/run.log")"
"$HRDEX" -C "$S" query --format refs | grep -qx 'afcm/note/n1' || fail "afcm's note not in the cache"

note "a withdrawal, seen by the service"
"$HRDEX" -C "$A/ohchr" withdraw ohchr/member/afcm >/dev/null 2>&1 || fail "withdraw failed"
wait_for 20 grep -q "registry: publisher 'afcm' is no longer trusted" "$T/run.log" || fail "not withdrawn: $(cat "$T/run.log")"
"$HRDEX" -C "$S" query --format refs | grep -q '^afcm/' && fail "afcm's documents still in the cache"
stop_run "$RUN_PID" 10
echo "registry service: ok"
