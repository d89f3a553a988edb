#!/bin/bash
# 114-sync-refused-once: the issue's costly document.  A commit signed by
# the trusted key adds a document whose "countries" holds tens of thousands
# of distinct numbers (maxItems is 300, uniqueItems is set): validation used
# to compare every pair of items (about a minute of CPU in the sync process)
# and did so again at every sync, from every peer offering it.  Now the
# array fails at its maxItems, quickly; since issue 15 that is a document
# rule: the document is held and the branch moves.
# A branch refused by a branch rule (here a document over limits.document,
# 930 KB) is remembered (STATE/refused.json): the second peer offering the
# same tip in the same round, and every later sync, reports the remembered
# reason without checking (or downloading) it again, until allowed_signers,
# the limits or the binary change.  Honest branches move in the same rounds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a B=$T/agents/b V=$T/agents/v
mkagent "$A" achpr
mkagent "$B" iachr
mkagent "$V" ohchr
trust "$V" "$A" "$B"
git config -f "$V/hrdex.conf" limits.document 524288
serve
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
"$HRDEX" -C "$V" peer add b "$(url_of "$B")"
publish "$A" decision d1
t1=$(tip "$A" achpr)
publish "$B" report b1
sync_agent "$V" || fail "first sync failed"
expect_tip "$V" achpr "$t1" "round 0"

note "achpr itself adds a 60,000-item array: held, quickly; the branch moves"
doc achpr decision many | jq -c '.countries = [range(60000)]' >"$T/many.json"
[ "$(stat -c %s "$T/many.json")" -le 524288 ] || fail "the held document is over the limit"
t0=$(date +%s%N)
commit_files "$A" "a costly document" "achpr/decision/many.json=$T/many.json" >/dev/null
t1=$(tip "$A" achpr)
sync_agent "$V" || fail "the sync with a costly held document failed"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 20000 ] || fail "the sync with a costly held document took $ms ms"
expect_tip "$V" achpr "$t1" "a held document refused its branch"
"$HRDEX" -C "$V" query --held --format table | grep -q '^achpr/decision/many	.*countries: must have at most 300 items (has 60000)' ||
	fail "the costly document is not held for its array: $("$HRDEX" -C "$V" query --held --format table)"

note "two peers offer a commit adding a 149,000-item array (930 KB), signed by achpr's key"
doc achpr decision big | jq -c '.countries = [range(149000)]' >"$T/big.json"
size=$(stat -c %s "$T/big.json")
[ "$size" -gt 900000 ] && [ "$size" -le 1048576 ] || fail "the document is $size bytes"
h=$(hostile h1 "$A")
GIT_DIR=$h git update-ref refs/heads/achpr \
	"$(mkcommit "$h" "$t1" "$A/keys/id_ed25519" "a costly document" "achpr/decision/big.json=$T/big.json")"
hostile h2 "$T/agents/h1" >/dev/null
for p in h1 h2; do "$HRDEX" -C "$V" peer add "$p" "$(url_of "$T/agents/$p")"; done
bad=$(GIT_DIR=$T/agents/h1/repo.git git rev-parse refs/heads/achpr)
[ "$bad" = "$(GIT_DIR=$T/agents/h2/repo.git git rev-parse refs/heads/achpr)" ] || fail "h1 and h2 differ"

# sync_timed WANT-EXIT : one sync, --json; prints its milliseconds (for the
# log only).  The sync runs under a CPU-time limit (ulimit -t: CPU seconds,
# not wall time, so a loaded machine does not matter): checking the 1 MiB
# document took 58-247 s of CPU before validation became linear, and a
# sync over the limit is killed, which fails the exit-code check.
sync_timed() {
	local t0 t1 rc=0
	t0=$(date +%s%N)
	(ulimit -t 30 && sync_agent "$V" --json) || rc=$?
	[ "$rc" -eq "$1" ] || fail "sync: expected exit $1, got $rc (killed past 30 s of CPU: exit 137 or 152)"
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
# remembered PEER : the "remembered" flag of achpr from PEER in the last sync
remembered() {
	jq -r --arg p "$1" '.peers[] | select(.name == $p) | .branches[] | select(.publisher == "achpr") | .remembered' \
		"$T/last-sync.out"
}

# bytes PEER : what the last sync received from PEER
bytes() { jq -r --arg p "$1" '.peers[] | select(.name == $p) | .bytes' "$T/last-sync.out"; }

publish "$B" report b2
ms=$(sync_timed 1)
note "first sync: $ms ms, $(bytes h1) bytes from h1"
first_bytes=$(bytes h1)
expect_tip "$V" achpr "$t1" "the costly branch did not move achpr"
expect_tip "$V" iachr "$(tip "$B" iachr)" "B moved in the same round"
expect_peer_rule h1 achpr "rejected limits"
expect_peer_rule h2 achpr "rejected limits"
jq -e '.peers[] | select(.name == "h1") | .branches[0].reason | test("big.json. is [0-9]+ bytes, over the limit of 524288")' \
	"$T/last-sync.out" >/dev/null || fail "the reason does not name the document's size"
[ "$(remembered h1)" = false ] || fail "h1's copy was not checked"
[ "$(remembered h2)" = true ] || fail "h2's copy of the same tip was checked again in the same round"
grep -q "'achpr' at ${bad:0:12} from peer 'h2' was refused before (limits): not checked again" "$T/last-sync.err" ||
	fail "no log line for the remembered refusal"
jq -e --arg c "$bad" '.refused[] | select(.commit == $c and .publisher == "achpr" and .rule == "limits")' \
	"$V/refused.json" >/dev/null || fail "refused.json does not hold the refusal"

note "second sync: nothing checked again, from either peer"
publish "$B" report b3
ms=$(sync_timed 1)
note "second sync: $ms ms, $(bytes h1) bytes from h1"
[ "$(bytes h1)" -lt $((first_bytes / 10)) ] || fail "the refused objects were downloaded again ($(bytes h1) bytes)"
[ "$(remembered h1)" = true ] || fail "h1's copy was checked again"
[ "$(remembered h2)" = true ] || fail "h2's copy was checked again"
grep -c "was refused before (limits): not checked again" "$T/last-sync.err" | grep -qx 2 ||
	fail "expected two remembered refusals in the log"
expect_peer_rule h1 achpr "rejected limits"
expect_tip "$V" iachr "$(tip "$B" iachr)" "B moved in the second round"
expect_tip "$V" achpr "$t1" "still not moved"
jq -e '.rejections[] | select(.peer == "h1" and .rule == "limits")' "$V/rejections.json" >/dev/null ||
	fail "rejections.json does not list the remembered refusal"

note "allowed_signers changes: the rules may say otherwise now, so the tip is checked again"
echo "# a comment" >>"$V/allowed_signers"
sync_timed 1 >/dev/null
[ "$(remembered h1)" = false ] || fail "h1's copy was not checked after allowed_signers changed"
[ "$(remembered h2)" = true ] || fail "h2's copy was checked twice in one round"

note "a damaged refused.json is ignored: checked again"
echo '{"context": 1' >"$V/refused.json"
sync_timed 1 >/dev/null
[ "$(remembered h1)" = false ] || fail "a damaged refused.json was trusted"
echo ok
