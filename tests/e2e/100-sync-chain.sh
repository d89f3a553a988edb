#!/bin/bash
# 100-sync-chain: A -> B -> C.  C gets A's documents through B, with A's
# signatures intact (stock git verifies them on C's copy); a withdrawal at A
# reaches C the same way; a no-change sync changes nothing and exits 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a B=$T/agents/b C=$T/agents/c
mkagent "$A" achpr
mkagent "$B" iachr
mkagent "$C" ohchr
trust "$A" "$B" "$C"
trust "$B" "$A" "$C"
trust "$C" "$A" "$B"
serve
"$HRDEX" -C "$B" peer add a "$(url_of "$A")"
"$HRDEX" -C "$C" peer add b "$(url_of "$B")"
grep -q "^b	git://" <<<"$("$HRDEX" -C "$C" peer list)" || fail "peer list does not show b"

note "A publishes two documents (one with an attachment) with hrdex, B one with stock git"
printf 'annex\n' >"$T/annex.txt"
hpublish "$A" decision res-1 "$T/annex.txt"
hpublish "$A" decision res-2
publish "$B" report rep-1
atip=$(tip "$A" achpr)

note "B syncs from A"
sync_agent "$B" || fail "sync of B failed"
expect_tip "$B" achpr "$atip" "B took A's branch"
[ -f "$B/view/achpr/decision/res-1.json" ] || fail "B's view lacks A's document"
[ -f "$B/view/README.md" ] || fail "B's view lacks README.md"
g "$B" rev-parse -q --verify refs/peers/a/achpr >/dev/null || fail "no refs/peers/a/achpr on B"

note "C syncs from B: A's branch is relayed, with A's commits"
sync_agent "$C" --json || fail "sync of C failed"
jq -e '.peers[0].status == "fetched" and .accepted == 2 and .peers[0].bytes > 0' "$T/last-sync.out" >/dev/null ||
	fail "unexpected JSON summary"
expect_tip "$C" achpr "$atip" "C took A's branch through B"
expect_tip "$C" iachr "$(tip "$B" iachr)" "C took B's branch"
GIT_DIR="$C/repo.git" git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$C/allowed_signers" \
	verify-commit "$atip" 2>/dev/null || fail "stock git cannot verify A's commit on C"
[ "$(cat "$C/view/achpr/decision/res-1.json")" = "$(g "$A" show achpr:achpr/decision/res-1.json)" ] ||
	fail "C's copy of res-1 differs"
[ "$(cat "$C/view/achpr/decision/res-1.files/annex.txt")" = annex ] || fail "attachment not relayed"
grep -q "sync: achpr +2 ~0 -0 via peer b" <<<"$(g "$C" log --format=%s main)" || fail "main's message does not say what moved"

note "A withdraws res-1; it disappears at B, then at C"
"$HRDEX" -C "$A" withdraw achpr/decision/res-1 >/dev/null
sync_agent "$B" || fail "second sync of B failed"
sync_agent "$C" || fail "second sync of C failed"
expect_tip "$C" achpr "$(tip "$A" achpr)" "the withdrawal reached C"
[ ! -e "$C/view/achpr/decision/res-1.json" ] || fail "withdrawn document still in C's view"
[ -f "$C/view/achpr/decision/res-2.json" ] || fail "res-2 vanished from C's view"

[ "$("$HRDEX" -C "$C" query --publisher achpr --format refs)" = achpr/decision/res-2 ] ||
	fail "C's cache does not follow the sync: $("$HRDEX" -C "$C" query --format refs)"

note "a sync names publishers in main's READMEs and rebuilds the site, as publish does"
git config -f "$C/hrdex.conf" publisher.achpr.name "African Commission"
git config -f "$C/hrdex.conf" site.enabled true
hpublish "$A" decision res-3
sync_agent "$B" || fail "B did not take res-3"
sync_agent "$C" || fail "sync with names and the site failed"
grep -q "accepted 'achpr'" "$T/last-sync.err" || fail "C did not take res-3: $(cat "$T/last-sync.err")"
g "$C" show main:achpr/README.md | head -n1 | grep -qx '# African Commission (`achpr`)' ||
	fail "main's README after a sync: $(g "$C" show main:achpr/README.md | head -n1)"
grep -rqs 'res-3' "$C/site/" ||
	fail "the site was not rebuilt by the sync"
git config -f "$C/hrdex.conf" site.enabled false

note "a sync with nothing new changes nothing"
main_before=$(tip "$C" main)
sync_agent "$C" || fail "no-change sync failed"
expect_tip "$C" main "$main_before" "no-change sync moved main"
jq -e '.rejections == []' "$C/rejections.json" >/dev/null || fail "rejections.json not empty"

note "peer remove drops the peer and its refs"
"$HRDEX" -C "$C" peer remove b
[ -z "$("$HRDEX" -C "$C" peer list)" ] || fail "peer still listed"
[ -z "$(g "$C" for-each-ref refs/peers/)" ] || fail "refs/peers/b left behind"
expect_exit 64 "$HRDEX" -C "$C" peer add 'bad/name' git://x
expect_exit 64 "$HRDEX" -C "$C" sync nosuchpeer
echo ok
