#!/bin/bash
# 152-registry-claims: a registry member document that claims the
# registry's own id, or the reading agent's own id with another key.  Both
# are held at achpr, with the reason, and give nothing: no second key for
# 'ohchr' (which would let that key sign the registry's branch), no key,
# name or peer for achpr itself; in the same sync the registry admits iachr,
# which is trusted.  achpr's own honest member document (its own key) is
# shown and names it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/registry-lib.sh"

A=$T/agents
mkdir -p "$A"
mkregistry "$A/ohchr" ohchr
for p in achpr iachr; do mkmember "$A/$p" $p "$A/ohchr"; done
"$HRDEX" -C "$A/mallory" init --publisher mallory >/dev/null 2>&1
git config -f "$A/achpr/hrdex.conf" network.autoPeers true
admit "$A/ohchr" "$A/achpr" "African Commission on Human and Peoples' Rights"
hnote "$A/achpr" n1 "Note"
sync_agent "$A/achpr" >/dev/null 2>&1 || fail "first sync failed"
"$HRDEX" -C "$A/achpr" status >"$T/status" 2>/dev/null || true
grep -q "^  achpr .*African Commission" "$T/status" || fail "achpr's own member document does not name it: $(cat "$T/status")"

note "the registry's branch claims ohchr and achpr for Mallory's key, and admits iachr"
# Written with stock git, as a registry tricked (or a registry key misused)
# would: hrdex publish on the registry refuses the first one itself.
member_doc ohchr ohchr "Mallory as the registry" "$(keyof "$A/mallory")" "file://$A/mallory/repo.git" >"$T/a.json"
member_doc ohchr achpr "Mallory as achpr" "$(keyof "$A/mallory")" "file://$A/mallory/repo.git" >"$T/b.json"
expect_exit 65 "$HRDEX" -C "$A/ohchr" publish "$T/a.json" 2>"$T/err"
grep -q "claims the registry's own id 'ohchr'" "$T/err" || fail "publish on the registry: $(cat "$T/err")"
commit_files "$A/ohchr" "claims" "ohchr/member/ohchr.json=$T/a.json" "ohchr/member/achpr.json=$T/b.json" >/dev/null
admit "$A/ohchr" "$A/iachr" "Inter-American Commission on Human Rights"
sync_agent "$A/achpr" || fail "sync failed"
expect_tip "$A/achpr" ohchr "$(tip "$A/ohchr" ohchr)" "the registry's branch (held documents do not stop it)"
"$HRDEX" -C "$A/achpr" query --held --format jsonl >"$T/held"
jq -s -e 'any(.[]; .ref == "ohchr/member/ohchr" and (.reason | test("claims the registry.s own id .ohchr.")))' \
	"$T/held" >/dev/null || fail "the claim of the registry's id is not held: $(cat "$T/held")"
jq -s -e 'any(.[]; .ref == "ohchr/member/achpr" and (.reason | test("claims this agent.s own id .achpr.")))' \
	"$T/held" >/dev/null || fail "the claim of our own id is not held: $(cat "$T/held")"
mk=$(keyof "$A/mallory" | cut -d' ' -f2)
grep -q "$mk" "$A/achpr/allowed_signers" && fail "Mallory's key is in allowed_signers: $(cat "$A/achpr/allowed_signers")"
grep -q mallory "$A/achpr/hrdex.conf" && fail "Mallory's URL added as a peer"
"$HRDEX" -C "$A/achpr" status >"$T/status" 2>/dev/null || true
grep -q "Mallory" "$T/status" && fail "Mallory's name shown: $(cat "$T/status")"
grep -rq "Mallory" "$A/achpr/view/README.md" && fail "Mallory's name in view/README.md"
"$HRDEX" -C "$A/achpr" trust list | grep -q '^iachr ' || fail "the honest member iachr is not trusted"

echo "registry claims: ok"
