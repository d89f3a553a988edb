#!/bin/bash
# 157-registry-self: the registry's own agent follows its own member
# documents.  Its branch moves only by `publish` (never by sync), so
# publishing a member document must give it that member's trust and (with
# network.autoPeers) its peer at once, with no `trust add` or `peer add`;
# and a member's key rotation, which hrdex writes into allowed_signers as a
# "# rotation" line, is not mistaken for a hand-made line with another key.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/registry-lib.sh"

A=$T/agents
mkdir -p "$A"
mkregistry "$A/ohchr" ohchr
git config -f "$A/ohchr/hrdex.conf" network.autoPeers true
mkmember "$A/achpr" achpr "$A/ohchr"

note "publishing the member document is enough for the registry's own agent"
admit "$A/ohchr" "$A/achpr" "African Commission on Human and Peoples' Rights"
grep -A1 -x "# registry ohchr/member/achpr" "$A/ohchr/allowed_signers" | grep -q "^achpr namespaces=\"git\" $(keyof "$A/achpr")" ||
	fail "the registry does not trust its member after publishing it: $(cat "$A/ohchr/allowed_signers")"
"$HRDEX" -C "$A/ohchr" peer list | grep -q "^achpr	file://$A/achpr/repo.git" ||
	fail "the registry did not add its member as a peer: $("$HRDEX" -C "$A/ohchr" peer list)"

note "the registry pulls the member's documents with no hand-made trust or peer"
hnote "$A/achpr" n1 "Note from Banjul"
sync_agent "$A/ohchr" || fail "the registry's sync failed"
"$HRDEX" -C "$A/ohchr" query --publisher achpr --format refs | grep -qx achpr/note/n1 || fail "achpr's note not on the registry"

note "the member rotates its key; the registry follows with no warning of a hand-made key"
"$HRDEX" -C "$A/achpr" key rotate >/dev/null || fail "key rotate failed"
hnote "$A/achpr" n2 "After the rotation"
sync_agent "$A/ohchr" || fail "sync after the rotation failed"
"$HRDEX" -C "$A/ohchr" query --publisher achpr --format refs | grep -qx achpr/note/n2 || fail "n2 not accepted after the rotation"
grep -q "^# rotation achpr/key/2" "$A/ohchr/allowed_signers" || fail "the rotation is not in allowed_signers"
note_doc ohchr n3 "The registry publishes again" >"$T/n3.json"
"$HRDEX" -C "$A/ohchr" publish "$T/n3.json" >"$T/pub.out" 2>&1 || fail "publish failed: $(cat "$T/pub.out")"
sync_agent "$A/ohchr" || fail "sync failed"
cat "$T/pub.out" "$T/last-sync.err" | grep -q "trusted by hand" && fail "a rotated key was taken for a hand-made line"
grep -q "^# rotation achpr/key/2" "$A/ohchr/allowed_signers" || fail "the registry's apply dropped the rotation line"
note "ok"
