#!/bin/bash
# 153-registry-withdraw: the registry withdraws a member document (`hrdex
# withdraw`).  At achpr the trust it gave goes as `trust remove` takes it:
# the line and its comment leave allowed_signers, iachr's documents leave
# main, view/ and the cache, its branch is kept as refs/hrdex/untrusted/iachr,
# and iachr's later commits are refused as untrusted.  In the same sync the
# registry admits afcm, which is trusted.  A publisher also trusted by hand
# keeps its hand-made line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/registry-lib.sh"

A=$T/agents
mkdir -p "$A"
mkregistry "$A/ohchr" ohchr
for p in achpr iachr afcm echr; do mkmember "$A/$p" $p "$A/ohchr"; done
git config -f "$A/achpr/hrdex.conf" network.autoPeers true
admit "$A/ohchr" "$A/achpr" "African Commission on Human and Peoples' Rights"
admit "$A/ohchr" "$A/iachr" "Inter-American Commission on Human Rights"
admit "$A/ohchr" "$A/echr" "European Court of Human Rights"
hnote "$A/iachr" n1 "Note from Washington"
hnote "$A/echr" n1 "Note from Strasbourg"
"$HRDEX" -C "$A/achpr" trust add echr "$A/echr/keys/id_ed25519.pub" 2>/dev/null || fail "trust add echr"
sync_agent "$A/achpr" >/dev/null 2>&1 || fail "first sync failed"
sync_agent "$A/achpr" >/dev/null 2>&1 || fail "second sync failed"
"$HRDEX" -C "$A/achpr" query --format refs | grep -qx 'iachr/note/n1' || fail "iachr's note not here to begin with"

note "the registry withdraws iachr and echr, and admits afcm, in one round"
"$HRDEX" -C "$A/ohchr" withdraw ohchr/member/iachr ohchr/member/echr >/dev/null 2>&1 || fail "withdraw failed"
admit "$A/ohchr" "$A/afcm" "African Court on Human and Peoples' Rights"
hnote "$A/iachr" n2 "Note after the withdrawal"
sync_agent "$A/achpr" || fail "sync failed"
grep -q "registry: publisher 'iachr' is no longer trusted: 'ohchr/member/iachr' was withdrawn" "$T/last-sync.err" ||
	fail "the withdrawal is not said"
grep -q "^iachr " "$A/achpr/allowed_signers" && fail "iachr still in allowed_signers"
grep -q "ohchr/member/iachr" "$A/achpr/allowed_signers" && fail "its comment stayed"
"$HRDEX" -C "$A/achpr" query --format refs | grep -q '^iachr/' && fail "iachr's documents still in the cache"
[ -e "$A/achpr/view/iachr" ] && fail "iachr still in view/"
g "$A/achpr" rev-parse -q --verify refs/hrdex/untrusted/iachr >/dev/null || fail "iachr's branch not kept"
expect_tip "$A/achpr" iachr none "iachr's branch"
"$HRDEX" -C "$A/achpr" trust list | grep -q '^afcm ' || fail "the honest member afcm is not trusted"

note "echr, trusted by hand as well, stays"
grep -q "echr' is no longer in the registry; it stays trusted by hand" "$T/last-sync.err" || fail "echr: not said"
"$HRDEX" -C "$A/achpr" query --format refs | grep -qx 'echr/note/n1' || fail "echr's note left"

note "iachr's next commits are refused as untrusted"
sync_agent "$A/achpr" >/dev/null 2>&1 || true
expect_tip "$A/achpr" iachr none "iachr's branch after the next sync"
echo "registry withdraw: ok"
