#!/bin/bash
# 151-registry-foreign-member: a member document from a publisher that is
# not the registry.  'evil' is a real member; it publishes evil/member/mallory
# (Mallory's key and URL), correctly signed.  At achpr the document is held,
# with the reason, and gives nothing: mallory is neither trusted nor named nor
# suggested; in the same sync the registry admits iachr, which is trusted.
# `hrdex publish` of a member document on a non-registry agent is refused
# (65) with the same reason, and on an agent with no registry at all it says
# none is configured.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/registry-lib.sh"

A=$T/agents
mkdir -p "$A"
mkregistry "$A/ohchr" ohchr
for p in achpr iachr evil; do mkmember "$A/$p" $p "$A/ohchr"; done
"$HRDEX" -C "$A/mallory" init --publisher mallory >"$A/mallory.line" 2>/dev/null
git config -f "$A/achpr/hrdex.conf" network.autoPeers true
admit "$A/ohchr" "$A/achpr" "African Commission on Human and Peoples' Rights"
admit "$A/ohchr" "$A/evil" "Evil Commission"
sync_agent "$A/achpr" >/dev/null 2>&1 || fail "first sync failed"
sync_agent "$A/achpr" >/dev/null 2>&1 || fail "second sync failed"

note "publish refuses a member document from a non-registry agent"
member_doc evil mallory "Mallory" "$(keyof "$A/mallory")" "file://$A/mallory/repo.git" >"$T/m.json"
expect_exit 65 "$HRDEX" -C "$A/evil" publish "$T/m.json" 2>"$T/err"
grep -q "only the registry 'ohchr' publishes member documents" "$T/err" || fail "publish: $(cat "$T/err")"
"$HRDEX" -C "$A/lone" init --publisher lone >/dev/null 2>&1
member_doc lone mallory "Mallory" "$(keyof "$A/mallory")" "file://$A/mallory/repo.git" >"$T/m2.json"
expect_exit 65 "$HRDEX" -C "$A/lone" publish "$T/m2.json" 2>"$T/err"
grep -q "no registry configured" "$T/err" || fail "publish without a registry: $(cat "$T/err")"
"$HRDEX" -C "$A/lone" validate "$T/m2.json" >/dev/null 2>&1 && fail "validate accepts what publish refuses"

note "evil writes it with stock git anyway; the registry admits iachr in the same round"
f=$T/evil-mallory.json
member_doc evil mallory "Mallory" "$(keyof "$A/mallory")" "file://$A/mallory/repo.git" >"$f"
commit_files "$A/evil" "admit mallory" "evil/member/mallory.json=$f" >/dev/null
admit "$A/ohchr" "$A/iachr" "Inter-American Commission on Human Rights"
sync_agent "$A/achpr" || fail "sync failed"
expect_tip "$A/achpr" evil "$(tip "$A/evil" evil)" "evil's branch (held documents do not stop it)"
expect_tip "$A/achpr" ohchr "$(tip "$A/ohchr" ohchr)" "the registry's branch"
"$HRDEX" -C "$A/achpr" query --held --format jsonl >"$T/held"
jq -s -e 'any(.[]; .ref == "evil/member/mallory" and (.reason | test("only the registry .ohchr. publishes member documents")))' \
	"$T/held" >/dev/null || fail "not held with the reason: $(cat "$T/held")"
"$HRDEX" -C "$A/achpr" query --format refs | grep -q 'evil/member/mallory' && fail "the foreign member document is shown"
[ -e "$A/achpr/view/evil/member/mallory.json" ] && fail "the foreign member document is in view/"
"$HRDEX" -C "$A/achpr" trust list | grep -q '^mallory ' && fail "mallory trusted from evil's member document"
grep -q mallory "$A/achpr/hrdex.conf" && fail "mallory added as a peer"
"$HRDEX" -C "$A/achpr" trust list | grep -q '^iachr ' || fail "the honest member iachr is not trusted"
echo "registry foreign member: ok"
