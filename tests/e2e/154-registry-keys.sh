#!/bin/bash
# 154-registry-keys: trust the registry gives against trust made by hand and
# keys of other publishers.  A member document naming the key of another
# trusted publisher (the registry's own, or this agent's) gives no trust to
# that id, and the sync says so, while an honest member admitted in the same
# round is trusted.  `trust add` of another key for a member says that it
# conflicts with the registry, and both lines stay; `trust remove` of a
# member says the registry will trust it again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/registry-lib.sh"

A=$T/agents
mkdir -p "$A"
mkregistry "$A/ohchr" ohchr
for p in achpr iachr; do mkmember "$A/$p" $p "$A/ohchr"; done
"$HRDEX" -C "$A/other" init --publisher other >/dev/null 2>&1

note "members naming the registry's key and achpr's key; iachr honest, in one round"
member_doc ohchr fake1 "Fake one" "$(keyof "$A/ohchr")" "file://$A/x/repo.git" >"$T/f1.json"
member_doc ohchr fake2 "Fake two" "$(keyof "$A/achpr")" "file://$A/y/repo.git" >"$T/f2.json"
"$HRDEX" -C "$A/ohchr" publish "$T/f1.json" "$T/f2.json" >/dev/null || fail "publish failed"
admit "$A/ohchr" "$A/iachr" "Inter-American Commission on Human Rights"
sync_agent "$A/achpr" || fail "sync failed"
grep -q "'ohchr/member/fake1' names the key of publisher 'ohchr'; not trusted for 'fake1'" "$T/last-sync.err" ||
	fail "fake1 not said"
grep -q "'ohchr/member/fake2' names the key of publisher 'achpr'; not trusted for 'fake2'" "$T/last-sync.err" ||
	fail "fake2 not said"
"$HRDEX" -C "$A/achpr" trust list | grep -Eq '^fake[12] ' && fail "a fake member trusted"
"$HRDEX" -C "$A/achpr" trust list | grep -q '^iachr ' || fail "the honest member iachr is not trusted"

note "trust add of another key for iachr says it conflicts with the registry"
"$HRDEX" -C "$A/achpr" trust add iachr "$A/other/keys/id_ed25519.pub" 2>"$T/err" || fail "trust add failed: $(cat "$T/err")"
grep -q "conflicts with the registry: 'ohchr/member/iachr' gives publisher 'iachr' another key" "$T/err" ||
	fail "no conflict said: $(cat "$T/err")"
[ "$(grep -c '^iachr ' "$A/achpr/allowed_signers")" = 2 ] || fail "not both lines: $(cat "$A/achpr/allowed_signers")"
hnote "$A/ohchr" n1 "A note moves the registry's branch"
sync_agent "$A/achpr" || fail "sync failed"
[ "$(grep -c '^iachr ' "$A/achpr/allowed_signers")" = 2 ] || fail "a sync dropped a line: $(cat "$A/achpr/allowed_signers")"

note "trust remove of a member says the registry will trust it again"
"$HRDEX" -C "$A/achpr" trust remove iachr 2>"$T/err" || fail "trust remove failed"
grep -q "the registry 'ohchr' trusts it again" "$T/err" || fail "trust remove: $(cat "$T/err")"
grep -q "^iachr " "$A/achpr/allowed_signers" && fail "iachr still trusted"
hnote "$A/ohchr" n2 "Another note"
sync_agent "$A/achpr" || fail "sync failed"
[ "$(grep -c '^# registry ohchr/member/iachr$' "$A/achpr/allowed_signers")" = 1 ] ||
	fail "the comment is not there once: $(cat "$A/achpr/allowed_signers")"
"$HRDEX" -C "$A/achpr" trust list | grep -q '^iachr ' || fail "the registry did not trust iachr again"
echo "registry keys: ok"
