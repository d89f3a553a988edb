#!/bin/bash
# 150-registry-join: the happy path of a network with a registry.  The
# registry 'ohchr' admits achpr and iachr with one member document each,
# published with plain `hrdex publish`; the two members only ran `init
# --registry LINE --registry-url URL`.  They sync, trust each other (lines
# marked "# registry ohchr/member/ID"), show each other's names (status,
# view/ READMEs, the site), find each other with `peer suggest` and
# network.autoPeers, and exchange documents with no `trust add` or `peer
# add`; stock git verify-commit passes with the allowed_signers hrdex wrote.
# `hrdex join` does the same on an agent made before the network.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/registry-lib.sh"

A=$T/agents
mkdir -p "$A"
mkregistry "$A/ohchr" ohchr
mkmember "$A/achpr" achpr "$A/ohchr"
mkmember "$A/iachr" iachr "$A/ohchr"
git config -f "$A/iachr/hrdex.conf" network.autoPeers true

note "init --registry pins the key, the registry and its peer"
[ "$(git config -f "$A/achpr/hrdex.conf" registry.publisher)" = ohchr ] || fail "registry.publisher not set"
[ "$(git config -f "$A/achpr/hrdex.conf" peer.registry.url)" = "file://$A/ohchr/repo.git" ] || fail "no peer 'registry'"
grep -q "^ohchr namespaces=\"git\" $(keyof "$A/ohchr")" "$A/achpr/allowed_signers" || fail "registry key not pinned"
"$HRDEX" -C "$A/achpr" trust list | grep -q '^iachr ' && fail "iachr trusted before the registry says so"

admit "$A/ohchr" "$A/achpr" "African Commission on Human and Peoples' Rights"
admit "$A/ohchr" "$A/iachr" "Inter-American Commission on Human Rights"
hnote "$A/achpr" n1 "Note from Banjul"
hnote "$A/iachr" n1 "Note from Washington"

note "a sync with the registry: each member trusted, names and suggestions known"
sync_agent "$A/achpr" || fail "sync failed"
grep -q "registry: publisher 'iachr' trusted (ohchr/member/iachr)" "$T/last-sync.err" || fail "no trust line logged"
grep -qx "# registry ohchr/member/iachr" "$A/achpr/allowed_signers" || fail "registry line not commented"
grep -A1 -x "# registry ohchr/member/iachr" "$A/achpr/allowed_signers" | grep -q "^iachr namespaces=\"git\" $(keyof "$A/iachr")" ||
	fail "iachr's key not in allowed_signers: $(cat "$A/achpr/allowed_signers")"
grep -q "registry ohchr/member/achpr" "$A/achpr/allowed_signers" && fail "our own key came from the registry"
"$HRDEX" -C "$A/achpr" peer suggest >"$T/suggest" || fail "peer suggest failed"
printf 'iachr\tfile://%s/iachr/repo.git\tInter-American Commission on Human Rights\n' "$A" | cmp -s - "$T/suggest" ||
	fail "peer suggest: $(cat "$T/suggest")"
"$HRDEX" -C "$A/achpr" peer suggest --json | jq -e '.[0].publisher == "iachr" and length == 1' >/dev/null ||
	fail "peer suggest --json"
"$HRDEX" -C "$A/achpr" peer list | grep -q '^iachr' && fail "iachr added as a peer without autoPeers"

note "iachr (network.autoPeers) adds achpr as a peer by itself"
sync_agent "$A/iachr" || fail "sync failed"
grep -q "registry: peer 'achpr' added" "$T/last-sync.err" || fail "no peer added"
[ "$(git config -f "$A/iachr/hrdex.conf" peer.achpr.url)" = "file://$A/achpr/repo.git" ] || fail "peer achpr not in hrdex.conf"
"$HRDEX" -C "$A/iachr" peer suggest >"$T/suggest"
[ ! -s "$T/suggest" ] || fail "a configured peer is still suggested: $(cat "$T/suggest")"

note "the next sync exchanges documents, with no trust add or peer add"
sync_agent "$A/iachr" || fail "sync failed"
expect_tip "$A/iachr" achpr "$(tip "$A/achpr" achpr)" "achpr's branch at iachr"
git config -f "$A/achpr/hrdex.conf" network.autoPeers true
sync_agent "$A/achpr" || fail "sync failed"
sync_agent "$A/achpr" || fail "sync failed"
expect_tip "$A/achpr" iachr "$(tip "$A/iachr" iachr)" "iachr's branch at achpr"
"$HRDEX" -C "$A/achpr" query --format refs | grep -qx 'iachr/note/n1' || fail "iachr's note not at achpr"
"$HRDEX" -C "$A/iachr" query --format refs | grep -qx 'achpr/note/n1' || fail "achpr's note not at iachr"

note "names from the member documents: status, view/ READMEs, the site"
"$HRDEX" -C "$A/achpr" status >"$T/status" 2>&1 || true
grep -q "^  iachr .*Inter-American Commission on Human Rights" "$T/status" || fail "status shows no name: $(cat "$T/status")"
grep -q "^  achpr .*(us)  African Commission" "$T/status" || fail "status shows no name for us: $(cat "$T/status")"
grep -q "Inter-American Commission on Human Rights" "$A/achpr/view/README.md" || fail "view/README.md shows no name"
head -n1 "$A/achpr/view/iachr/README.md" | grep -q "^# Inter-American Commission on Human Rights" ||
	fail "iachr/README.md: $(head -n1 "$A/achpr/view/iachr/README.md")"
"$HRDEX" -C "$A/achpr" site >/dev/null 2>&1 || fail "site failed"
grep -rq "Inter-American Commission on Human Rights" "$A/achpr/site" || fail "the site shows no name"

note "a name set by hand wins"
git config -f "$A/achpr/hrdex.conf" publisher.iachr.name "CIDH"
"$HRDEX" -C "$A/achpr" status >"$T/status" 2>/dev/null || true
grep -q "^  iachr .*CIDH" "$T/status" || fail "the hand-made name does not win: $(cat "$T/status")"

note "stock git verify-commit passes with the allowed_signers hrdex wrote"
GIT_DIR="$A/achpr/repo.git" git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$A/achpr/allowed_signers" \
	verify-commit "$(tip "$A/achpr" iachr)" 2>/dev/null || fail "git verify-commit fails on iachr's tip"

note "hrdex join on an agent made before the network"
"$HRDEX" -C "$A/echr" init --publisher echr >/dev/null 2>&1
"$HRDEX" -C "$A/echr" join "$(cat "$A/ohchr.line")" "file://$A/ohchr/repo.git" 2>"$T/err" || fail "join: $(cat "$T/err")"
grep -q "joined the registry 'ohchr'" "$T/err" || fail "join says nothing: $(cat "$T/err")"
"$HRDEX" -C "$A/echr" join "$(cat "$A/ohchr.line")" "file://$A/ohchr/repo.git" 2>/dev/null || fail "join again failed"
[ "$(grep -c '^ohchr ' "$A/echr/allowed_signers")" = 1 ] || fail "join twice pinned twice"
sync_agent "$A/echr" || fail "sync failed"
"$HRDEX" -C "$A/echr" trust list | grep -q '^achpr ' || fail "achpr not trusted after join"
"$HRDEX" -C "$A/echr" trust list | grep -q '^iachr ' || fail "iachr not trusted after join"
echo "registry join: ok"
